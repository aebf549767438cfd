// The retention schedule: the pure decision (what is due, when the next sweep runs) and the timer on
// a real SQLite store with fake timers and an injected clock: the first sweep soon after start, then
// every interval; each sweep that removed something is audited by "system" with its counts; nothing is
// scheduled when no retention is set; stop() ends it; a failing store is logged, not thrown. Also the
// collector starts it: an old finished run on a running collector loses its steps at the first sweep.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import type { CreateTicketBody } from "../../../shared/api.js";
import { memoryLogger } from "../../../shared/log.js";
import { RunEvent } from "../../../shared/protocol.js";
import { RetentionConfig } from "../../../collector/maintenance/config.js";
import { DAY_MS, FIRST_SWEEP_DELAY_MS, pruneBefore, sweepDelayMs } from "../../../collector/maintenance/retention.js";
import { startRetention, type SweepOutcome } from "../../../collector/maintenance/retention-timer.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";
import type { Store } from "../../../collector/store/types.js";
import { startTestCollector } from "../../helpers/collector.js";
import { judge, REPAIRED } from "../tickets/desk-fixtures.js";

const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);
const HOUR = 3_600_000;
const ticketBody: CreateTicketBody = { customer: { name: "Li Wei", contact: "+86 10 5555 0100" }, service: "FTTH", symptom: "down", category: "network", severity: "general" };

/** A finished run received at `at` with `steps` step results. */
async function finishedRun(store: Store, runId: string, at: number, steps: number): Promise<void> {
  if (!(await store.getTicket("tk_sched000001"))) {
    await store.createTicket("tk_sched000001", ticketBody, "alice", at);
    await store.createAgent({ id: "ag_sched000001", name: "pc", secretHash: "h", createdAt: at, ticketId: "tk_sched000001" });
  }
  await store.createRun({ id: runId, ticketId: "tk_sched000001", agentId: "ag_sched000001", checks: ["ping"], params: {}, requestedBy: "alice", pickupBy: at + 60_000, createdAt: at });
  const events: unknown[] = [{ type: "run.accepted", runId, seq: 0, at }];
  for (let seq = 1; seq <= steps; seq++) events.push({ type: "step", runId, seq, at, result: { check: "ping", status: "skipped", startedAt: at, durationMs: 1, findings: [], data: {}, skipReason: "x" } });
  events.push({ type: "verdict", runId, seq: steps + 1, at, verdict: judge(REPAIRED()) }, { type: "run.finished", runId, seq: steps + 2, at, outcome: "completed", steps });
  for (const e of events) await store.appendRunEvent("ag_sched000001", RunEvent.parse(e), at);
}

/** Yields to I/O (SQLite's callbacks) until `done` holds: waiting on the store, not on the clock. */
async function until(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((r) => setImmediate(r));
}

/** Sweep outcomes as they happen; `next()` resolves with the next one not yet taken. */
function sweeps() {
  const seen: SweepOutcome[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  return {
    onSweep: (o: SweepOutcome) => {
      seen.push(o);
      wake?.();
    },
    async next(): Promise<SweepOutcome> {
      while (seen.length <= taken) await new Promise<void>((r) => (wake = r));
      return seen[taken++]!;
    },
    count: () => seen.length,
  };
}

const pruneAudits = async (store: Store) => (await store.listAudit({ action: "retention.prune" })).reverse();

describe("the decision", () => {
  test("nothing is due without a retention; with one, what ended N days ago", () => {
    expect(pruneBefore(RetentionConfig.parse({}), T0)).toBeUndefined();
    expect(pruneBefore(RetentionConfig.parse({ stepResultsDays: 30 }), T0)).toBe(T0 - 30 * DAY_MS);
  });

  test("the first sweep soon after start (never later than one interval), then every interval", () => {
    const hourly = RetentionConfig.parse({ stepResultsDays: 7 });
    expect(sweepDelayMs(hourly, true)).toBe(FIRST_SWEEP_DELAY_MS);
    expect(sweepDelayMs(hourly, false)).toBe(HOUR);
    expect(FIRST_SWEEP_DELAY_MS).toBeLessThan(hourly.sweepIntervalMs);
    const minutely = RetentionConfig.parse({ stepResultsDays: 7, sweepIntervalMs: 60_000 });
    expect(sweepDelayMs(minutely, true)).toBeLessThanOrEqual(60_000);
  });

  test("the config refuses what makes no sense", () => {
    for (const bad of [{ stepResultsDays: 0 }, { stepResultsDays: 1.5 }, { sweepIntervalMs: 1000 }, { stepsDays: 3 }]) {
      expect(RetentionConfig.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("the timer on a real store", () => {
  let dir: string;
  let store: Awaited<ReturnType<typeof openSqliteStore>>;
  let clock = T0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "netdiag-retention-"));
    store = await openSqliteStore(join(dir, "netdiag.sqlite"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("sweeps after the first delay, then every interval; audits each sweep that removed something", async () => {
    await finishedRun(store, "run_sched00001", T0 - 10 * DAY_MS, 3);
    await finishedRun(store, "run_sched00002", T0 - 5 * DAY_MS, 2);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const log = memoryLogger();
    const s = sweeps();
    const r = startRetention({ store, log, now: () => clock, config: RetentionConfig.parse({ stepResultsDays: 7 }), batchSize: 2, onSweep: s.onSweep });
    try {
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(FIRST_SWEEP_DELAY_MS - 1);
      expect(s.count()).toBe(0);
      expect((await store.getRun("run_sched00001"))?.steps).toHaveLength(3);

      await vi.advanceTimersByTimeAsync(1);
      expect(await s.next()).toEqual({ kind: "pruned", before: T0 - 7 * DAY_MS, report: { steps: 3, runs: 1, batches: 2, complete: true } });
      expect((await store.getRun("run_sched00001"))?.stepsPruned).toEqual({ at: T0, steps: 3 });
      expect((await store.getRun("run_sched00002"))?.steps).toHaveLength(2);
      expect(await pruneAudits(store)).toMatchObject([{ actor: "system", outcome: "ok", at: T0, detail: { stepResultsDays: 7, before: T0 - 7 * DAY_MS, steps: 3, runs: 1, batches: 2, complete: true } }]);
      expect(log.lines).toContainEqual(expect.objectContaining({ level: "info", msg: "retention: step results pruned" }));
      expect(vi.getTimerCount()).toBe(1);

      // Three days later the second run is due; the next sweep comes one interval after the first.
      clock = T0 + 3 * DAY_MS;
      await until(async () => vi.getTimerCount() === 1);
      await vi.advanceTimersByTimeAsync(HOUR - 1);
      expect(s.count()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(await s.next()).toMatchObject({ kind: "pruned", report: { steps: 2, runs: 1 } });
      expect(await pruneAudits(store)).toHaveLength(2);

      // A sweep with nothing to do is not audited.
      await until(async () => vi.getTimerCount() === 1);
      await vi.advanceTimersByTimeAsync(HOUR);
      expect(await s.next()).toMatchObject({ kind: "pruned", report: { steps: 0 } });
      expect(await pruneAudits(store)).toHaveLength(2);
      // A sweep asked for by hand runs the same way.
      expect(await r.sweep()).toMatchObject({ kind: "pruned", report: { steps: 0 } });
    } finally {
      await r.stop();
    }
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * HOUR);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("no retention set: nothing is scheduled and a sweep does nothing", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const r = startRetention({ store, log: memoryLogger(), now: () => clock, config: RetentionConfig.parse({}) });
    expect(vi.getTimerCount()).toBe(0);
    expect(await r.sweep()).toEqual({ kind: "off" });
    await r.stop();
  });

  test("a store that fails is logged and reported, never thrown; the schedule goes on", async () => {
    const broken = await openSqliteStore(join(dir, "broken.sqlite"));
    await broken.close();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const log = memoryLogger();
    const s = sweeps();
    const r = startRetention({ store: broken, log, now: () => clock, config: RetentionConfig.parse({ stepResultsDays: 1 }), onSweep: s.onSweep });
    await vi.advanceTimersByTimeAsync(FIRST_SWEEP_DELAY_MS);
    expect(await s.next()).toEqual({ kind: "failed", error: "store is closed" });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: "error", msg: "retention: prune failed" }));
    await until(async () => vi.getTimerCount() === 1);
    await r.stop();
  });
});

describe("in the collector", () => {
  test("a running collector with a retention prunes an old finished run at its first sweep, and stops the timer on close", async () => {
    let clock = T0;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const col = await startTestCollector({ retention: { stepResultsDays: 2, sweepIntervalMs: HOUR } }, { now: () => clock });
      try {
        const store = col.running.store;
        await finishedRun(store, "run_collector1", T0 - 3 * DAY_MS, 4);
        await finishedRun(store, "run_collector2", T0 - DAY_MS, 1);
        await vi.advanceTimersByTimeAsync(FIRST_SWEEP_DELAY_MS);
        await until(async () => (await pruneAudits(store)).length > 0);
        expect((await store.getRun("run_collector1"))?.stepsPruned).toEqual({ at: T0, steps: 4 });
        expect((await store.getRun("run_collector2"))?.steps).toHaveLength(1);
      } finally {
        await col.close();
      }
    } finally {
      vi.useRealTimers();
    }
  });
});
