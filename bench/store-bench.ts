// Measures the SQLite store's appendRunEvent throughput: one awaited call at a time (one COMMIT, so one
// fsync with synchronous=FULL, per event) against 100 concurrent callers (group commit shares COMMITs).
// Run: npx tsc -p tsconfig.build.json && node dist/bench/store-bench.js [events]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { RunEvent } from "../shared/protocol.js";
import { openSqliteStore } from "../collector/store/sql-store.js";
import type { Store } from "../collector/store/types.js";

export interface AppendBench {
  events: number;
  sequentialPerS: number;
  concurrentPerS: number;
  /** concurrentPerS / sequentialPerS. */
  ratio: number;
}

const CONCURRENT_CALLERS = 100;

function stepEvent(runId: string, seq: number): RunEvent {
  return {
    type: "step",
    runId,
    seq,
    at: Date.now(),
    result: { check: "ping", status: "ok", startedAt: Date.now(), durationMs: 12, findings: [], data: { targets: [] } },
  };
}

/** Creates its own ticket, agent and two runs in `store`, then appends n step events to each run. */
export async function benchAppend(store: Store, n: number): Promise<AppendBench> {
  const tag = Math.random().toString(36).slice(2, 10);
  const now = Date.now();
  const ticketId = `bench-ticket-${tag}`;
  const agentId = `bench-agent-${tag}`;
  await store.createTicket(
    ticketId,
    { customer: { name: "bench", contact: "bench" }, service: "bench", symptom: "bench", category: "other", severity: "general" },
    "system",
    now,
  );
  await store.createAgent({ id: agentId, name: "bench", secretHash: `bench-${tag}`, createdAt: now });
  const runIds = [`bench-seq-${tag}`, `bench-conc-${tag}`] as const;
  for (const id of runIds) {
    await store.createRun({ id, ticketId, agentId, checks: ["ping"], params: {}, requestedBy: "system", pickupBy: now + 3_600_000, createdAt: now });
    // Steps are stored only for a run the agent accepted (run state machine); the steps are seq 1..n.
    await store.appendRunEvent(agentId, { type: "run.accepted", runId: id, seq: 0, at: now }, now);
  }

  let t = performance.now();
  for (let seq = 1; seq <= n; seq++) await store.appendRunEvent(agentId, stepEvent(runIds[0], seq), Date.now());
  const sequentialS = (performance.now() - t) / 1000;

  // 100 callers, each awaiting its own next event: the shape of 100 agents streaming at once.
  let next = 1;
  const caller = async (): Promise<void> => {
    for (let seq = next++; seq <= n; seq = next++) await store.appendRunEvent(agentId, stepEvent(runIds[1], seq), Date.now());
  };
  t = performance.now();
  await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, caller));
  const concurrentS = (performance.now() - t) / 1000;

  const sequentialPerS = n / sequentialS;
  const concurrentPerS = n / concurrentS;
  return { events: n, sequentialPerS, concurrentPerS, ratio: concurrentPerS / sequentialPerS };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  for (const synchronous of ["FULL", "NORMAL"] as const) {
    const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-"));
    const store = await openSqliteStore(join(dir, "bench.db"), { synchronous });
    try {
      const r = await benchAppend(store, n);
      console.log(
        `synchronous=${synchronous} events=${r.events}: sequential ${r.sequentialPerS.toFixed(0)}/s, ` +
          `${CONCURRENT_CALLERS} concurrent ${r.concurrentPerS.toFixed(0)}/s, ratio ${r.ratio.toFixed(1)}x`,
      );
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
