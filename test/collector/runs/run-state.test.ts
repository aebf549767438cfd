// The run state machine as a table: every state against every collector-side input, and the agent's
// events in the states where each one matters (including the ones it must refuse, and why).
import { describe, expect, test } from "vitest";
import { RunState } from "../../../shared/api.js";
import { RunEvent } from "../../../shared/protocol.js";
import { decide, EXPIRED_REASON, LINK_LOST_REASON, stateDeadline, type RunDecision, type RunInput, type RunSnapshot } from "../../../collector/runs/run-state.js";

const T0 = 1_700_000_000_000;
const R = "run_table1";
const ev = {
  received: (seq = 0) => RunEvent.parse({ type: "run.received", runId: R, seq, at: T0 }),
  consent: (seq = 1) => RunEvent.parse({ type: "run.consent", runId: R, seq, at: T0, until: T0 + 60_000 }),
  accepted: (seq = 1) => RunEvent.parse({ type: "run.accepted", runId: R, seq, at: T0 }),
  refused: (seq = 1) => RunEvent.parse({ type: "run.refused", runId: R, seq, at: T0, code: "NO_GRANT", reason: "no grant" }),
  step: (seq = 2) => RunEvent.parse({ type: "step", runId: R, seq, at: T0, result: { check: "ping", status: "ok", startedAt: T0, durationMs: 1, findings: [], data: { targets: [] } } }),
  verdict: (seq = 3) =>
    RunEvent.parse({
      type: "verdict",
      runId: R,
      seq,
      at: T0,
      verdict: { segment: "none", cause: "NO_FAULT_FOUND", summary: "ok", evidence: [], consequences: [], unverified: [], next_steps: { customer: [], engineer: [] } },
    }),
  finished: (seq = 4, outcome: "completed" | "cancelled" | "failed" = "completed", reason?: string) =>
    RunEvent.parse({ type: "run.finished", runId: R, seq, at: T0, outcome, steps: 1, ...(reason ? { reason } : {}) }),
  offline: () => RunEvent.parse({ type: "run.offline", runId: R, seq: 0, at: T0, ticketId: "tk_table1", checks: ["ping"] }),
};

const snap = (state: RunState, more: Partial<RunSnapshot> = {}): RunSnapshot => ({ state, pickupBy: T0 + 60_000, hasSteps: false, hasVerdict: false, ...more });
/** A decision as one short string: "state" / "state (effects)" / "!CODE (effects)". */
const short = (d: RunDecision) => (d.ok ? d.state : `!${d.code}`) + (d.effects.length ? ` (${d.effects.join(",")})` : "");

const ALL = RunState.options;

describe("collector-side inputs, every state", () => {
  const inputs: Record<string, RunInput> = {
    dispatch: { kind: "dispatch" },
    link_lost: { kind: "link_lost" },
    cancel: { kind: "cancel", by: "alice" },
    "expire (due)": { kind: "expire", now: T0 + 60_000 },
    "expire (not due)": { kind: "expire", now: T0 + 59_999 },
  };
  // Rows: state; columns in the order of `inputs`.
  const table: Record<RunState, string[]> = {
    requested: ["sent (send_request)", "requested", "cancelled (send_cancel)", "expired", "requested"],
    sent: ["sent (send_request)", "requested", "cancelled (send_cancel)", "expired", "sent"],
    received: ["!NOT_WAITING", "delivering", "received (send_cancel)", "received", "received"],
    awaiting_consent: ["!NOT_WAITING", "delivering", "awaiting_consent (send_cancel)", "awaiting_consent", "awaiting_consent"],
    running: ["!NOT_WAITING", "delivering", "running (send_cancel)", "running", "running"],
    delivering: ["!NOT_WAITING", "delivering", "delivering (send_cancel)", "delivering", "delivering"],
    completed: ["!NOT_WAITING", "completed", "!RUN_FINISHED", "completed", "completed"],
    cancelled: ["!NOT_WAITING", "cancelled", "!RUN_FINISHED", "cancelled", "cancelled"],
    failed: ["!NOT_WAITING", "failed", "!RUN_FINISHED", "failed", "failed"],
    refused: ["!NOT_WAITING", "refused", "!RUN_FINISHED", "refused", "refused"],
    expired: ["!NOT_WAITING", "expired", "!RUN_FINISHED", "expired", "expired"],
  };
  test("the table covers every state", () => expect(Object.keys(table).sort()).toEqual([...ALL].sort()));
  test.each(ALL.flatMap((state) => Object.entries(inputs).map(([name, input], i) => [state, name, table[state][i]!, input] as const)))(
    "%s + %s -> %s",
    (state, _name, expected, input) => {
      expect(short(decide(snap(state), input, "kept reason"))).toBe(expected);
    },
  );

  test("reasons: a dropped link re-queues with a reason; a cancel names who; expiry says why; a no-op keeps the reason", () => {
    expect(decide(snap("sent"), { kind: "link_lost" })).toMatchObject({ state: "requested", changed: true, reason: LINK_LOST_REASON });
    expect(decide(snap("requested"), { kind: "cancel", by: "alice" })).toMatchObject({ reason: "cancelled by alice before the agent acknowledged it" });
    expect(decide(snap("sent"), { kind: "expire", now: T0 + 60_000 })).toMatchObject({ state: "expired", reason: EXPIRED_REASON });
    expect(decide(snap("running"), { kind: "expire", now: T0 + 60_000 }, "why")).toMatchObject({ state: "running", changed: false, reason: "why" });
    expect(decide(snap("sent"), { kind: "dispatch" })).toMatchObject({ changed: false });
    expect(decide(snap("running"), { kind: "link_lost" })).toMatchObject({ state: "delivering", changed: true });
  });
});

describe("agent events", () => {
  test.each<[string, RunSnapshot, RunEvent, string]>([
    // The acknowledgement stops re-sending; it never moves a run backwards.
    ["ack of a queued run", snap("requested"), ev.received(), "received"],
    ["ack of a sent run", snap("sent"), ev.received(), "received"],
    ["late ack while delivering", snap("delivering"), ev.received(), "delivering"],
    ["late ack of an expired run revives it", snap("expired"), ev.received(), "received"],
    ["asking the customer", snap("received"), ev.consent(), "awaiting_consent"],
    ["asking, link was lost", snap("delivering"), ev.consent(), "awaiting_consent"],
    ["asking after accepting", snap("running"), ev.consent(), "!ALREADY_ACCEPTED"],
    ["accepted after consent", snap("awaiting_consent"), ev.accepted(), "running"],
    ["accepted without an ack (older flow)", snap("sent"), ev.accepted(), "running"],
    ["accepted while delivering", snap("delivering"), ev.accepted(), "running"],
    ["late accept of an expired run", snap("expired"), ev.accepted(), "running"],
    ["refused after consent", snap("awaiting_consent"), ev.refused(), "refused"],
    ["refused after accepting", snap("running"), ev.refused(), "!ALREADY_ACCEPTED"],
    ["step while running", snap("running"), ev.step(), "running"],
    ["step replayed after a reconnect", snap("delivering"), ev.step(), "running"],
    ["step before accepting", snap("received"), ev.step(), "!NOT_ACCEPTED"],
    ["step for a queued run", snap("requested"), ev.step(), "!NOT_ACCEPTED"],
    ["step for an expired run", snap("expired"), ev.step(), "!NOT_ACCEPTED"],
    ["verdict after steps", snap("running", { hasSteps: true }), ev.verdict(), "running"],
    ["verdict before any step", snap("running"), ev.verdict(), "!VERDICT_WITHOUT_STEPS"],
    ["second verdict", snap("running", { hasSteps: true, hasVerdict: true }), ev.verdict(5), "!VERDICT_EXISTS"],
    ["finished", snap("running", { hasSteps: true }), ev.finished(), "completed"],
    ["finished while delivering", snap("delivering"), ev.finished(4, "failed"), "failed"],
    ["interrupted before it started (agent restarted)", snap("awaiting_consent"), ev.finished(2, "failed"), "failed"],
    // After the agent's own end: earlier seqs may still arrive, later ones are not part of the run.
    ["step after finished", snap("completed", { hasSteps: true, endSeq: 4 }), ev.step(5), "!RUN_FINISHED"],
    ["verdict after finished", snap("completed", { hasSteps: true, hasVerdict: true, endSeq: 4 }), ev.verdict(5), "!RUN_FINISHED"],
    ["second finish", snap("completed", { hasSteps: true, endSeq: 4 }), ev.finished(5, "failed"), "!RUN_FINISHED"],
    ["another finish below the end", snap("completed", { hasSteps: true, endSeq: 4 }), ev.finished(3, "failed"), "!RUN_FINISHED"],
    ["a step that arrives after finished but came before it", snap("completed", { hasSteps: false, endSeq: 4 }), ev.step(2), "completed"],
    ["a verdict that came before finished, steps stored", snap("completed", { hasSteps: true, endSeq: 4 }), ev.verdict(3), "completed"],
    ["a verdict that came before finished, no step stored", snap("completed", { hasSteps: false, endSeq: 4 }), ev.verdict(3), "!VERDICT_WITHOUT_STEPS"],
    ["anything after the agent refused", snap("refused", { endSeq: 1 }), ev.step(2), "!RUN_FINISHED"],
    // Cancelled before the agent acknowledged it: the agent is told to stop.
    ["ack of a run cancelled before pickup", snap("cancelled"), ev.received(), "!RUN_CANCELLED (send_cancel)"],
    ["step of a run cancelled before pickup", snap("cancelled"), ev.step(), "!RUN_CANCELLED (send_cancel)"],
    ["finish of a run cancelled before pickup", snap("cancelled"), ev.finished(4, "cancelled"), "!RUN_CANCELLED (send_cancel)"],
    ["run.offline for an existing run", snap("running"), ev.offline(), "!RUN_EXISTS"],
  ])("%s", (_name, s, event, expected) => {
    expect(short(decide(s, { kind: "event", event }))).toBe(expected);
  });

  test("reasons carried by events: refusal code, consent deadline, the agent's reason for a cancel", () => {
    expect(decide(snap("received"), { kind: "event", event: ev.refused() })).toMatchObject({ reason: "NO_GRANT: no grant" });
    expect(decide(snap("received"), { kind: "event", event: ev.consent() })).toMatchObject({ reason: expect.stringContaining(new Date(T0 + 60_000).toISOString()) });
    expect(decide(snap("running"), { kind: "event", event: ev.finished(4, "cancelled", "the customer revoked the grant") })).toMatchObject({ state: "cancelled", reason: "the customer revoked the grant" });
    // Running clears the queued/consent reason.
    const accepted = decide(snap("awaiting_consent"), { kind: "event", event: ev.accepted() }, "asked");
    expect(accepted).toMatchObject({ state: "running" });
    expect(accepted.reason).toBeUndefined();
    // A revived expired run reports a change.
    expect(decide(snap("expired"), { kind: "event", event: ev.finished(1, "completed") })).toMatchObject({ state: "completed", changed: true });
  });
});

test("stateDeadline: pickup for waiting runs, the consent deadline while asking, none otherwise", () => {
  expect(stateDeadline({ state: "requested", pickupBy: 5 })).toBe(5);
  expect(stateDeadline({ state: "sent", pickupBy: 5 })).toBe(5);
  expect(stateDeadline({ state: "awaiting_consent", pickupBy: 5, consentUntil: 9 })).toBe(9);
  expect(stateDeadline({ state: "running", pickupBy: 5 })).toBeUndefined();
});
