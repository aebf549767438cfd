// The store's maintenance part: the retention prune on both engines (old step results of
// finished runs go in small transactions; verdicts, runs, the ticket and its history stay; live runs
// are never touched; a second prune does nothing; a replayed pruned step stays a duplicate) and the
// online backup of a SQLite file (a 0600 copy that passes the integrity check, never written over the store itself).
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { CreateTicketBody } from "../../../shared/api.js";
import { RunEvent } from "../../../shared/protocol.js";
import { PRUNED_STEP_TYPE } from "../../../collector/store/maintenance-prune.js";
import { MIGRATIONS } from "../../../collector/store/migrations.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";
import { pgServerUrl, STORE_BACKENDS } from "../../helpers/store-backends.js";
import { createTestDatabase } from "../../helpers/postgres.js";
import { judge, REPAIRED } from "../tickets/desk-fixtures.js";

type OpenStore = Awaited<ReturnType<typeof openSqliteStore>>;

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 10, 9, 0, 0);
const VERDICT = judge(REPAIRED());
const ticketBody: CreateTicketBody = {
  customer: { name: "Li Wei", contact: "+86 10 5555 0100" },
  service: "FTTH 300M",
  symptom: "no internet since this morning",
  category: "network",
  severity: "important",
};

const step = (runId: string, seq: number, at: number) =>
  RunEvent.parse({ type: "step", runId, seq, at, result: { check: "ping", status: "skipped", startedAt: at, durationMs: 1, findings: [], data: {}, skipReason: `step ${runId}:${seq}` } });

/**
 * A run received at `at`: accepted (seq 0), steps 1..n, then (unless `live`) the verdict and the end.
 * `skip` leaves one step seq out (it arrives late, after the prune).
 */
async function seedRun(store: OpenStore, runId: string, at: number, o: { steps: number; live?: boolean; skip?: number }): Promise<void> {
  await store.createRun({ id: runId, ticketId: "tk_retention01", agentId: "ag_site00001", checks: ["ping"], params: {}, requestedBy: "alice", pickupBy: at + 60_000, createdAt: at });
  await store.appendRunEvent("ag_site00001", RunEvent.parse({ type: "run.accepted", runId, seq: 0, at }), at);
  for (let seq = 1; seq <= o.steps; seq++) if (seq !== o.skip) await store.appendRunEvent("ag_site00001", step(runId, seq, at), at);
  if (o.live) return;
  await store.appendRunEvent("ag_site00001", RunEvent.parse({ type: "verdict", runId, seq: o.steps + 1, at, verdict: VERDICT }), at);
  await store.appendRunEvent("ag_site00001", RunEvent.parse({ type: "run.finished", runId, seq: o.steps + 2, at, outcome: "completed", steps: o.steps }), at);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-maint-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(STORE_BACKENDS)("retention prune on $title", (backend) => {
  let store: OpenStore;
  let path: string;
  const raw = <T = Record<string, unknown>>(where: string, sql: string, params: unknown[] = []) => backend.raw<T>(where, sql, params);
  beforeAll(async () => {
    if (backend.skip) return;
    path = backend.name === "sqlite" ? join(dir, "prune", "netdiag.sqlite") : await createTestDatabase(pgServerUrl());
    store = await backend.open(path);
    await store.createTicket("tk_retention01", ticketBody, "alice", T0);
    await store.createAgent({ id: "ag_site00001", name: "pc", secretHash: "h", createdAt: T0, ticketId: "tk_retention01" });
    await store.transitionTicket("tk_retention01", { kind: "set_status", to: "waiting_customer", note: "modem restarted" }, "alice", T0 + 1000);
    await seedRun(store, "run_old0000001", T0, { steps: 7, skip: 4 }); // finished 40 days before the prune
    await seedRun(store, "run_old0000002", T0 + DAY, { steps: 3 });
    await seedRun(store, "run_stuck00001", T0, { steps: 5, live: true }); // still running, just as old
    await seedRun(store, "run_recent0001", T0 + 50 * DAY, { steps: 4 }); // within the retention
  });
  afterAll(async () => store?.close());
  beforeEach((ctx) => {
    if (backend.skip) ctx.skip();
  });

  test("removes the old finished runs' steps in batches; verdicts, runs, ticket and history stay; live and recent runs untouched", async () => {
    const before = T0 + 30 * DAY;
    const now = T0 + 40 * DAY;
    const ticket = await store.getTicket("tk_retention01");
    const history = await store.listTicketHistory("tk_retention01");
    const commits = store.stats.commits;

    const report = await store.maintenance.pruneStepResults({ before, now, batchSize: 4 });
    // 6 + 3 steps, 4 a transaction: three transactions, the last one short (so nothing is left).
    expect(report).toEqual({ steps: 9, runs: 2, batches: 3, complete: true });
    expect(store.stats.commits - commits).toBe(3);

    const old = await store.getRun("run_old0000001");
    expect(old).toMatchObject({ state: "completed", verdict: VERDICT, steps: [], stepsPruned: { at: now, steps: 6 } });
    expect((await store.getRun("run_old0000002"))?.stepsPruned).toEqual({ at: now, steps: 3 });
    const stuck = await store.getRun("run_stuck00001");
    expect(stuck?.state).toBe("running");
    expect(stuck?.steps.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(stuck?.stepsPruned).toBeUndefined();
    const recent = await store.getRun("run_recent0001");
    expect(recent?.steps).toHaveLength(4);
    expect(recent?.stepsPruned).toBeUndefined();
    expect(await store.getTicket("tk_retention01")).toEqual(ticket);
    expect(await store.listTicketHistory("tk_retention01")).toEqual(history);
    expect((await store.listRunsForTicket("tk_retention01")).map((r) => r.id)).toHaveLength(4);
    // Only step rows changed: every other event of the pruned runs is still stored as it was.
    const kinds = await raw<{ type: string; n: number }>(path, "SELECT type, count(*) AS n FROM run_events WHERE run_id = 'run_old0000001' GROUP BY type ORDER BY type");
    expect(kinds).toEqual([
      { type: "run.accepted", n: 1 },
      { type: "run.finished", n: 1 },
      { type: PRUNED_STEP_TYPE, n: 6 },
      { type: "verdict", n: 1 },
    ]);
    expect(await raw(path, `SELECT 1 FROM run_events WHERE type = '${PRUNED_STEP_TYPE}' AND body <> ''`)).toEqual([]);
    expect(await store.integrityCheck()).toBe("ok");

    // Idempotent: nothing left to do.
    expect(await store.maintenance.pruneStepResults({ before, now: now + 1, batchSize: 4 })).toEqual({ steps: 0, runs: 0, batches: 0, complete: true });
    expect((await store.getRun("run_old0000001"))?.stepsPruned).toEqual({ at: now, steps: 6 });
  });

  test("a replayed pruned step stays a duplicate; a step that arrives late is kept, said so, and pruned in its turn", async () => {
    expect((await store.appendRunEvent("ag_site00001", step("run_old0000001", 2, T0), T0 + 41 * DAY)).outcome).toBe("duplicate");
    // seq 4 never arrived before the run ended: it is part of the run, so it is stored beside the marker.
    const late = T0 + 41 * DAY;
    expect((await store.appendRunEvent("ag_site00001", step("run_old0000001", 4, T0), late)).outcome).toBe("stored");
    const run = await store.getRun("run_old0000001");
    expect(run?.steps.map((s) => s.seq)).toEqual([4]);
    expect(run?.stepsPruned?.steps).toBe(6);

    // Its run changed at `late`, so it is kept until the retention has passed again.
    expect((await store.maintenance.pruneStepResults({ before: late, now: late + DAY })).steps).toBe(0);
    const again = await store.maintenance.pruneStepResults({ before: late + 1, now: late + 2 * DAY });
    expect(again).toEqual({ steps: 1, runs: 0, batches: 1, complete: true });
    expect(await store.getRun("run_old0000001")).toMatchObject({ steps: [], stepsPruned: { at: late + 2 * DAY, steps: 7 } });
  });

  test("never touches a run that can still change, however old; an aborted prune stops before its next batch", async () => {
    const far = T0 + 3650 * DAY;
    const aborted = AbortSignal.abort();
    expect(await store.maintenance.pruneStepResults({ before: far, now: far, signal: aborted })).toEqual({ steps: 0, runs: 0, batches: 0, complete: false });
    expect((await store.getRun("run_recent0001"))?.steps).toHaveLength(4);

    const r = await store.maintenance.pruneStepResults({ before: far, now: far });
    expect(r).toMatchObject({ steps: 4, runs: 1, complete: true });
    expect((await store.getRun("run_stuck00001"))?.steps).toHaveLength(5);
    expect(await raw(path, "SELECT type FROM run_events WHERE run_id = 'run_stuck00001' AND type <> 'step' ORDER BY seq")).toEqual([{ type: "run.accepted" }]);
  });

  test("the prune's scan reads the steps-by-age index, not the whole event table (SQLite's plan)", async (ctx) => {
    if (backend.name !== "sqlite") return ctx.skip();
    const plan = await raw<{ detail: string }>(
      path,
      "EXPLAIN QUERY PLAN SELECT e.run_id, e.seq FROM run_events e JOIN runs r ON r.id = e.run_id WHERE e.type = 'step' AND e.received_at < ? AND r.updated_at < ? AND r.state IN ('completed') LIMIT 500",
      [T0, T0],
    );
    expect(plan.map((p) => p.detail).join("\n")).toMatch(/run_events_steps_by_age/);
  });
});

describe("online backup", () => {
  test("a compact 0600 copy that passes the integrity check, at the current schema version, with every table counted", async () => {
    const path = join(dir, "backup", "netdiag.sqlite");
    const store = await openSqliteStore(path);
    try {
      await store.createTicket("tk_retention01", ticketBody, "alice", T0);
      await store.createAgent({ id: "ag_site00001", name: "pc", secretHash: "h", createdAt: T0, ticketId: "tk_retention01" });
      await seedRun(store, "run_backup0001", T0, { steps: 5 });
      const dest = join(dir, "backup", "copy.sqlite");
      const report = await store.maintenance.backupTo(dest);
      expect(report).toMatchObject({ ok: true, path: dest, integrity: "ok", schemaVersion: Math.max(...MIGRATIONS.map((m) => m.version)) });
      if (!report.ok) throw new Error("backup failed");
      const counts = Object.fromEntries(report.tables.map((t) => [t.name, t.rows]));
      expect(counts).toMatchObject({ tickets: 1, agents: 1, runs: 1, run_events: 8, schema_migrations: MIGRATIONS.length });
      expect(report.bytes).toBe((await stat(dest)).size);
      expect((await stat(dest)).mode & 0o777).toBe(0o600);
      // No temporary file is left beside it.
      expect((await readdir(join(dir, "backup"))).filter((f) => f.includes("partial"))).toEqual([]);

      // The copy is a store of its own.
      const copy = await openSqliteStore(dest);
      try {
        expect((await copy.getRun("run_backup0001"))?.steps).toHaveLength(5);
        expect(await copy.integrityCheck()).toBe("ok");
      } finally {
        await copy.close();
      }

      // Written again to the same name: replaced as a whole.
      await seedRun(store, "run_backup0002", T0, { steps: 1 });
      const second = await store.maintenance.backupTo(dest);
      expect(second.ok && second.tables.find((t) => t.name === "runs")?.rows).toBe(2);
    } finally {
      await store.close();
    }
  });

  test("refuses to write over the store's own file or its WAL, and leaves nothing behind", async () => {
    const path = join(dir, "self", "netdiag.sqlite");
    const store = await openSqliteStore(path);
    try {
      await expect(store.maintenance.backupTo(path)).rejects.toThrow(/over the store's own file/);
      await expect(store.maintenance.backupTo(`${path}-wal`)).rejects.toThrow(/over the store's own file/);
      await expect(store.maintenance.backupTo(join(dir, "self", "..", "self", "netdiag.sqlite"))).rejects.toThrow(/over the store's own file/);
      expect(await store.integrityCheck()).toBe("ok");
      expect((await readdir(join(dir, "self"))).sort()).toEqual(["netdiag.sqlite", "netdiag.sqlite-shm", "netdiag.sqlite-wal"]);
      await expect(store.maintenance.backupTo(join(dir, "no-such-dir", "copy.sqlite"))).rejects.toThrow(/ENOENT/);
    } finally {
      await store.close();
    }
  });
});
