// Wires the collector together: store, hub, HTTP app and the agents' WebSocket endpoint on one port.
// main.ts calls it for real; tests call it with port 0 and a temp data dir.
import { createAdaptorServer } from "@hono/node-server";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createLogger, type Logger } from "../shared/log.js";
import { hashSecret, randomId, randomSecret } from "../shared/secrets.js";
import { createApp } from "./app.js";
import { FailureLimiter } from "./auth/failure-limiter.js";
import { TOKEN_PREFIX } from "./auth/principal.js";
import type { CollectorConfig } from "./config.js";
import { AgentHub } from "./hub/agent-hub.js";
import { startRetention } from "./maintenance/retention-timer.js";
import { resolveLimits, type LimitOverrides } from "./limits.js";
import { RunBus } from "./run-bus.js";
import { openStore, type StoreLocation } from "./store/sql-store.js";
import { ClusterNode, newNodeId } from "./cluster/node.js";
import type { Store } from "./store/types.js";
import { deadlinePolicy } from "./tickets/deadlines.js";
import { CloseCode } from "../shared/protocol.js";
import { createObservability, readMetricsToken, type Observability } from "./observability/index.js";
import { createAgentUpgradeHandler } from "./ws/agent-upgrade.js";
import { WebhookDispatcher, type Scheduler } from "./webhooks/dispatcher.js";
import { resolveTargets } from "./webhooks/targets.js";

export interface RunningCollector {
  /** The URL agents and engineers use: --public-url, else the bound address. */
  url: string;
  /** http(s)://host:port actually bound (differs from `url` behind a proxy or NAT). */
  listenUrl: string;
  port: number;
  store: Store;
  hub: AgentHub;
  observability: Observability;
  /** Outbound webhooks (collector/webhooks/): delivers the store's queue to the configured targets. */
  webhooks: WebhookDispatcher;
  /** This process's node id (new at every start). */
  nodeId: string;
  /** One of several collectors on PostgreSQL (collector/cluster/); undefined on SQLite. */
  cluster?: ClusterNode;
  /** Set on the very first start: the admin token, shown once. */
  bootstrapAdminToken?: string;
  /**
   * Drains (docs/running.md, "Shutdown"): /readyz answers 503 and new connections and upgrades are
   * refused; ingest in flight is committed and acked; agents are closed with 1012 (reconnect later);
   * SSE streams end; the store's write queue drains and the store closes. Idempotent.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  now?: () => number;
  store?: Store;
  /** Limits other than the defaults of collector/limits.ts (tests and the benchmark). */
  limits?: LimitOverrides;
  /** The webhook dispatcher's timers and jitter (tests: a manual scheduler, no real waiting). */
  webhooks?: { scheduler?: Scheduler; random?: () => number };
}

export const DB_FILE = "netdiag.sqlite";

/** While draining, how often connections that went idle are closed (a response just finished on them). */
const IDLE_SWEEP_MS = 50;
/** After this, connections still busy (a slow client mid-request) are cut: main's own limit is the backstop. */
const HTTP_DRAIN_MS = 5000;

/** Where this config keeps the store: its PostgreSQL URL, else the SQLite file under dataDir. */
export function storeLocation(cfg: Pick<CollectorConfig, "database" | "dataDir">): StoreLocation {
  return cfg.database !== undefined ? { database: cfg.database } : { sqlitePath: join(cfg.dataDir, DB_FILE) };
}

/** Creates the first admin token when the store has none; returns it (only its hash is stored). */
export async function bootstrapAdmin(store: Store, now: number): Promise<string | undefined> {
  if ((await store.countTokens()) > 0) return undefined;
  const token = randomSecret(TOKEN_PREFIX);
  const id = randomId("tok_");
  await store.createToken({ id, name: "bootstrap-admin", role: "admin", hash: hashSecret(token), createdAt: now });
  await store.appendAudit({ at: now, actor: "system", action: "token.create", outcome: "ok", detail: { id, name: "bootstrap-admin", role: "admin" } });
  return token;
}

export async function startCollector(cfg: CollectorConfig, opts: StartOptions = {}): Promise<RunningCollector> {
  let log = opts.log ?? createLogger("collector", cfg.logLevel);
  const now = opts.now ?? Date.now;
  // Read before anything is opened: a bad token file stops the start with nothing half-done.
  const metricsTokenHash = cfg.metricsTokenFile ? readMetricsToken(cfg.metricsTokenFile) : undefined;
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  // Secret and CA files first: a broken webhook config stops the start before anything is opened.
  const webhookTargets = await resolveTargets(cfg.webhooks, log);
  const nodeId = newNodeId();
  // On PostgreSQL other collectors may share the database: every log line names this node.
  if (cfg.database) log = log.child({ nodeId });
  const store = opts.store ?? (await openStore(storeLocation(cfg), { log }));
  const bootstrapAdminToken = await bootstrapAdmin(store, now());
  const bus = new RunBus();
  const limiter = new FailureLimiter();
  const limits = resolveLimits(opts.limits);
  const observability = createObservability(store, metricsTokenHash ? { metricsTokenHash } : {});
  // Several collectors on one PostgreSQL: links recorded in the store, signals over LISTEN/NOTIFY.
  // SQLite is one process: no peers, the hub works exactly as it always did.
  const cluster = cfg.database
    ? new ClusterNode({ nodeId, databaseUrl: cfg.database, store, links: store.links, bus, log, now, heartbeatMs: cfg.heartbeatMs, page: { maxSteps: limits.read.stepPageMax, maxBytes: limits.read.stepPageBytes } })
    : undefined;
  const hub = new AgentHub({ store, bus, log, now, heartbeatMs: cfg.heartbeatMs, limits: limits.ingest, metrics: observability.metrics, ...(cluster ? { peers: cluster } : {}) });
  observability.metrics.sources.connectedAgents = () => hub.connectedCount();
  observability.metrics.nodeInfo.set({ node_id: nodeId, mode: cluster ? "cluster" : "single" }, 1);
  if (cluster) observability.metrics.sources.cluster = () => ({ ...cluster.stats, listening: cluster.listening });
  // LISTENing before the port opens: no agent or request arrives before this node can hear the others.
  await cluster?.start(hub);
  const webhooks = new WebhookDispatcher({ store, targets: webhookTargets, config: cfg.webhooks, log, now, userAgent: "netdiag-collector", ...opts.webhooks });
  const app = createApp({ store, hub, bus, log, now, nodeId, limiter, limits: limits.read, deadlines: deadlinePolicy(cfg.deadlines), observability, webhookTargets: webhookTargets.map((t) => t.name), ...(cfg.publicUrl ? { publicUrl: cfg.publicUrl } : {}) });
  const tls = cfg.tlsCert && cfg.tlsKey;
  const server = createAdaptorServer({
    fetch: app.fetch,
    ...(tls
      ? {
          createServer: createHttpsServer,
          // TLS 1.2 is the floor for agents on older systems; Node's defaults pick the ciphers.
          serverOptions: { cert: readFileSync(cfg.tlsCert!), key: readFileSync(cfg.tlsKey!), minVersion: "TLSv1.2" as const },
        }
      : {}),
  });
  const upgrade = createAgentUpgradeHandler({ store, hub, log, now, limiter, maxAgents: cfg.maxAgents, keepAliveMs: 2 * cfg.heartbeatMs });
  server.on("upgrade", (req, socket, head) => {
    if (!observability.readiness.draining) return upgrade.handle(req, socket, head);
    // Draining: an agent that reconnects right now is told to come back (to the next collector).
    socket.on("error", () => undefined);
    socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n");
  });
  server.on("clientError", (err, socket) => {
    log.warn("client error", { error: err.message });
    socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(cfg.port, cfg.host, () => resolve());
    });
  } catch (e) {
    // Port taken: the node's connections would keep the process alive, so they go before the error does.
    await cluster?.close();
    if (!opts.store) await store.close();
    throw e;
  }
  const retention = startRetention({ store, log, now, config: cfg.retention });
  const port = (server.address() as AddressInfo).port;
  await webhooks.start();
  const hostForUrl = cfg.host.includes(":") ? `[${cfg.host}]` : cfg.host === "0.0.0.0" ? "127.0.0.1" : cfg.host;
  const listenUrl = `${tls ? "https" : "http"}://${hostForUrl}:${port}`;
  const url = cfg.publicUrl ?? listenUrl;
  log.info("collector listening", { url: listenUrl, ...(cfg.publicUrl ? { publicUrl: cfg.publicUrl } : {}) });
  let closing: Promise<void> | undefined;
  const drain = async () => {
    observability.readiness.drain(now());
    log.info("draining: new connections refused, finishing writes");
    // Stop accepting first (an agent reconnecting now must not reach a closing hub), then let the hub
    // commit and ack what is in flight, tell the agents to come back, and record the lost links.
    const stopped = new Promise<void>((r) => server.close(() => r()));
    await hub.close(CloseCode.serviceRestart, "collector restarting; reconnect later");
    // The links the hub released are signalled, the node leaves the table, its connections close.
    await cluster?.close();
    // In-flight webhook attempts are aborted and recorded before the store closes (due again at the next start).
    await webhooks.close();
    upgrade.close();
    observability.sse.closeAll();
    // Requests in flight finish; each connection is closed as soon as it is idle.
    const http = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
    const sweep = setInterval(() => http.closeIdleConnections(), IDLE_SWEEP_MS);
    const cut = setTimeout(() => http.closeAllConnections(), HTTP_DRAIN_MS);
    http.closeIdleConnections();
    await stopped;
    clearInterval(sweep);
    clearTimeout(cut);
    // A retention sweep stops between batches before the store closes.
    await retention.stop();
    // The write queue drains before the file closes (sqlite-db.ts close()).
    if (!opts.store) await store.close();
    log.info("drained");
  };
  return {
    url,
    listenUrl,
    port,
    store,
    hub,
    observability,
    webhooks,
    nodeId,
    ...(cluster ? { cluster } : {}),
    ...(bootstrapAdminToken ? { bootstrapAdminToken } : {}),
    close() {
      closing ??= drain();
      return closing;
    },
  };
}
