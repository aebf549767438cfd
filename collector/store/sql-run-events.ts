// The run-event ingest path of the store: one agent event applied to its run (ownership, limits,
// duplicate by (runId, seq), the run state machine collector/runs/run-state.ts) and the run's state
// written with the webhook event it causes, all inside the caller's write job. SqlStore.appendRunEvent
// and transitionRuns call these.
import type { RunState } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";
import type { Verdict } from "../../shared/verdict.js";
import { decide, isTerminal, type RunDecision } from "../runs/run-state.js";
import type { Dialect, Tx } from "./sql.js";
import type { EventSink } from "./sql-webhooks.js";
import type { AppendLimits, AppendResult } from "./types.js";

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/**
 * Writes a decision's state and reason (and the verdict an event carries). A refusal writes nothing; a
 * collector-side no-op neither (`always` is for stored events: a new step is a change of the run too).
 * Every run's state is written here, so this is where a run reaching its end becomes a webhook event
 * (run.finished, collector/webhooks/events.ts), in the same transaction.
 */
export async function writeDecision(tx: Tx, runId: string, d: RunDecision, now: number, sink: EventSink, always = false, verdict: string | null = null, bytes = 0): Promise<void> {
  if (!d.ok || (!d.changed && !always)) return;
  await tx.run("UPDATE runs SET state = ?, reason = ?, verdict = coalesce(?, verdict), updated_at = ?, bytes = bytes + ? WHERE id = ?", [d.state, d.reason ?? null, verdict, now, bytes, runId]);
  await sink.runStateWritten(tx, runId, d.changed, d.state, now);
}

const HOUR_MS = 3_600_000;

/**
 * One event, inside the caller's transaction: ownership and limits, then duplicate (by (runId, seq)),
 * then the run state machine, then the insert and its effect on the run. The run's row is read locked
 * (`dialect.forUpdate`: other collectors on the same PostgreSQL wait for this transaction), so its
 * state, bytes and events cannot change between the checks and the writes; within one process the
 * write queue runs one job at a time anyway. A run.offline has no row to lock yet: two collectors
 * storing the same new run collide on its primary key, and the loser's job fails (not acked: the agent
 * sends it again and it is a duplicate then).
 */
export async function applyRunEvent(tx: Tx, dialect: Dialect, agentId: string, event: RunEvent, body: string, receivedAt: number, limits: AppendLimits, sink: EventSink): Promise<AppendResult> {
  const run = await tx.get<{ agent_id: string; ticket_id: string; state: RunState; pickup_by: number; reason: string | null; has_verdict: number; bytes: number; created_at: number }>(
    `SELECT agent_id, ticket_id, state, pickup_by, reason, CASE WHEN verdict IS NULL THEN 0 ELSE 1 END AS has_verdict, bytes, created_at
     FROM runs WHERE id = ?${dialect.forUpdate}`,
    [event.runId],
  );
  const bytes = Buffer.byteLength(body);
  if (!run) {
    if (event.type !== "run.offline") return { outcome: "unknown_run" };
    // The agent names the ticket, so it must be one this agent may write to: the ticket it was enrolled
    // for, or one an engineer ran it on. An unknown ticket looks the same (no probing of ticket ids).
    const allowed = await tx.get(
      `SELECT 1 FROM tickets WHERE id = ? AND (
         EXISTS (SELECT 1 FROM agents WHERE id = ? AND ticket_id = tickets.id)
         OR EXISTS (SELECT 1 FROM runs WHERE ticket_id = tickets.id AND agent_id = ? AND offline = 0))`,
      [event.ticketId, agentId, agentId],
    );
    if (!allowed) {
      return { outcome: "refused", code: "TICKET_NOT_ALLOWED", reason: `ticket ${event.ticketId} is not one this agent was enrolled for or asked to run on`, effects: [] };
    }
    const recent = await tx.get<{ n: number }>("SELECT count(*) AS n FROM runs WHERE agent_id = ? AND offline = 1 AND pickup_by > ?", [
      agentId,
      receivedAt - HOUR_MS,
    ]);
    if ((recent?.n ?? 0) >= limits.maxOfflineRunsPerHour) {
      return { outcome: "refused", code: "TOO_MANY_RUNS", reason: `this agent already uploaded ${limits.maxOfflineRunsPerHour} offline runs in the last hour; try again later`, effects: [] };
    }
    await tx.run(
      `INSERT INTO runs (id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at,
         pickup_by, offline) VALUES (?, ?, ?, ?, '{}', 'running', ?, ?, ?, ?, 1)`,
      [event.runId, event.ticketId, agentId, JSON.stringify(event.checks), `agent:${agentId}`, event.at, receivedAt, receivedAt],
    );
    await insertEvent(tx, event, body, receivedAt);
    await tx.run("UPDATE runs SET bytes = bytes + ? WHERE id = ?", [bytes, event.runId]);
    return { outcome: "stored", state: "running", changed: true };
  }
  // Another agent's run looks exactly like a missing one: no probing of run ids across agents.
  if (run.agent_id !== agentId) return { outcome: "unknown_run" };

  // A replay is answered before anything else: a primary-key lookup.
  if (await tx.get("SELECT 1 FROM run_events WHERE run_id = ? AND seq = ?", [event.runId, event.seq])) return { outcome: "duplicate" };
  // Steps stop at maxRunBytes; the other events (accepted, verdict, finished) may use a small reserve
  // beyond it, so a run that filled up still gets its verdict and its end.
  const cap = limits.maxRunBytes + (event.type === "step" ? 0 : limits.runEndReserveBytes);
  if (run.bytes + bytes > cap) {
    return { outcome: "refused", code: "RUN_TOO_BIG", reason: `run ${event.runId} already holds ${run.bytes} bytes; a run may hold ${limits.maxRunBytes} bytes of steps`, effects: [] };
  }
  // The rest of the snapshot is read only when the machine can need it, so an ordinary step costs no
  // scan of the run's events: whether a step is stored (for a verdict), and the agent's end (only a
  // finished run has one).
  const hasSteps = event.type === "verdict" && (await tx.get("SELECT 1 FROM run_events WHERE run_id = ? AND type = 'step' LIMIT 1", [event.runId])) !== undefined;
  const end = isTerminal(run.state)
    ? await tx.get<{ seq: number }>("SELECT seq FROM run_events WHERE run_id = ? AND type IN ('run.finished', 'run.refused') LIMIT 1", [event.runId])
    : undefined;
  const d = decide(
    { state: run.state, pickupBy: run.pickup_by, hasSteps, hasVerdict: run.has_verdict === 1, ...(end ? { endSeq: end.seq } : {}) },
    { kind: "event", event },
    opt(run.reason),
  );
  if (!d.ok) return { outcome: "refused", code: d.code, reason: d.reason, effects: d.effects };
  await insertEvent(tx, event, body, receivedAt);
  await writeDecision(tx, event.runId, d, receivedAt, sink, true, event.type === "verdict" ? JSON.stringify(event.verdict) : null, bytes);
  if (event.type === "verdict") await noteTicketVerdict(tx, run.ticket_id, event.runId, run.created_at, event.verdict);
  return { outcome: "stored", state: d.state, changed: d.changed, ...(d.reason !== undefined ? { reason: d.reason } : {}) };
}

/**
 * The ticket's newest verdict (list filter "cause", knowledge), in the transaction that stores the
 * verdict. A verdict of an older run (an offline run uploaded late) does not replace a newer run's.
 */
async function noteTicketVerdict(tx: Tx, ticketId: string, runId: string, runCreatedAt: number, v: Verdict): Promise<void> {
  await tx.run(
    `UPDATE tickets SET last_run_id = ?, last_segment = ?, last_cause = ? WHERE id = ? AND (last_run_id IS NULL OR last_run_id = ?
       OR NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = tickets.last_run_id AND (runs.created_at > ? OR (runs.created_at = ? AND runs.id > ?))))`,
    [runId, v.segment, v.cause, ticketId, runId, runCreatedAt, runCreatedAt, runId],
  );
}

async function insertEvent(tx: Tx, event: RunEvent, body: string, receivedAt: number): Promise<void> {
  await tx.run("INSERT INTO run_events (run_id, seq, type, body, received_at) VALUES (?, ?, ?, ?, ?)", [event.runId, event.seq, event.type, body, receivedAt]);
}

