// Step results stored as a batch: the write queue hands every step queued back to back to ONE call
// (collector/store/sql.ts BatchKind), which reads the runs and the already-stored keys they touch with
// one statement each, decides every step with the ingest rules folded in arrival order
// (collector/runs/event-admission.ts planStepBatch: exactly the answers one-at-a-time ingest gives),
// then writes them with multi-row INSERTs and one UPDATE per run. About five statements per batch
// instead of about five per step, which is what lets ingest keep up with plain multi-row INSERTs
// (bench/ingest.ts). Each caller still gets its own answer only after the COMMIT that holds its step.
import type { RunState } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";
import { isTerminal } from "../runs/run-state.js";
import { planStepBatch, type Admission, type AdmitLimits, type StoredRun } from "../runs/event-admission.js";
import type { BatchKind, Dialect, SqlValue, Tx } from "./sql.js";
import type { AppendResult } from "./types.js";

export interface StepItem {
  agentId: string;
  event: Extract<RunEvent, { type: "step" }>;
  /** The stored body (the scrubbed event as JSON) and its size in bytes. */
  body: string;
  bytes: number;
  receivedAt: number;
  limits: AdmitLimits;
}

/** Rows per INSERT statement: 5 parameters each, far below both engines' parameter limits. */
const ROWS_PER_INSERT = 100;
/** Steps per batch: bounds one statement set and how long one COMMIT delays the first step's ack. */
const STEPS_PER_BATCH = 500;

const marks = (n: number, one = "?") => Array.from({ length: n }, () => one).join(", ");

interface RunRow {
  id: string;
  agent_id: string;
  state: RunState;
  pickup_by: number;
  reason: string | null;
  has_verdict: number;
  bytes: number;
}

/** The batched kind for one store (its dialect decides the row lock). */
export function stepBatchKind(dialect: Dialect): BatchKind<StepItem, AppendResult> {
  return { name: "steps", max: STEPS_PER_BATCH, run: (tx, items) => applySteps(tx, dialect, items) };
}

async function applySteps(tx: Tx, d: Dialect, items: readonly StepItem[]): Promise<AppendResult[]> {
  const ids = [...new Set(items.map((i) => i.event.runId))].sort();
  // Locked in id order (PostgreSQL: other collectors may write these runs; one order, no deadlock).
  const rows = await tx.all<RunRow>(
    `SELECT id, agent_id, state, pickup_by, reason, CASE WHEN verdict IS NULL THEN 0 ELSE 1 END AS has_verdict, bytes
       FROM runs WHERE id IN (${marks(ids.length)}) ORDER BY id${d.forUpdate}`,
    ids,
  );
  const runs = new Map<string, StoredRun>();
  for (const r of rows) {
    runs.set(r.id, {
      agentId: r.agent_id,
      state: r.state,
      pickupBy: r.pickup_by,
      ...(r.reason !== null ? { reason: r.reason } : {}),
      // A step's rule reads neither; they are kept true to the run for the fold's later items.
      hasSteps: false,
      hasVerdict: r.has_verdict === 1,
      bytes: r.bytes,
    });
  }
  // Only a finished run needs the agent's closing seq (a step after it is refused).
  const ended = rows.filter((r) => isTerminal(r.state)).map((r) => r.id);
  if (ended.length > 0) {
    const ends = await tx.all<{ run_id: string; seq: number }>(
      `SELECT run_id, min(seq) AS seq FROM run_events WHERE run_id IN (${marks(ended.length)}) AND type IN ('run.finished', 'run.refused') GROUP BY run_id`,
      ended,
    );
    for (const e of ends) runs.get(e.run_id)!.endSeq = e.seq;
  }
  const stored = await storedKeys(tx, items, runs);
  const plan = planStepBatch(items, runs, stored);

  for (let i = 0; i < plan.insert.length; i += ROWS_PER_INSERT) {
    const part = plan.insert.slice(i, i + ROWS_PER_INSERT).map((k) => items[k]!);
    const params: SqlValue[] = [];
    for (const it of part) params.push(it.event.runId, it.event.seq, "step", it.body, it.receivedAt);
    await tx.run(`INSERT INTO run_events (run_id, seq, type, body, received_at) VALUES ${marks(part.length, "(?, ?, ?, ?, ?)")}`, params);
  }
  const lastAt = new Map<string, number>();
  for (const k of plan.insert) lastAt.set(items[k]!.event.runId, items[k]!.receivedAt);
  // A step's state is always "running" (run-state.ts), never a run's end: no webhook event is due here.
  for (const w of plan.runs) {
    await tx.run("UPDATE runs SET state = ?, reason = ?, updated_at = ?, bytes = bytes + ? WHERE id = ?", [w.state, w.reason ?? null, lastAt.get(w.runId)!, w.addBytes, w.runId]);
  }
  return plan.admissions.map(toResult);
}

/** Which of the batch's (runId, seq) keys are stored already: one range read per run of the batch. */
async function storedKeys(tx: Tx, items: readonly StepItem[], runs: ReadonlyMap<string, StoredRun>): Promise<Set<string>> {
  const range = new Map<string, [number, number]>();
  for (const it of items) {
    const id = it.event.runId;
    if (!runs.has(id)) continue;
    const r = range.get(id);
    if (!r) range.set(id, [it.event.seq, it.event.seq]);
    else range.set(id, [Math.min(r[0], it.event.seq), Math.max(r[1], it.event.seq)]);
  }
  const out = new Set<string>();
  if (range.size === 0) return out;
  const params: SqlValue[] = [];
  const conds: string[] = [];
  for (const [id, [lo, hi]] of range) {
    conds.push("(run_id = ? AND seq BETWEEN ? AND ?)");
    params.push(id, lo, hi);
  }
  const rows = await tx.all<{ run_id: string; seq: number }>(`SELECT run_id, seq FROM run_events WHERE ${conds.join(" OR ")}`, params);
  for (const r of rows) out.add(`${r.run_id}/${r.seq}`);
  return out;
}

function toResult(a: Admission): AppendResult {
  switch (a.outcome) {
    case "unknown_run":
    case "duplicate":
      return { outcome: a.outcome };
    case "refused":
      return { outcome: "refused", code: a.code, reason: a.reason, effects: a.effects };
    case "store":
      return { outcome: "stored", state: a.run.state, changed: a.decision.changed, ...(a.decision.reason !== undefined ? { reason: a.decision.reason } : {}) };
  }
}
