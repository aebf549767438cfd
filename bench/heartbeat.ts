// Bench 4: what dead-link detection costs an idle fleet. The server runs alone in a child process
// (bench/heartbeat-child.ts); this process holds N idle connections (the real CollectorLink for the
// collector, plain ws clients for the baselines) while the child measures, over a window, its CPU time
// (process.cpuUsage), its main thread's wakeups (voluntary context switches, /proc) and, over a second
// window, its longest event-loop stall (perf_hooks.monitorEventLoopDelay). Baseline: a
// bare ws server with the ws README heartbeat at the same interval (one timer pinging every client at
// once); the note adds a bare ws server with no heartbeat at all (the floor). Figures per minute.
import { BenchClients, openRange, startChild } from "./child.js";
import type { HeartbeatChildMessage, HeartbeatMode, IdleSample } from "./heartbeat-child.js";
import type { BenchRow } from "./report.js";

/** 1 s instead of the default 5 s so a short window holds many rounds; costs scale with 1/interval. */
const BENCH_HEARTBEAT_MS = 1000;
const DEFAULT_HEARTBEAT_MS = 5000;

async function measure(mode: HeartbeatMode, n: number, windowMs: number): Promise<IdleSample> {
  const child = startChild<HeartbeatChildMessage>("heartbeat-child.js", [mode, String(BENCH_HEARTBEAT_MS), String(n)]);
  const clients = new BenchClients();
  try {
    const ready = await child.next();
    if (ready.type !== "ready") throw new Error("heartbeat child did not start");
    await openRange(0, n, (i) => clients.open(ready.url, mode === "collector" ? ready.agents[i]! : undefined));
    // Let the connects' own work (auth, lastSeen writes) settle: two rounds before the window.
    await new Promise((r) => setTimeout(r, 2 * BENCH_HEARTBEAT_MS));
    child.proc.send({ type: "measure", expect: n, windowMs });
    const m = await child.next();
    if (m.type !== "sample") throw new Error(`expected a sample from the heartbeat child, got ${m.type}`);
    if (m.sample.connections < n) throw new Error(`${mode}: server held ${m.sample.connections} of ${n} connections`);
    return m.sample;
  } finally {
    await clients.close();
    await child.stop();
  }
}

const perMin = (x: number, windowMs: number) => (x * 60_000) / windowMs;

export async function heartbeatBench(quick: boolean): Promise<BenchRow[]> {
  const n = quick ? 300 : 2000;
  const windowMs = quick ? 3000 : 6000;
  const silent = await measure("bare-silent", n, windowMs);
  const bare = await measure("bare", n, windowMs);
  const real = await measure("collector", n, windowMs);
  const cpuPerAgentMin = (s: IdleSample) => perMin(s.cpuUs, s.windowMs) / n;
  const pingsPerAgentMin = (s: IdleSample) => perMin(s.pings, s.windowMs) / n;
  const base = { bench: "heartbeat", baselineName: "bare ws + README heartbeat", better: "lower" as const };
  const scale = DEFAULT_HEARTBEAT_MS / BENCH_HEARTBEAT_MS;
  return [
    {
      ...base,
      metric: `idle CPU per agent @${n}, ${BENCH_HEARTBEAT_MS} ms`,
      unit: "µs/agent/min",
      value: cpuPerAgentMin(real),
      baseline: cpuPerAgentMin(bare),
      note: `pings/agent/min ${pingsPerAgentMin(real).toFixed(1)} (baseline ${pingsPerAgentMin(bare).toFixed(1)}); no heartbeat at all: ${cpuPerAgentMin(silent).toFixed(1)} µs/agent/min; at the default ${DEFAULT_HEARTBEAT_MS} ms divide by ${scale}`,
    },
    {
      ...base,
      metric: `server wakeups @${n}, ${BENCH_HEARTBEAT_MS} ms`,
      unit: "wakeups/min",
      value: perMin(real.wakeups, real.windowMs),
      baseline: perMin(bare.wakeups, bare.windowMs),
      note: `main thread, whole server, not per agent; no heartbeat at all: ${perMin(silent.wakeups, silent.windowMs).toFixed(0)}/min; the sweep ticks every 100 ms to spread the pings (the README pings all ${n} in one tick)`,
    },
    {
      ...base,
      metric: `longest event-loop stall @${n}`,
      unit: "ms",
      value: real.loopMaxMs,
      baseline: bare.loopMaxMs,
      note: `over a second window of the same length; no heartbeat at all: ${silent.loopMaxMs.toFixed(1)} ms. The README pattern pings every agent in one turn, so this grows with the fleet; the sweep pings 1/${Math.round(BENCH_HEARTBEAT_MS / 100)} of it per tick`,
    },
  ];
}
