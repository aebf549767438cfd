// The collector's Prometheus instruments (GET /metrics, docs/running.md "Metrics"). One registry per
// collector instance, so tests can run several in one process. Gauges whose truth lives elsewhere
// (connected agents, runs by state, SSE subscribers) read it at scrape time from sources bound after
// the hub and the store exist; counters are incremented where the event happens.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface MetricSources {
  connectedAgents?: () => number;
  /** Several collectors (collector/cluster/node.ts): signal counters and whether the LISTEN connection is up. */
  cluster?: () => { signalsSent: number; signalsReceived: number; badSignals: number; resyncs: number; deadNodes: number; listening: boolean };
  runsByState?: () => Promise<Record<string, number>>;
  sseSubscribers?: () => number;
}

/** Distinct values a label may take from data an agent sends (verdict causes); the rest count as OTHER. */
const MAX_CAUSE_LABELS = 200;

export class CollectorMetrics {
  readonly registry = new Registry();
  readonly sources: MetricSources = {};
  private readonly causes = new Set<string>();
  /** Set once by server.ts (node id and mode). */
  readonly nodeInfo: Gauge<"node_id" | "mode">;

  readonly httpRequests = new Counter({
    name: "netdiag_http_requests_total",
    help: "HTTP requests answered, by method, route pattern (never the raw path) and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly stepsIngested = new Counter({
    name: "netdiag_steps_ingested_total",
    help: "Step results stored from agents (duplicates not counted), by check and status",
    labelNames: ["check", "status"] as const,
    registers: [this.registry],
  });
  readonly verdicts = new Counter({
    name: "netdiag_verdicts_total",
    help: "Verdicts stored from agents, by segment and cause",
    labelNames: ["segment", "cause"] as const,
    registers: [this.registry],
  });
  readonly ingestLatency = new Histogram({
    name: "netdiag_ingest_latency_seconds",
    help: "From a run event frame read off the agent's socket to its ack sent (parse, validation, commit), by outcome",
    labelNames: ["outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly wsCloses = new Counter({
    name: "netdiag_ws_closes_total",
    help: "Agent WebSocket connections closed, by close code (1006: dropped without a close frame)",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly wsErrors = new Counter({
    name: "netdiag_ws_errors_total",
    help: "Errors on agent WebSocket connections, by error code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  constructor(o: { defaultMetrics?: boolean } = {}) {
    const sources = this.sources;
    new Gauge({
      name: "netdiag_agents_connected",
      help: "Agents connected now",
      registers: [this.registry],
      collect() {
        this.set(sources.connectedAgents?.() ?? 0);
      },
    });
    new Gauge({
      name: "netdiag_sse_subscribers",
      help: "Server-Sent Event streams open now (live runs and ticket watches)",
      registers: [this.registry],
      collect() {
        this.set(sources.sseSubscribers?.() ?? 0);
      },
    });
    new Gauge({
      name: "netdiag_runs",
      help: "Runs in the store, by state",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        if (!sources.runsByState) return;
        this.reset();
        for (const [state, n] of Object.entries(await sources.runsByState())) this.set({ state }, n);
      },
    });
    new Gauge({
      name: "netdiag_cluster_signals",
      help: "Several collectors: cluster signals (NOTIFY payloads) sent and received, refused payloads, catch-ups after missed signals, nodes found dead; since start",
      labelNames: ["kind"] as const,
      registers: [this.registry],
      collect() {
        const c = sources.cluster?.();
        if (!c) return;
        this.set({ kind: "sent" }, c.signalsSent);
        this.set({ kind: "received" }, c.signalsReceived);
        this.set({ kind: "refused" }, c.badSignals);
        this.set({ kind: "resync" }, c.resyncs);
        this.set({ kind: "dead_node" }, c.deadNodes);
      },
    });
    new Gauge({
      name: "netdiag_cluster_listening",
      help: "Several collectors: 1 while this node's LISTEN connection to PostgreSQL is up (0 while it reconnects)",
      registers: [this.registry],
      collect() {
        const c = sources.cluster?.();
        if (c) this.set(c.listening ? 1 : 0);
      },
    });
    this.nodeInfo = new Gauge({
      name: "netdiag_node_info",
      help: "Always 1; labels: this collector's node id (new at every start) and whether it is one of several on PostgreSQL (cluster) or alone (single)",
      labelNames: ["node_id", "mode"] as const,
      registers: [this.registry],
    });
    // Process figures (CPU, memory, event loop lag, open files) under their standard names.
    if (o.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** A verdict stored: counted under its cause, or OTHER once MAX_CAUSE_LABELS distinct ones were seen. */
  verdictStored(segment: string, cause: string): void {
    if (!this.causes.has(cause) && this.causes.size < MAX_CAUSE_LABELS) this.causes.add(cause);
    this.verdicts.inc({ segment, cause: this.causes.has(cause) ? cause : "OTHER" });
  }
}
