// Bench 3: memory per idle, authenticated agent connection. The collector runs alone in a child
// process (bench/memory-child.ts) so its RSS is measurable; this process opens the connections (the
// real CollectorLink: Bearer auth before the upgrade, hello) and asks the child to sample after gc()
// at each checkpoint. Baseline: a bare ws server in the same kind of child with as many idle plain
// ws connections. Figures are (sample - sample before any connection) / connections, in KB.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { CollectorLink } from "../agent/link/collector-link.js";
import { MemoryOutbox } from "../agent/link/outbox.js";
import { createLogger } from "../shared/log.js";
import type { ChildMessage, MemorySample } from "./memory-child.js";
import type { BenchRow } from "./report.js";

/** Connections being opened at once: enough to be quick, few enough not to look like a storm. */
const OPEN_PARALLEL = 100;
/** A child that does not answer within this long is killed and the bench fails. */
const CHILD_DEADLINE_MS = 90_000;

interface Child {
  proc: ChildProcess;
  next(): Promise<ChildMessage>;
}

function startChild(mode: "collector" | "bare", count: number): Child {
  const proc = fork(fileURLToPath(new URL("./memory-child.js", import.meta.url)), [mode, String(count)], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const queue: ChildMessage[] = [];
  let waiter: ((m: ChildMessage) => void) | undefined;
  let failed: Error | undefined;
  let reject: ((e: Error) => void) | undefined;
  proc.on("message", (m: ChildMessage) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(m);
    } else queue.push(m);
  });
  proc.on("exit", (code) => {
    failed = new Error(`memory child (${mode}) exited with code ${code}`);
    reject?.(failed);
  });
  return {
    proc,
    next() {
      const m = queue.shift();
      if (m) return Promise.resolve(m);
      if (failed) return Promise.reject(failed);
      return new Promise<ChildMessage>((resolve, rej) => {
        const timer = setTimeout(() => rej(new Error(`memory child (${mode}) silent for ${CHILD_DEADLINE_MS} ms`)), CHILD_DEADLINE_MS);
        waiter = (msg) => {
          clearTimeout(timer);
          resolve(msg);
        };
        reject = (e) => {
          clearTimeout(timer);
          rej(e);
        };
      });
    },
  };
}

async function expectSample(child: Child): Promise<MemorySample> {
  const m = await child.next();
  if (m.type !== "sample") throw new Error(`expected a sample from the memory child, got ${m.type}`);
  return m.sample;
}

/** Opens connections [from, to) OPEN_PARALLEL at a time; each resolves when open. */
async function openRange(from: number, to: number, open: (i: number) => Promise<void>): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) await open(next++);
  };
  await Promise.all(Array.from({ length: OPEN_PARALLEL }, worker));
}

interface PerConn {
  count: number;
  rssKb: number;
  heapKb: number;
}

async function measure(mode: "collector" | "bare", checkpoints: number[]): Promise<PerConn[]> {
  const max = Math.max(...checkpoints);
  const child = startChild(mode, max);
  const log = createLogger("bench", "silent");
  const links: CollectorLink[] = [];
  const sockets: WebSocket[] = [];
  try {
    const ready = await child.next();
    if (ready.type !== "ready") throw new Error("memory child did not start");
    const open = (i: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (mode === "bare") {
          const ws = new WebSocket(ready.url, { perMessageDeflate: false });
          sockets.push(ws);
          ws.once("open", () => resolve());
          ws.once("error", reject);
          return;
        }
        const a = ready.agents[i]!;
        const link = new CollectorLink({
          collectorUrl: ready.url,
          agentId: a.agentId,
          secret: a.secret,
          outbox: new MemoryOutbox(),
          log,
          onFrame: () => {},
          onState: (s, info) => (s === "open" ? resolve() : s === "closed" && reject(new Error(`agent link closed: ${info?.code} ${info?.reason}`))),
        });
        links.push(link);
        link.start();
      });
    const out: PerConn[] = [];
    let opened = 0;
    for (const cp of [...checkpoints].sort((a, b) => a - b)) {
      await openRange(opened, cp, open);
      opened = cp;
      child.proc.send({ type: "measure", expect: cp });
      const s = await expectSample(child);
      if (s.connections < cp) throw new Error(`${mode}: server counted ${s.connections} of ${cp} connections`);
      out.push({ count: cp, rssKb: (s.rss - ready.before.rss) / cp / 1024, heapKb: (s.heapUsed - ready.before.heapUsed) / cp / 1024 });
    }
    return out;
  } finally {
    // Stop reconnecting before the server goes away, then let the child close and exit.
    await Promise.all(links.map((l) => l.stop()));
    for (const ws of sockets) ws.terminate();
    if (child.proc.exitCode === null) {
      const exited = new Promise<void>((r) => child.proc.once("exit", () => r()));
      child.proc.send({ type: "stop" });
      const timer = setTimeout(() => child.proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

export async function memoryBench(quick: boolean): Promise<BenchRow[]> {
  // 5,000 client sockets here plus 5,000 in the child: each process stays well under the 20k fd limit.
  const checkpoints = quick ? [500] : [1000, 5000];
  const bare = await measure("bare", checkpoints);
  const real = await measure("collector", checkpoints);
  return real.flatMap((r, i) => {
    const b = bare[i]!;
    const base = { bench: "memory", unit: "KB/conn", baselineName: "bare ws idle conn", better: "lower" as const };
    return [
      { ...base, metric: `idle agent RSS @${r.count}`, value: r.rssKb, baseline: b.rssKb, note: "RSS after gc(), minus RSS before any connection, per connection (server process only)" },
      { ...base, metric: `idle agent heap @${r.count}`, value: r.heapKb, baseline: b.heapKb },
    ];
  });
}
