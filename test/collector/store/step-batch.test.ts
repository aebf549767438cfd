// Steps stored as a batch (collector/store/step-batch.ts) answer and store exactly what the same steps
// stored one at a time do, on both engines: the same outcome for every step (stored, duplicate,
// unknown or foreign run, refused before acceptance, after the end, or past the byte cap), the same
// rows, and the same runs afterwards. Generated sequences, the same on every run.
import { describe, expect, test } from "vitest";
import { RunEvent } from "../../../shared/protocol.js";
import type { SqlStore } from "../../../collector/store/sql-store.js";
import type { AppendResult } from "../../../collector/store/types.js";
import { STORE_BACKENDS, type StoreBackend } from "../../helpers/store-backends.js";

const T0 = 1_700_000_000_000;
const step = (runId: string, seq: number) =>
  RunEvent.parse({ type: "step", runId, seq, at: T0, result: { check: "ping", status: "ok", startedAt: T0, durationMs: seq, findings: [], data: { targets: [] } } });
const BODY = Buffer.byteLength(JSON.stringify(step("run_live01", 10)));
/** About six steps fit in a run: the cap is reached inside the generated sequences. */
const LIMITS = { maxRunBytes: BODY * 6 + 10, runEndReserveBytes: 4096, maxOfflineRunsPerHour: 60 };
const RUNS = ["run_live01", "run_live02", "run_sent01", "run_done01", "run_other1", "run_nothere"] as const;

/** The same ticket, agents and runs in every store: two running runs, one not accepted, one finished, one of another agent. */
async function seed(store: SqlStore): Promise<void> {
  await store.createTicket("tk_batch01", { customer: { name: "C", contact: "c" }, service: "Fiber", symptom: "s", category: "network", severity: "general" }, "test", T0);
  for (const id of ["ag_batch_a", "ag_batch_b"]) await store.createAgent({ id, name: id, secretHash: `h-${id}`, createdAt: T0 });
  const run = (id: string, agentId: string) => store.createRun({ id, ticketId: "tk_batch01", agentId, checks: ["ping"], params: {}, requestedBy: "test", pickupBy: T0 + 3_600_000, createdAt: T0 });
  for (const id of ["run_live01", "run_live02", "run_sent01", "run_done01"]) await run(id, "ag_batch_a");
  await run("run_other1", "ag_batch_b");
  for (const id of ["run_live01", "run_live02", "run_done01"]) await store.appendRunEvent("ag_batch_a", RunEvent.parse({ type: "run.accepted", runId: id, seq: 0, at: T0 }), T0, LIMITS);
  await store.appendRunEvent("ag_batch_b", RunEvent.parse({ type: "run.accepted", runId: "run_other1", seq: 0, at: T0 }), T0, LIMITS);
  await store.appendRunEvent("ag_batch_a", step("run_done01", 1), T0, LIMITS);
  await store.appendRunEvent("ag_batch_a", RunEvent.parse({ type: "run.finished", runId: "run_done01", seq: 5, at: T0, outcome: "completed", steps: 1 }), T0, LIMITS);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Steps from agent A (now and then B), on every kind of run, seqs repeating. */
function generate(seed: number, n: number): { agentId: string; ev: RunEvent; at: number }[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    agentId: r() < 0.9 ? "ag_batch_a" : "ag_batch_b",
    ev: step(RUNS[Math.floor(r() * RUNS.length)]!, 1 + Math.floor(r() * 12)),
    at: T0 + 1000 + i,
  }));
}

async function snapshot(b: StoreBackend, where: string) {
  const events = await b.raw(where, "SELECT run_id, seq, type, body, received_at FROM run_events ORDER BY run_id, seq");
  const runs = await b.raw(where, "SELECT id, state, reason, bytes, updated_at FROM runs ORDER BY id");
  return { events, runs };
}

describe.each(STORE_BACKENDS)("steps stored as a batch on $title", (b) => {
  for (const seed of [1, 2, 3, 4]) {
    test.skipIf(b.skip)(`generated sequence #${seed}: the same answers, rows and runs as one at a time`, async () => {
      const items = generate(seed, 60);
      const oneWhere = await b.newLocation();
      const one = await b.open(oneWhere);
      await seed_(one);
      const sequential: AppendResult[] = [];
      for (const it of items) sequential.push(await one.appendRunEvent(it.agentId, it.ev, it.at, LIMITS));
      await one.close();

      const batchWhere = await b.newLocation();
      const batched = await b.open(batchWhere);
      await seed_(batched);
      const before = batched.stats;
      const together = await Promise.all(items.map((it) => batched.appendRunEvent(it.agentId, it.ev, it.at, LIMITS)));
      const after = batched.stats;
      await batched.close();

      expect(together).toEqual(sequential);
      // Every kind of answer came up, so the comparison covered each rule.
      const kinds = new Set(sequential.map((a) => (a.outcome === "refused" ? a.code : a.outcome)));
      expect([...kinds].sort()).toEqual(expect.arrayContaining(["NOT_ACCEPTED", "RUN_FINISHED", "duplicate", "stored", "unknown_run"]));
      // And they really went as batches: far fewer transactions than steps.
      expect(after.commits - before.commits).toBeLessThan(items.length / 4);
      expect(await snapshot(b, batchWhere)).toEqual(await snapshot(b, oneWhere));
    });
  }

  test.skipIf(b.skip)("the byte cap holds inside one batch", async () => {
    const where = await b.newLocation();
    const store = await b.open(where);
    await seed_(store);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendRunEvent("ag_batch_a", step("run_live01", i + 1), T0 + i, LIMITS)));
    await store.close();
    // Stored in order until the cap, then refused: never a later step stored after a refused one.
    const got = results.map((r) => (r.outcome === "refused" ? r.code : r.outcome));
    const stored = got.filter((g) => g === "stored").length;
    expect(stored).toBeGreaterThanOrEqual(4);
    expect(got).toEqual([...Array(stored).fill("stored"), ...Array(10 - stored).fill("RUN_TOO_BIG")]);
    expect(stored).toBeLessThan(10);
    const [run] = await b.raw<{ bytes: number }>(where, "SELECT bytes FROM runs WHERE id = 'run_live01'");
    expect(run!.bytes).toBeLessThanOrEqual(LIMITS.maxRunBytes);
  });
});

const seed_ = seed;
