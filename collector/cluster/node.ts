// One collector among several on one PostgreSQL (docs/cluster.md): its node id, its heartbeat in the
// store, the signals it sends and what it does with the others' (decide.ts), live viewers of runs
// other nodes change (run-feed.ts), and the catch-up after missed signals. The hub sees it only as
// HubPeers.
import { hostname } from "node:os";
import type { Logger } from "../../shared/log.js";
import { randomId } from "../../shared/secrets.js";
import type { AgentHub } from "../hub/agent-hub.js";
import type { RunBus } from "../run-bus.js";
import { publishTransition } from "../runs/publish.js";
import type { LinkStore } from "../store/sql-links.js";
import type { StepPage, Store } from "../store/types.js";
import { deadNodes, decideSignal, DEAD_AFTER_HEARTBEATS, type NodeView, type SignalAction } from "./decide.js";
import type { HubPeers } from "./peers.js";
import { PgSignals } from "./pg-signals.js";
import { RunFeed } from "./run-feed.js";
import { packSignals, parseEnvelope, type ClusterSignal } from "./signal.js";

/** A new id for every process start: a restarted collector is a new node (its old links are stale). */
export function newNodeId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, "").slice(0, 24) || "node";
  return `${host}_${randomId("").slice(0, 10)}`;
}

export interface ClusterNodeOptions {
  nodeId: string;
  databaseUrl: string;
  store: Store;
  links: LinkStore;
  bus: RunBus;
  log: Logger;
  now: () => number;
  /** The node heartbeat; a node silent for DEAD_AFTER_HEARTBEATS of them is dead (the agents' heartbeat interval). */
  heartbeatMs: number;
  page: StepPage;
}

export class ClusterNode implements HubPeers {
  readonly nodeId: string;
  private hub: AgentHub | undefined;
  private readonly signals: PgSignals;
  readonly feed: RunFeed;
  private readonly startedAt: number;
  private outbox: ClusterSignal[] = [];
  private flushing: Promise<void> | undefined;
  private flushQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** Dead nodes already handled (their links released once). */
  private readonly buried = new Set<string>();
  private readonly work = new Set<Promise<unknown>>();
  private closed = false;
  /** Figures for /metrics. */
  readonly stats = { signalsSent: 0, signalsReceived: 0, badSignals: 0, resyncs: 0, deadNodes: 0 };

  constructor(private readonly o: ClusterNodeOptions) {
    this.nodeId = o.nodeId;
    this.startedAt = o.now();
    this.feed = new RunFeed({ store: o.store, bus: o.bus, log: o.log, page: o.page });
    this.signals = new PgSignals({
      url: o.databaseUrl,
      log: o.log,
      onPayload: (p) => this.onPayload(p),
      onResync: () => this.track(this.resync("signal connection came back")),
    });
  }

  get listening(): boolean {
    return this.signals.listening;
  }
  get reconnects(): number {
    return this.signals.reconnects;
  }

  /** Heartbeats, LISTENs and starts announcing local run changes; the hub must be attached first. */
  async start(hub: AgentHub): Promise<void> {
    this.hub = hub;
    await this.o.links.heartbeat(this.nodeId, this.startedAt, this.o.now());
    await this.signals.start();
    // Every local publish (a stored step, verdict, state change) becomes one run.changed per run per flush.
    this.o.bus.onLocalPublish = (runId) => this.signal({ t: "run.changed", runs: [runId] });
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, this.o.heartbeatMs);
    this.timer.unref();
    this.o.log.info("cluster node started");
  }

  async linkTaken(agentId: string, linkId: string): Promise<void> {
    await this.o.links.claim({ agentId, nodeId: this.nodeId, linkId }, this.o.now());
    this.signal({ t: "link.taken", agentId, linkId });
  }

  /**
   * Queued and sent once the current turn of the event loop is over: everything signalled meanwhile
   * goes in one round trip, each changed run once (coalesced: ingest stores thousands of steps a
   * second, viewers need one nudge per run). Callers signal only after their data committed.
   */
  signal(s: ClusterSignal): void {
    if (this.closed) return;
    this.outbox.push(s);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.track(this.flush());
    });
  }

  async connectedAgents(): Promise<Set<string>> {
    return this.o.links.connectedAgents(this.o.now() - DEAD_AFTER_HEARTBEATS * this.o.heartbeatMs);
  }

  private async flush(): Promise<void> {
    // One flush at a time keeps signals in the order they were made.
    while (this.flushing) await this.flushing;
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length === 0) return;
    const payloads = packSignals(this.nodeId, batch);
    this.stats.signalsSent += payloads.length;
    this.flushing = this.signals.send(payloads).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private onPayload(payload: string): void {
    const parsed = parseEnvelope(payload);
    if (!parsed.ok) {
      this.stats.badSignals++;
      this.o.log.warn("cluster signal refused", { message: parsed.message.slice(0, 500) });
      return;
    }
    if (parsed.envelope.o === this.nodeId) return;
    this.stats.signalsReceived++;
    const hub = this.hub;
    if (!hub) return;
    const view: NodeView = {
      nodeId: this.nodeId,
      holds: (a) => hub.linkOf(a) !== undefined,
      holdsReady: (a) => hub.holdsReady(a),
      watches: (r) => this.o.bus.watches(r),
      watchesAll: this.o.bus.watchesAll(),
    };
    for (const a of decideSignal(parsed.envelope, view)) this.track(this.apply(hub, a));
  }

  private async apply(hub: AgentHub, a: SignalAction): Promise<void> {
    try {
      switch (a.act) {
        case "refresh":
          return await this.feed.refresh(a.runIds);
        case "dispatch":
          return await hub.dispatchHeld(a.runId);
        case "cancel":
          hub.cancelHeld(a.agentId, a.runId);
          return;
        case "disconnect":
          hub.disconnectHere(a.agentId, a.code, a.code === 4003 ? "agent revoked" : "agent re-enrolled");
          return;
        case "check_link":
          return hub.closeIfStale(a.agentId, (await this.o.links.current(a.agentId))?.linkId);
      }
    } catch (e) {
      this.o.log.error("acting on a cluster signal failed", { act: a.act, error: String(e) });
    }
  }

  /** Signals may have been missed: pending runs of the agents held here go out again, viewers re-read. */
  private async resync(why: string): Promise<void> {
    this.stats.resyncs++;
    this.o.log.info("cluster catch-up", { why });
    await Promise.allSettled([this.hub?.resendPending(), this.feed.refreshWatched()]);
  }

  /**
   * One heartbeat: this node is alive; nodes silent for DEAD_AFTER_HEARTBEATS intervals are dead.
   * A dead node's links are released through the guarded link-lost (its sent runs back to the queue,
   * held ones to delivering: unless the agent already linked elsewhere), viewers re-read what it may
   * have committed without signalling, and its row goes once it holds no link.
   */
  private async beat(): Promise<void> {
    if (this.closed) return;
    const now = this.o.now();
    try {
      await this.o.links.heartbeat(this.nodeId, this.startedAt, now);
      const dead = deadNodes(await this.o.links.nodes(), this.nodeId, now, this.o.heartbeatMs);
      const fresh = dead.filter((n) => !this.buried.has(n));
      for (const n of fresh) {
        this.buried.add(n);
        this.stats.deadNodes++;
        this.o.log.warn("cluster node silent; taking over its links", { deadNode: n });
      }
      for (const n of dead) {
        for (const link of await this.o.links.linksOf(n)) {
          const ts = await this.o.store.transitionRuns({ agentId: link.agentId, releaseLink: link }, { kind: "link_lost" }, this.o.now());
          for (const t of ts) publishTransition(this.o.bus, t);
        }
        if (await this.o.links.forgetNode(n)) this.buried.delete(n);
      }
      if (fresh.length) await this.feed.refreshWatched();
    } catch (e) {
      this.o.log.warn("cluster heartbeat failed", { error: String(e) });
    }
  }

  private track(p: Promise<unknown>): void {
    this.work.add(p);
    void p.finally(() => this.work.delete(p));
  }

  /** After the hub closed: the last signals go out, the node leaves the table, the connections close. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await this.beating;
    await new Promise((r) => setImmediate(r));
    await this.flush();
    this.closed = true;
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    this.o.bus.onLocalPublish = undefined;
    await this.o.links.forgetNode(this.nodeId).catch((e: unknown) => this.o.log.warn("leaving the cluster table failed", { error: String(e) }));
    await this.signals.close();
  }
}
