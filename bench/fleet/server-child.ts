// The server side of the fleet bench (bench/fleet/index.ts), alone in its own process so its RSS and
// CPU are only the server's: either the real collector (agents seeded straight into its store, an
// engineer token and a ticket for the trigger-latency leg) or a bare `ws` server with the ws README
// heartbeat at the same interval (the baseline). Talks to the parent over IPC (FleetServerMessage).
// Run only by the fleet benches: node --expose-gc dist/bench/fleet/server-child.js collector|bare COUNT HEARTBEAT_MS [DATABASE_URL]
// (with a PostgreSQL URL the collector is one node of several on that database: bench/fleet/cross-node.ts).
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer } from "ws";
import { CollectorConfig } from "../../collector/config.js";
import { startCollector } from "../../collector/server.js";
import { createLogger } from "../../shared/log.js";
import { hashSecret, randomId, randomSecret } from "../../shared/secrets.js";
import { seedAgents, seedTicket, type SeededAgent } from "../seed.js";
import type { CpuSample } from "./stats.js";
import { memorySample, type MemorySample } from "../memory-sample.js";
import { readmeHeartbeat } from "../loopback.js";

export type FleetServerMode = "collector" | "bare";

export type MemSample = MemorySample;

export type FleetServerRequest =
  | { type: "sample"; expect: number }
  | { type: "cpu"; windowMs: number }
  | { type: "watch"; periodMs: number }
  | { type: "unwatch" }
  | { type: "stop" };

export type FleetServerMessage =
  | { type: "ready"; url: string; agents: SeededAgent[]; engineerToken: string; ticketId: string; before: MemSample }
  | { type: "sample"; sample: MemSample }
  /** CPU of this process over a window, and the heartbeat pings sent in it. */
  | { type: "cpu"; cpuUs: number; windowMs: number; pings: number }
  /** Every CPU/RSS sample taken between watch and unwatch, and the most connections seen. */
  | { type: "watched"; cpu: CpuSample[]; peakRss: number; minConnections: number; maxConnections: number };

/** How long a sample waits for the server to count every connection the parent opened. */
const SETTLE_DEADLINE_MS = 60_000;


const cpuNow = (): CpuSample => {
  const c = process.cpuUsage();
  return { atMs: performance.now(), cpuUs: c.user + c.system };
};

async function main(): Promise<void> {
  const mode = process.argv[2] as FleetServerMode;
  const count = Number(process.argv[3]);
  const heartbeatMs = Number(process.argv[4]);
  const database = process.argv[5];
  if ((mode !== "collector" && mode !== "bare") || !Number.isInteger(count) || count < 1 || !(heartbeatMs >= 100)) {
    throw new Error("usage: server-child collector|bare COUNT HEARTBEAT_MS");
  }
  const send = (m: FleetServerMessage) => process.send!(m);
  let connected: () => number;
  let pings: () => number;
  let close: () => Promise<void>;
  let url: string;
  let agents: SeededAgent[] = [];
  let engineerToken = "";
  let ticketId = "";
  if (mode === "collector") {
    const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-fleet-"));
    // Room for the latency agent and a few replacements racing their own old connection.
    const c = await startCollector(CollectorConfig.parse({ dataDir: dir, host: "127.0.0.1", port: 0, logLevel: "silent", maxAgents: count + 100, heartbeatMs, ...(database ? { database } : {}) }), {
      log: createLogger("bench", "silent"),
      // Production limits except the frame rate (as in the delivery bench): the latency leg triggers
      // run after run on ONE agent, 4 frames each, ~50 triggers/s; at 50 frames/s the agent's token
      // bucket would run dry after ~125 triggers and the bench would measure the limiter's waits
      // (seen here: p50 20 -> 77 ms), not the path. An engineer triggers a run a minute, not 50 a second.
      limits: { ingest: { framesPerS: 100_000, frameBurst: 100_000 } },
    });
    // One more than the idle fleet: the trigger-latency bench's instant agent.
    agents = await seedAgents(c.store, count + 1);
    ticketId = await seedTicket(c.store);
    engineerToken = randomSecret("ndt_");
    await c.store.createToken({ id: randomId("tok_"), name: "bench-engineer", role: "engineer", hash: hashSecret(engineerToken), createdAt: Date.now() });
    connected = () => c.hub.connectedCount();
    pings = () => c.hub.heartbeatStats.pings;
    url = c.url;
    close = async () => {
      await c.close();
      await rm(dir, { recursive: true, force: true });
    };
  } else {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once("listening", () => r()));
    url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const beat = readmeHeartbeat(wss, heartbeatMs);
    connected = () => wss.clients.size;
    pings = beat.pings;
    close = () => {
      beat.stop();
      for (const ws of wss.clients) ws.terminate();
      return new Promise<void>((r) => wss.close(() => r()));
    };
  }

  let watch: { timer: NodeJS.Timeout; cpu: CpuSample[]; peakRss: number; min: number; max: number } | undefined;
  process.on("message", (msg: FleetServerRequest) => {
    if (msg.type === "sample") {
      const started = Date.now();
      const poll = () => {
        if (connected() >= msg.expect || Date.now() - started > SETTLE_DEADLINE_MS) send({ type: "sample", sample: memorySample(connected()) });
        else setTimeout(poll, 20);
      };
      poll();
    } else if (msg.type === "cpu") {
      const c0 = cpuNow();
      const p0 = pings();
      setTimeout(() => {
        const c1 = cpuNow();
        send({ type: "cpu", cpuUs: c1.cpuUs - c0.cpuUs, windowMs: c1.atMs - c0.atMs, pings: pings() - p0 });
      }, msg.windowMs);
    } else if (msg.type === "watch") {
      const w = { cpu: [cpuNow()], peakRss: process.memoryUsage.rss(), min: connected(), max: connected(), timer: undefined as unknown as NodeJS.Timeout };
      w.timer = setInterval(() => {
        w.cpu.push(cpuNow());
        w.peakRss = Math.max(w.peakRss, process.memoryUsage.rss());
        w.min = Math.min(w.min, connected());
        w.max = Math.max(w.max, connected());
      }, msg.periodMs);
      watch = w;
    } else if (msg.type === "unwatch") {
      if (!watch) throw new Error("unwatch without watch");
      clearInterval(watch.timer);
      watch.cpu.push(cpuNow());
      send({ type: "watched", cpu: watch.cpu, peakRss: Math.max(watch.peakRss, process.memoryUsage.rss()), minConnections: watch.min, maxConnections: watch.max });
      watch = undefined;
    } else if (msg.type === "stop") {
      void close().finally(() => process.exit(0));
    }
  });
  send({ type: "ready", url, agents, engineerToken, ticketId, before: memorySample(connected()) });
}

await main();
