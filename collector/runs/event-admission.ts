// Whether an agent's event on an existing run is stored, and what it does to the run: the ingest rules
// in the order they apply, as one pure function both store backends call (collector/store/
// sql-run-events.ts), one event at a time or folded over a batch of steps (planStepBatch).
//  1. ownership: another agent's run looks exactly like a missing one (no probing of run ids);
//  2. a replay of a stored (runId, seq) is a duplicate, answered before anything else (the agent
//     still gets its ack);
//  3. the run's byte cap: steps stop at maxRunBytes, the other events may use a small reserve beyond
//     it, so a run that filled up still gets its verdict and its end;
//  4. the run state machine (collector/runs/run-state.ts).
import type { RunState } from "../../shared/api.js";
import type { EventRefusalCode, RunEvent } from "../../shared/protocol.js";
import type { IngestLimits } from "../limits.js";
import { decide, type RunDecision, type RunEffect, type RunRefusalCode } from "./run-state.js";

/** What the rules need to know about a stored run. */
export interface StoredRun {
  agentId: string;
  state: RunState;
  pickupBy: number;
  reason?: string;
  /** At least one step is stored (a verdict rests on steps). */
  hasSteps: boolean;
  hasVerdict: boolean;
  /** Bytes of events stored for the run (what the cap counts). */
  bytes: number;
  /** Seq of the agent's closing event (run.finished or run.refused), once stored. */
  endSeq?: number;
}

export type AdmitLimits = Pick<IngestLimits, "maxRunBytes" | "runEndReserveBytes">;

export type Admission =
  | { outcome: "unknown_run" }
  | { outcome: "duplicate" }
  | { outcome: "refused"; code: RunRefusalCode | EventRefusalCode; reason: string; effects: RunEffect[] }
  /** Store it; `run` is the run after it, `decision` what the state machine said. */
  | { outcome: "store"; decision: Extract<RunDecision, { ok: true }>; run: StoredRun };

/**
 * One event on the run it names (`run` undefined: no such run). `duplicate`: (runId, seq) is stored
 * already. `bytes`: the stored body's size. A run.offline for a new run is not decided here (the
 * store checks the ticket it names first).
 */
export function admitEvent(run: StoredRun | undefined, agentId: string, ev: RunEvent, bytes: number, duplicate: boolean, limits: AdmitLimits): Admission {
  if (!run || run.agentId !== agentId) return { outcome: "unknown_run" };
  if (duplicate) return { outcome: "duplicate" };
  const cap = limits.maxRunBytes + (ev.type === "step" ? 0 : limits.runEndReserveBytes);
  if (run.bytes + bytes > cap) {
    return { outcome: "refused", code: "RUN_TOO_BIG", reason: `run ${ev.runId} already holds ${run.bytes} bytes; a run may hold ${limits.maxRunBytes} bytes of steps`, effects: [] };
  }
  const d = decide(
    { state: run.state, pickupBy: run.pickupBy, hasSteps: run.hasSteps, hasVerdict: run.hasVerdict, ...(run.endSeq !== undefined ? { endSeq: run.endSeq } : {}) },
    { kind: "event", event: ev },
    run.reason,
  );
  if (!d.ok) return { outcome: "refused", code: d.code, reason: d.reason, effects: d.effects };
  const after: StoredRun = {
    ...run,
    state: d.state,
    bytes: run.bytes + bytes,
    hasSteps: run.hasSteps || ev.type === "step",
    hasVerdict: run.hasVerdict || ev.type === "verdict",
  };
  // The stored reason is the decision's (undefined clears it), as the store writes it.
  if (d.reason === undefined) delete after.reason;
  else after.reason = d.reason;
  if ((ev.type === "run.finished" || ev.type === "run.refused") && after.endSeq === undefined) after.endSeq = ev.seq;
  return { outcome: "store", decision: d, run: after };
}

/** One step of a batch: which agent sent it, the size of its stored body, and the limits it is held to. */
export interface BatchStep {
  agentId: string;
  event: Extract<RunEvent, { type: "step" }>;
  bytes: number;
  limits: AdmitLimits;
}

/** What a batch writes to one run: its state after the batch and the bytes it adds. */
export interface RunWrite {
  runId: string;
  from: RunState;
  state: RunState;
  reason?: string;
  addBytes: number;
}

export interface StepBatchPlan {
  /** One per item, in order. */
  admissions: Admission[];
  /** Indexes of the items to insert, in order. */
  insert: number[];
  /** One per run that gets a step. */
  runs: RunWrite[];
}

/**
 * The rules folded over a batch of steps, in arrival order, exactly as if each had come alone after
 * the ones before it: the runs as stored before the batch (by id), and the (runId, seq) keys already
 * stored among the batch's (`stored`, as "runId/seq"). A key that repeats inside the batch is a
 * duplicate from its second time on.
 */
export function planStepBatch(items: readonly BatchStep[], runs: ReadonlyMap<string, StoredRun>, stored: ReadonlySet<string>): StepBatchPlan {
  const current = new Map(runs);
  const seen = new Set(stored);
  const writes = new Map<string, RunWrite>();
  const admissions: Admission[] = [];
  const insert: number[] = [];
  items.forEach((it, i) => {
    const id = it.event.runId;
    const key = `${id}/${it.event.seq}`;
    const a = admitEvent(current.get(id), it.agentId, it.event, it.bytes, seen.has(key), it.limits);
    admissions.push(a);
    if (a.outcome !== "store") return;
    const before = current.get(id)!;
    current.set(id, a.run);
    seen.add(key);
    insert.push(i);
    const w = writes.get(id) ?? { runId: id, from: before.state, state: before.state, addBytes: 0 };
    w.state = a.run.state;
    if (a.run.reason === undefined) delete w.reason;
    else w.reason = a.run.reason;
    w.addBytes += it.bytes;
    writes.set(id, w);
  });
  return { admissions, insert, runs: [...writes.values()] };
}
