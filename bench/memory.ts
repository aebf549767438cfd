// Bench 3: memory per idle, authenticated agent connection. The collector runs alone in a child
// process (bench/memory-child.ts) so its RSS is measurable; this process opens the connections (the
// real CollectorLink: Bearer auth before the upgrade, hello) and asks the child to sample after gc()
// at each checkpoint. Baseline: a bare ws server in the same kind of child with as many idle plain
// ws connections. Figures are (sample - sample before any connection) / connections, in KB.
import { BenchClients, openRange, startChild } from "./child.js";
import type { ChildMessage, MemorySample } from "./memory-child.js";
import type { BenchRow } from "./report.js";

async function expectSample(next: () => Promise<ChildMessage>): Promise<MemorySample> {
  const m = await next();
  if (m.type !== "sample") throw new Error(`expected a sample from the memory child, got ${m.type}`);
  return m.sample;
}

interface PerConn {
  count: number;
  rssKb: number;
  heapKb: number;
}

async function measure(mode: "collector" | "bare", checkpoints: number[]): Promise<PerConn[]> {
  const max = Math.max(...checkpoints);
  const child = startChild<ChildMessage>("memory-child.js", [mode, String(max)]);
  const clients = new BenchClients();
  try {
    const ready = await child.next();
    if (ready.type !== "ready") throw new Error("memory child did not start");
    const open = (i: number): Promise<void> => clients.open(ready.url, mode === "bare" ? undefined : ready.agents[i]!);
    const out: PerConn[] = [];
    let opened = 0;
    for (const cp of [...checkpoints].sort((a, b) => a - b)) {
      await openRange(opened, cp, open);
      opened = cp;
      child.proc.send({ type: "measure", expect: cp });
      const s = await expectSample(() => child.next());
      if (s.connections < cp) throw new Error(`${mode}: server counted ${s.connections} of ${cp} connections`);
      out.push({ count: cp, rssKb: (s.rss - ready.before.rss) / cp / 1024, heapKb: (s.heapUsed - ready.before.heapUsed) / cp / 1024 });
    }
    return out;
  } finally {
    // Stop reconnecting before the server goes away, then let the child close and exit.
    await clients.close();
    await child.stop();
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
