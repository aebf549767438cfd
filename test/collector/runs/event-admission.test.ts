// The ingest rules (collector/runs/event-admission.ts): their order on one event, and a batch of steps
// planned at once answering exactly as the same steps admitted one at a time.
import { describe, expect, test } from "vitest";
import type { RunState } from "../../../shared/api.js";
import { RunEvent } from "../../../shared/protocol.js";
import { admitEvent, planStepBatch, type BatchStep, type StoredRun } from "../../../collector/runs/event-admission.js";

const T0 = 1_700_000_000_000;
const LIMITS = { maxRunBytes: 1000, runEndReserveBytes: 100 };
const step = (runId: string, seq: number) =>
  RunEvent.parse({ type: "step", runId, seq, at: T0, result: { check: "ping", status: "ok", startedAt: T0, durationMs: 1, findings: [], data: { targets: [] } } }) as BatchStep["event"];
const verdict = (runId: string, seq: number) =>
  RunEvent.parse({ type: "verdict", runId, seq, at: T0, verdict: { segment: "none", cause: "NO_FAULT_FOUND", summary: "ok", evidence: [], consequences: [], unverified: [], next_steps: { customer: [], engineer: [] } } });
const run = (state: RunState, more: Partial<StoredRun> = {}): StoredRun => ({ agentId: "ag_a", state, pickupBy: T0 + 60_000, hasSteps: false, hasVerdict: false, bytes: 0, ...more });

describe("admitEvent: the rules in order", () => {
  test.each([
    ["no such run", undefined, "ag_a", false, 10, "unknown_run"],
    ["another agent's run looks missing", run("running"), "ag_b", false, 10, "unknown_run"],
    ["a replay is a duplicate, even past the cap", run("running", { bytes: 1000 }), "ag_a", true, 10, "duplicate"],
    ["a step past the cap", run("running", { bytes: 995 }), "ag_a", false, 10, "refused:RUN_TOO_BIG"],
    ["a step before acceptance", run("sent"), "ag_a", false, 10, "refused:NOT_ACCEPTED"],
    ["a step while running", run("running"), "ag_a", false, 10, "store:running"],
    ["a step brings a delivering run back", run("delivering"), "ag_a", false, 10, "store:running"],
  ] as const)("%s", (_t, r, agent, dup, bytes, want) => {
    const a = admitEvent(r, agent, step("run_one", 5), bytes, dup, LIMITS);
    const got = a.outcome === "refused" ? `refused:${a.code}` : a.outcome === "store" ? `store:${a.run.state}` : a.outcome;
    expect(got).toBe(want);
  });

  test("the verdict may use the reserve beyond the cap; a step may not", () => {
    const full = run("running", { bytes: 995, hasSteps: true });
    expect(admitEvent(full, "ag_a", verdict("run_one", 9), 50, false, LIMITS).outcome).toBe("store");
    expect(admitEvent(full, "ag_a", step("run_one", 9), 50, false, LIMITS).outcome).toBe("refused");
  });

  test("storing counts the bytes and the step", () => {
    const a = admitEvent(run("running", { bytes: 100 }), "ag_a", step("run_one", 1), 40, false, LIMITS);
    expect(a.outcome === "store" && { bytes: a.run.bytes, hasSteps: a.run.hasSteps }).toEqual({ bytes: 140, hasSteps: true });
  });
});

/** A small deterministic generator (the same cases on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe("planStepBatch answers as one-at-a-time admission does", () => {
  const STATES: RunState[] = ["sent", "received", "running", "delivering", "completed", "cancelled"];
  for (let seed = 1; seed <= 200; seed++) {
    test(`generated batch #${seed}`, () => {
      const r = rng(seed);
      const runs = new Map<string, StoredRun>();
      const nRuns = 1 + Math.floor(r() * 4);
      for (let i = 0; i < nRuns; i++) {
        const state = STATES[Math.floor(r() * STATES.length)]!;
        runs.set(`run_00${i}`, run(state, { agentId: r() < 0.8 ? "ag_a" : "ag_b", bytes: Math.floor(r() * 900), ...(state === "completed" ? { endSeq: 20 } : {}) }));
      }
      const stored = new Set<string>();
      for (let i = 0; i < 5; i++) stored.add(`run_00${Math.floor(r() * (nRuns + 1))}/${Math.floor(r() * 30)}`);
      const items: BatchStep[] = Array.from({ length: 1 + Math.floor(r() * 40) }, () => ({
        agentId: r() < 0.9 ? "ag_a" : "ag_b",
        event: step(`run_00${Math.floor(r() * (nRuns + 1))}`, Math.floor(r() * 30)),
        bytes: 1 + Math.floor(r() * 120),
        limits: LIMITS,
      }));
      const plan = planStepBatch(items, runs, stored);

      // One at a time: each item admitted against the runs and keys as the items before it left them.
      const cur = new Map(runs);
      const keys = new Set(stored);
      const added = new Map<string, number>();
      const one = items.map((it) => {
        const key = `${it.event.runId}/${it.event.seq}`;
        const a = admitEvent(cur.get(it.event.runId), it.agentId, it.event, it.bytes, keys.has(key), LIMITS);
        if (a.outcome === "store") {
          cur.set(it.event.runId, a.run);
          keys.add(key);
          added.set(it.event.runId, (added.get(it.event.runId) ?? 0) + it.bytes);
        }
        return a;
      });
      expect(plan.admissions).toEqual(one);
      expect(plan.insert).toEqual(one.flatMap((a, i) => (a.outcome === "store" ? [i] : [])));
      for (const w of plan.runs) {
        expect(w.state).toBe(cur.get(w.runId)!.state);
        expect(w.from).toBe(runs.get(w.runId)!.state);
        expect(w.addBytes).toBe(added.get(w.runId));
        expect(cur.get(w.runId)!.bytes).toBe(runs.get(w.runId)!.bytes + w.addBytes);
      }
      expect(plan.runs.map((w) => w.runId).sort()).toEqual([...added.keys()].sort());
      // No key is inserted twice, and none that was stored before.
      const ins = plan.insert.map((i) => `${items[i]!.event.runId}/${items[i]!.event.seq}`);
      expect(new Set(ins).size).toBe(ins.length);
      for (const k of ins) expect(stored.has(k)).toBe(false);
    });
  }
});
