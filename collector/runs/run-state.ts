// The run state machine: the one place that decides how a run moves between states, whatever moves it
// (an agent's event, the hub sending or losing a link, an engineer's cancel, the expiry sweep). Pure:
// a store loads the run's snapshot, calls decide(), and applies the answer in the same transaction;
// the hub and the routes act on the effects. States: shared/api.ts RunState; the table and why each
// rule exists: docs/delivery.md ("The run state machine"); tests: test/collector/runs/run-state.test.ts.
import { TERMINAL_RUN_STATES, type RunState } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";

/** Stored as the reason of an expired run; GET /api/runs/:id and the live stream both show it. */
export const EXPIRED_REASON = "the agent did not pick the run up in time";

/** What happens to a run. Agent events arrive here only once per (runId, seq): duplicates are answered before. */
export type RunInput =
  /** The hub wrote run.request to the agent's connection. */
  | { kind: "dispatch" }
  /** The agent's connection ended (closed, or found dead by the heartbeat). */
  | { kind: "link_lost" }
  /** An engineer cancels. */
  | { kind: "cancel"; by: string }
  /** The expiry sweep; only runs not acknowledged by `pickupBy` expire. */
  | { kind: "expire"; now: number }
  | { kind: "event"; event: RunEvent };

export type CollectorRunInput = Exclude<RunInput, { kind: "event" }>;

/** What decide() needs to know about the run, as stored. */
export interface RunSnapshot {
  state: RunState;
  pickupBy: number;
  /** At least one step event is stored for the run (what a verdict rests on). */
  hasSteps: boolean;
  hasVerdict: boolean;
  /** Seq of the agent's own closing event (run.finished or run.refused), once stored. */
  endSeq?: number;
}

/** What the hub must do besides storing: (re)send the request, or tell the agent to stop the run. */
export type RunEffect = "send_request" | "send_cancel";

/** Why an input was refused; sent to the agent in an error frame (events) or to the engineer (cancel, 409). */
export type RunRefusalCode =
  | "RUN_FINISHED"
  | "RUN_CANCELLED"
  | "NOT_ACCEPTED"
  | "VERDICT_WITHOUT_STEPS"
  | "VERDICT_EXISTS"
  | "ALREADY_ACCEPTED"
  | "RUN_EXISTS"
  | "NOT_WAITING";

export type RunDecision =
  | {
      ok: true;
      state: RunState;
      /** state differs from the snapshot's (publish it to live viewers). */
      changed: boolean;
      /** Why the run is in `state`; stored as the run's reason (undefined clears it). */
      reason?: string;
      effects: RunEffect[];
    }
  | { ok: false; code: RunRefusalCode; reason: string; effects: RunEffect[] };

export const isTerminal = (s: RunState): boolean => TERMINAL_RUN_STATES.includes(s);

/** Not yet acknowledged by the agent: re-sent on every reconnect, expires at pickupBy. */
export const WAITING_STATES: readonly RunState[] = ["requested", "sent"];
/** The agent has the run (acknowledged, asking, running, or out of reach with it). */
export const HELD_STATES: readonly RunState[] = ["received", "awaiting_consent", "running", "delivering"];
/** Every state a run can leave. */
export const LIVE_STATES: readonly RunState[] = [...WAITING_STATES, ...HELD_STATES];

const ok = (snap: RunSnapshot, state: RunState, reason?: string, effects: RunEffect[] = []): RunDecision => ({
  ok: true,
  state,
  changed: state !== snap.state,
  ...(reason !== undefined ? { reason } : {}),
  effects,
});
/** Stays where it is, keeping its reason (a no-op the caller need not write). */
const stay = (snap: RunSnapshot, reason: string | undefined, effects: RunEffect[] = []): RunDecision => ok(snap, snap.state, reason, effects);
const no = (code: RunRefusalCode, reason: string, effects: RunEffect[] = []): RunDecision => ({ ok: false, code, reason, effects });

export const LINK_LOST_REASON = "the agent's link dropped before it acknowledged the run; it is sent again when the agent reconnects";

/**
 * The transition for one input. `currentReason` is the stored reason, kept when the state does not change.
 */
export function decide(snap: RunSnapshot, input: RunInput, currentReason?: string): RunDecision {
  const s = snap.state;
  switch (input.kind) {
    case "dispatch":
      // Only a run the agent has not acknowledged is (re)sent; "sent" stays "sent" on a re-send.
      if (!WAITING_STATES.includes(s)) return no("NOT_WAITING", `run is ${s}; only requested or sent runs are sent`);
      return ok(snap, "sent", undefined, ["send_request"]);
    case "link_lost":
      // The request may have died in the socket: back to the queue, re-sent on reconnect.
      if (s === "sent") return ok(snap, "requested", LINK_LOST_REASON);
      if (s === "received" || s === "awaiting_consent" || s === "running") return ok(snap, "delivering");
      return stay(snap, currentReason);
    case "cancel":
      if (isTerminal(s)) return no("RUN_FINISHED", `run is already ${s}`);
      // Not acknowledged: it ends here and is never sent again. The agent may still have it (a request
      // in flight), so it is told to stop too; its events for the run are refused from now on.
      if (WAITING_STATES.includes(s)) return ok(snap, "cancelled", `cancelled by ${input.by} before the agent acknowledged it`, ["send_cancel"]);
      // The agent has it: it stops the run and reports run.finished "cancelled" itself.
      return stay(snap, currentReason, ["send_cancel"]);
    case "expire":
      if (WAITING_STATES.includes(s) && input.now >= snap.pickupBy) return ok(snap, "expired", EXPIRED_REASON);
      return stay(snap, currentReason);
    case "event":
      return decideEvent(snap, input.event, currentReason);
  }
}

function decideEvent(snap: RunSnapshot, ev: RunEvent, currentReason?: string): RunDecision {
  if (ev.type === "run.offline") return no("RUN_EXISTS", `run ${ev.runId} already exists; run.offline only creates a run`);
  if (isTerminal(snap.state)) {
    if (snap.endSeq !== undefined) {
      // The agent closed the run at endSeq. Events it produced before that may still arrive (a replay
      // in another order); anything after the end is not part of the run.
      if (ev.seq > snap.endSeq) return no("RUN_FINISHED", `run ${ev.runId} ended at seq ${snap.endSeq} (${snap.state}); nothing after it is stored`);
      if (ev.type === "run.finished" || ev.type === "run.refused") return no("RUN_FINISHED", `run ${ev.runId} already ended at seq ${snap.endSeq}`);
      if (ev.type === "verdict") return verdictRule(snap, currentReason);
      return stay(snap, currentReason);
    }
    if (snap.state === "cancelled") {
      return no("RUN_CANCELLED", `run ${ev.runId} was cancelled before the agent acknowledged it; stop it`, ["send_cancel"]);
    }
    // expired: the collector gave up waiting for an acknowledgement, but an event from the agent proves
    // it has the run, so what the agent reports wins (as from "sent").
    const d = decideEvent({ ...snap, state: "sent" }, ev, undefined);
    return d.ok ? { ...d, changed: d.state !== snap.state } : d;
  }
  const s = snap.state;
  switch (ev.type) {
    case "run.received":
      return WAITING_STATES.includes(s) ? ok(snap, "received") : stay(snap, currentReason);
    case "run.consent":
      if (s === "running") return no("ALREADY_ACCEPTED", `run ${ev.runId} is already running; consent comes before`);
      return ok(snap, "awaiting_consent", `the customer is being asked; answer due by ${new Date(ev.until).toISOString()}`);
    case "run.accepted":
      return ok(snap, "running");
    case "run.refused":
      if (s === "running") return no("ALREADY_ACCEPTED", `run ${ev.runId} was accepted; it ends with run.finished, not run.refused`);
      return ok(snap, "refused", `${ev.code}: ${ev.reason}`);
    case "step":
      if (s !== "running" && s !== "delivering") return no("NOT_ACCEPTED", `a step for run ${ev.runId} before the agent accepted it (run is ${s})`);
      // Results arriving prove the link is back: delivering -> running.
      return ok(snap, "running");
    case "verdict":
      if (s !== "running" && s !== "delivering") return no("NOT_ACCEPTED", `a verdict for run ${ev.runId} before the agent accepted it (run is ${s})`);
      return verdictRule({ ...snap }, undefined, "running");
    case "run.finished":
      return ok(snap, ev.outcome, ev.reason);
  }
}

/** A verdict rests on stored steps, and there is one per run: it never replaces an earlier one. */
function verdictRule(snap: RunSnapshot, reason: string | undefined, to: RunState = snap.state): RunDecision {
  if (snap.hasVerdict) return no("VERDICT_EXISTS", "the run already has a verdict; it is never replaced");
  if (!snap.hasSteps) return no("VERDICT_WITHOUT_STEPS", "a verdict needs the step results it rests on; none is stored");
  return ok(snap, to, reason);
}

/** The deadline that goes with a state on the live stream and in the CLI. */
export function stateDeadline(run: { state: RunState; pickupBy: number; consentUntil?: number }): number | undefined {
  if (WAITING_STATES.includes(run.state)) return run.pickupBy;
  if (run.state === "awaiting_consent") return run.consentUntil;
  return undefined;
}
