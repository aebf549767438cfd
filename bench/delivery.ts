// Bench 2: delivery end to end. A real collector (startCollector, port 0 on 127.0.0.1, temp data dir,
// synchronous=FULL as in production) and N in-process agents, each the real CollectorLink over a
// MemoryOutbox, streaming one offline run of M realistic path steps pipelined (as an agent replaying its
// outbox after a reconnect does). Measures acked events/s and ack latency (append -> ack) p50/p99 under
// that load, then the latency of one agent sending K events one at a time (each awaits its ack).
// Baseline: a bare ws server answering each frame with a fixed small ack, same N, M, K and frames.
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket, { WebSocketServer } from "ws";
import { CollectorLink } from "../agent/link/collector-link.js";
import { MemoryOutbox } from "../agent/link/outbox.js";
import { CollectorConfig } from "../collector/config.js";
import { startCollector } from "../collector/server.js";
import { createLogger } from "../shared/log.js";
import type { RunEvent } from "../shared/protocol.js";
import { percentile, type BenchRow } from "./report.js";
import { seedAgents, seedTicket } from "./seed.js";
import { offlineRun } from "./steps.js";

/** A whole bench side gets this long; past it the bench fails loudly instead of hanging the run. */
const DELIVERY_DEADLINE_MS = 60_000;

interface Measured {
  events: number;
  eventsPerS: number;
  /** Append -> ack of every pipelined event. */
  latenciesMs: number[];
  /** Append -> ack with one event in flight. */
  serialMs: number[];
}


export function frameBytes(): number {
  return Buffer.byteLength(JSON.stringify(offlineRun("tk_bench00", 1)[1]));
}

/** Records when each event was appended and when its ack came; acked(n) waits for the n-th ack. */
class TimingOutbox extends MemoryOutbox {
  private readonly sentAt = new Map<string, number>();
  readonly latenciesMs: number[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  /** Resolves once `count` acks (in total) have arrived. */
  acked(count: number): Promise<void> {
    if (this.latenciesMs.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
  override async append(ev: RunEvent): Promise<void> {
    this.sentAt.set(`${ev.runId}/${ev.seq}`, performance.now());
    await super.append(ev);
  }
  override async ack(runId: string, seq: number): Promise<void> {
    const t = this.sentAt.get(`${runId}/${seq}`);
    if (t !== undefined) {
      this.sentAt.delete(`${runId}/${seq}`);
      this.latenciesMs.push(performance.now() - t);
      const ready = this.waiters.filter((w) => w.count <= this.latenciesMs.length);
      this.waiters = this.waiters.filter((w) => w.count > this.latenciesMs.length);
      for (const w of ready) w.resolve();
    }
    await super.ack(runId, seq);
  }
}

function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${DELIVERY_DEADLINE_MS} ms`)), DELIVERY_DEADLINE_MS);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

async function measureCollector(n: number, m: number, k: number): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-delivery-"));
  const log = createLogger("bench", "silent");
  // The frame-rate limit (50/s per agent, collector/limits.ts) is lifted: the serial leg has one agent
  // send ~500 frames/s on purpose, and throttling it would measure the limit, not the path. Every other
  // limit (shape scan, byte accounting, run and hour caps) runs as in production.
  const limits = { ingest: { framesPerS: 1e9, frameBurst: 1e9 } };
  const collector = await startCollector(CollectorConfig.parse({ dataDir: dir, host: "127.0.0.1", port: 0, logLevel: "silent", maxAgents: n + 10 }), { log, limits });
  const links: CollectorLink[] = [];
  try {
    const ticketId = await seedTicket(collector.store);
    const agents = await seedAgents(collector.store, n, ticketId);
    const perAgent = m + 2;
    const outboxes = agents.map(() => new TimingOutbox());
    const opened = agents.map((a, i) => {
      return new Promise<void>((resolve) => {
        const link = new CollectorLink({ collectorUrl: collector.url, agentId: a.agentId, secret: a.secret, outbox: outboxes[i]!, log, onFrame: () => {}, onState: (s) => s === "open" && resolve() });
        links.push(link);
        link.start();
      });
    });
    await withDeadline(Promise.all(opened), "connecting the agents");
    const runs = agents.map(() => offlineRun(ticketId, m));
    const t0 = performance.now();
    // The real agent's emit (run-executor.ts): outbox.append, then link.send.
    await Promise.all(
      links.map(async (link, i) => {
        for (const ev of runs[i]!) {
          await outboxes[i]!.append(ev);
          link.send(ev);
        }
      }),
    );
    await withDeadline(Promise.all(outboxes.map((o) => o.acked(perAgent))), "acknowledging every event");
    const s = (performance.now() - t0) / 1000;
    const latenciesMs = outboxes.flatMap((o) => o.latenciesMs);
    // One in flight: the latency an engineer watching a live run sees when nothing else is queued.
    const serial = outboxes[0]!;
    const serialRun = offlineRun(ticketId, k - 2);
    await withDeadline(
      (async () => {
        for (const ev of serialRun) {
          const want = serial.latenciesMs.length + 1;
          await serial.append(ev);
          links[0]!.send(ev);
          await serial.acked(want);
        }
      })(),
      "serial round trips",
    );
    return { events: n * perAgent, eventsPerS: (n * perAgent) / s, latenciesMs, serialMs: serial.latenciesMs.slice(perAgent) };
  } finally {
    await Promise.all(links.map((l) => l.stop()));
    await collector.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Fixed ack frame: the bare server neither parses nor stores, it only answers (in order, per socket). */
const BARE_ACK = JSON.stringify({ type: "ack", runId: "off_0123456789ab", seq: 0 });

async function measureBare(n: number, m: number, k: number): Promise<Measured> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  wss.on("connection", (ws) => ws.on("message", () => ws.send(BARE_ACK)));
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  const clients: WebSocket[] = [];
  try {
    const perAgent = m + 2;
    const latencies: number[] = [];
    const done: Promise<void>[] = [];
    await withDeadline(
      Promise.all(
        Array.from({ length: n }, () => {
          const ws = new WebSocket(url, { perMessageDeflate: false });
          clients.push(ws);
          return new Promise<void>((resolve, reject) => {
            ws.once("open", () => resolve());
            ws.once("error", reject);
          });
        }),
      ),
      "connecting the bare clients",
    );
    const runs = clients.map(() => offlineRun("tk_bench00", m));
    const t0 = performance.now();
    clients.forEach((ws, i) => {
      const sentAt: number[] = [];
      let acked = 0;
      done.push(
        new Promise<void>((resolve) => {
          ws.on("message", () => {
            latencies.push(performance.now() - sentAt[acked++]!);
            if (acked === perAgent) resolve();
          });
        }),
      );
      for (const ev of runs[i]!) {
        sentAt.push(performance.now());
        ws.send(JSON.stringify(ev));
      }
    });
    await withDeadline(Promise.all(done), "bare round trips");
    const s = (performance.now() - t0) / 1000;
    const ws = clients[0]!;
    ws.removeAllListeners("message");
    const serialMs: number[] = [];
    await withDeadline(
      (async () => {
        for (const ev of offlineRun("tk_bench00", k - 2)) {
          const t = performance.now();
          const answered = new Promise<void>((r) => ws.once("message", () => r()));
          ws.send(JSON.stringify(ev));
          await answered;
          serialMs.push(performance.now() - t);
        }
      })(),
      "bare serial round trips",
    );
    return { events: n * perAgent, eventsPerS: (n * perAgent) / s, latenciesMs: latencies, serialMs };
  } finally {
    for (const ws of clients) ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

export async function deliveryBench(quick: boolean): Promise<BenchRow[]> {
  const n = quick ? 10 : 50;
  const m = quick ? 50 : 200;
  const k = quick ? 50 : 500;
  const bare = await measureBare(n, m, k);
  const real = await measureCollector(n, m, k);
  const note = `${n} agents x ${m + 2} events (${frameBytes()} B step frames), pipelined; collector synchronous=FULL`;
  const base = { bench: "delivery", baselineName: "bare ws round trip" };
  return [
    { ...base, metric: "acked events/s", unit: "events/s", value: real.eventsPerS, baseline: bare.eventsPerS, better: "higher", note },
    { ...base, metric: "ack latency p50 (loaded)", unit: "ms", value: percentile(real.latenciesMs, 50), baseline: percentile(bare.latenciesMs, 50), better: "lower" },
    { ...base, metric: "ack latency p99 (loaded)", unit: "ms", value: percentile(real.latenciesMs, 99), baseline: percentile(bare.latenciesMs, 99), better: "lower" },
    { ...base, metric: "ack latency p50, 1 in flight", unit: "ms", value: percentile(real.serialMs, 50), baseline: percentile(bare.serialMs, 50), better: "lower", note: `one agent, ${k} events, each sent after the previous ack` },
    { ...base, metric: "ack latency p99, 1 in flight", unit: "ms", value: percentile(real.serialMs, 99), baseline: percentile(bare.serialMs, 99), better: "lower" },
  ];
}
