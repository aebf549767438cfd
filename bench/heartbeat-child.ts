// Child process of the heartbeat bench (bench/heartbeat.ts): runs alone, so its CPU and wakeups are
// only the server's, either the real collector (heartbeat sweep) or a bare ws server with the
// heartbeat of the ws README (one setInterval pinging every client at once) or with none at all.
// Talks to the parent over IPC: "ready" (url, agent credentials), then answers each "measure".
// Run only by bench/heartbeat.ts: node dist/bench/heartbeat-child.js collector|bare|bare-silent HEARTBEAT_MS COUNT
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WebSocketServer } from "ws";
import { startSeededCollector, type SeededAgent } from "./seed.js";
import { readmeHeartbeat } from "./loopback.js";

export type HeartbeatMode = "collector" | "bare" | "bare-silent";

export interface IdleSample {
  connections: number;
  windowMs: number;
  /** user + system CPU of this process over the window. */
  cpuUs: number;
  /** Voluntary context switches of the main thread over the window: each is a sleep ended by a wakeup. */
  wakeups: number;
  /** Pings this server sent over the window. */
  pings: number;
  /** Longest event-loop stall seen over the window (ms): how long an ack or API call could wait. */
  loopMaxMs: number;
}

export type HeartbeatChildMessage = { type: "ready"; url: string; agents: SeededAgent[] } | { type: "sample"; sample: IdleSample };

/** How long the child waits for the server to count every connection the parent opened. */
const SETTLE_DEADLINE_MS = 60_000;

/** The main thread's voluntary context switches (its tid is the pid). */
async function mainThreadWakeups(): Promise<number> {
  const status = await readFile(`/proc/self/task/${process.pid}/status`, "utf8");
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
}

async function main(): Promise<void> {
  const mode = process.argv[2] as HeartbeatMode;
  const heartbeatMs = Number(process.argv[3]);
  const count = Number(process.argv[4]);
  if (!["collector", "bare", "bare-silent"].includes(mode) || !(heartbeatMs >= 100) || !Number.isInteger(count) || count < 1) {
    throw new Error("usage: heartbeat-child collector|bare|bare-silent HEARTBEAT_MS COUNT");
  }
  const send = (m: HeartbeatChildMessage) => process.send!(m);
  let connected: () => number;
  let close: () => Promise<void>;
  let url: string;
  let agents: SeededAgent[] = [];
  let pingCount: () => number;
  if (mode === "collector") {
    const s = await startSeededCollector(count, heartbeatMs);
    agents = s.agents;
    connected = () => s.collector.hub.connectedCount();
    pingCount = () => s.collector.hub.heartbeatStats.pings;
    url = s.collector.url;
    close = s.close;
  } else {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once("listening", () => r()));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    connected = () => wss.clients.size;
    let beat: ReturnType<typeof readmeHeartbeat> | undefined;
    if (mode === "bare") beat = readmeHeartbeat(wss, heartbeatMs);
    pingCount = () => beat?.pings() ?? 0;
    close = () => {
      beat?.stop();
      return new Promise<void>((r) => wss.close(() => r()));
    };
  }
  process.on("message", (msg: { type: string; expect?: number; windowMs?: number }) => {
    if (msg.type === "measure") {
      const want = msg.expect ?? 0;
      const windowMs = msg.windowMs ?? 10_000;
      const started = Date.now();
      const poll = async () => {
        if (connected() < want && Date.now() - started < SETTLE_DEADLINE_MS) return void setTimeout(poll, 50);
        // First window: CPU and wakeups (nothing else running in this process).
        const cpu0 = process.cpuUsage();
        const w0 = await mainThreadWakeups();
        const p0 = pingCount();
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, windowMs));
        const cpu = process.cpuUsage(cpu0);
        const wakeups = (await mainThreadWakeups()) - w0;
        const sampleWindowMs = performance.now() - t0;
        const pingsSent = pingCount() - p0;
        // Second window: event-loop stalls. Separate, because the monitor's own timer wakes the loop.
        const loop = monitorEventLoopDelay({ resolution: 10 });
        loop.enable();
        await new Promise((r) => setTimeout(r, windowMs));
        loop.disable();
        send({ type: "sample", sample: { connections: connected(), windowMs: sampleWindowMs, cpuUs: cpu.user + cpu.system, wakeups, pings: pingsSent, loopMaxMs: loop.max / 1e6 } });
      };
      void poll();
    } else if (msg.type === "stop") {
      void close().finally(() => process.exit(0));
    }
  });
  send({ type: "ready", url, agents });
}

await main();
