// The ticket state machine as a table: every action kind from every status, written out by hand (not
// derived from ALLOWED_FROM, so a change to the machine shows up here), then the rules inside the
// actions: the first response, resolve needing a verification or a reason, close needing the
// customer's satisfaction or a note, reopen clearing the resolution.
import { describe, expect, test } from "vitest";
import { TICKET_STATUSES, type TicketAction, type TicketActionKind, type TicketStatus } from "../../../shared/ticket.js";
import { ALLOWED_FROM, decideTicket, noteOf, type TicketFacts } from "../../../collector/tickets/ticket-state.js";

const NOW = 1_700_000_000_000;

/** One valid action of each kind (and both set_status targets). */
const ACTIONS = {
  "set_status:diagnosing": { kind: "set_status", to: "diagnosing", note: "called the customer back" },
  "set_status:waiting_customer": { kind: "set_status", to: "waiting_customer", note: "customer restarts the modem" },
  diagnosis_triggered: { kind: "diagnosis_triggered", runId: "run_000001" },
  escalate: { kind: "escalate", to: "field_service", note: "line fault, visit needed" },
  resolve: { kind: "resolve", resolution: { rootCause: "splitter loose", fix: "re-seated it", verificationRunId: "run_000002" } },
  close: { kind: "close", confirmation: { outcome: "confirmed", satisfaction: 5 } },
  reopen: { kind: "reopen", note: "down again" },
} satisfies Record<string, TicketAction>;
type ActionName = keyof typeof ACTIONS;

// Target status when allowed; "=" allowed with nothing to write; a code when refused.
type Expect = TicketStatus | "=" | "ILLEGAL_TRANSITION" | "TICKET_CLOSED" | "NO_CHANGE";
const TABLE: Record<TicketStatus, Record<ActionName, Expect>> = {
  new: {
    "set_status:diagnosing": "diagnosing",
    "set_status:waiting_customer": "waiting_customer",
    diagnosis_triggered: "diagnosing",
    escalate: "escalated",
    resolve: "resolved",
    close: "ILLEGAL_TRANSITION",
    reopen: "ILLEGAL_TRANSITION",
  },
  diagnosing: {
    "set_status:diagnosing": "NO_CHANGE",
    "set_status:waiting_customer": "waiting_customer",
    diagnosis_triggered: "=",
    escalate: "escalated",
    resolve: "resolved",
    close: "ILLEGAL_TRANSITION",
    reopen: "ILLEGAL_TRANSITION",
  },
  waiting_customer: {
    "set_status:diagnosing": "diagnosing",
    "set_status:waiting_customer": "NO_CHANGE",
    diagnosis_triggered: "diagnosing",
    escalate: "escalated",
    resolve: "resolved",
    close: "ILLEGAL_TRANSITION",
    reopen: "ILLEGAL_TRANSITION",
  },
  // Escalated to network_operations in the facts below; escalating to field_service is a change of team.
  escalated: {
    "set_status:diagnosing": "diagnosing",
    "set_status:waiting_customer": "waiting_customer",
    diagnosis_triggered: "=",
    escalate: "escalated",
    resolve: "resolved",
    close: "ILLEGAL_TRANSITION",
    reopen: "ILLEGAL_TRANSITION",
  },
  resolved: {
    "set_status:diagnosing": "ILLEGAL_TRANSITION",
    "set_status:waiting_customer": "ILLEGAL_TRANSITION",
    diagnosis_triggered: "=",
    escalate: "ILLEGAL_TRANSITION",
    resolve: "ILLEGAL_TRANSITION",
    close: "closed",
    reopen: "diagnosing",
  },
  closed: {
    "set_status:diagnosing": "TICKET_CLOSED",
    "set_status:waiting_customer": "TICKET_CLOSED",
    diagnosis_triggered: "TICKET_CLOSED",
    escalate: "TICKET_CLOSED",
    resolve: "TICKET_CLOSED",
    close: "TICKET_CLOSED",
    reopen: "diagnosing",
  },
};

const facts = (status: TicketStatus): TicketFacts => ({
  status,
  ...(status === "new" ? {} : { firstResponseAt: NOW - 60_000 }),
  ...(status === "escalated" ? { escalatedTo: "network_operations" } : {}),
});

const cases = TICKET_STATUSES.flatMap((s) => (Object.keys(ACTIONS) as ActionName[]).map((a) => [s, a, TABLE[s][a]] as const));

describe("every action from every status", () => {
  test("the table covers every status and every action kind", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...TICKET_STATUSES].sort());
    const kinds = new Set(Object.values(ACTIONS).map((a) => a.kind));
    expect([...kinds].sort()).toEqual((Object.keys(ALLOWED_FROM) as TicketActionKind[]).sort());
  });

  test.each(cases)("%s + %s -> %s", (status, name, expected) => {
    const d = decideTicket(facts(status), ACTIONS[name], NOW);
    if (expected === "ILLEGAL_TRANSITION" || expected === "TICKET_CLOSED" || expected === "NO_CHANGE") {
      expect(d).toMatchObject({ ok: false, code: expected });
      expect(d.ok === false && d.message.length).toBeGreaterThan(10);
      return;
    }
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.from).toBe(status);
    expect(d.to).toBe(expected === "=" ? status : expected);
    expect(d.changed).toBe(expected !== "=");
    expect(d.patch.status).toBe(d.to);
  });
});

describe("inside the actions", () => {
  test("the first move out of new meets the response deadline, once", () => {
    const first = decideTicket({ status: "new" }, ACTIONS.diagnosis_triggered, NOW);
    expect(first.ok && first.patch.firstResponseAt).toBe(NOW);
    for (const a of [ACTIONS.escalate, ACTIONS["set_status:waiting_customer"], ACTIONS.resolve] as TicketAction[]) {
      const d = decideTicket({ status: "new" }, a, NOW);
      expect(d.ok && d.patch.firstResponseAt).toBe(NOW);
    }
    // Already answered (a migrated ticket, or reopened): never moved.
    const again = decideTicket({ status: "new", firstResponseAt: NOW - 5 }, ACTIONS.escalate, NOW);
    expect(again.ok && "firstResponseAt" in again.patch).toBe(false);
    // Out of other statuses, and refusals, never set it.
    const later = decideTicket({ status: "diagnosing", firstResponseAt: NOW - 5 }, ACTIONS.escalate, NOW);
    expect(later.ok && "firstResponseAt" in later.patch).toBe(false);
    expect(decideTicket({ status: "new" }, ACTIONS.close, NOW).ok).toBe(false);
  });

  test("escalating records the team and time; escalating again to the same team is NO_CHANGE", () => {
    const d = decideTicket({ status: "diagnosing", firstResponseAt: 1 }, ACTIONS.escalate, NOW);
    expect(d).toMatchObject({ ok: true, patch: { status: "escalated", escalatedTo: "field_service", escalatedAt: NOW }, detail: { to: "field_service" } });
    expect(decideTicket({ status: "escalated", escalatedTo: "field_service" }, ACTIONS.escalate, NOW)).toMatchObject({ ok: false, code: "NO_CHANGE" });
  });

  test("resolve needs a verification run or a reason", () => {
    const bare = { kind: "resolve", resolution: { rootCause: "r", fix: "f" } } as const;
    expect(decideTicket({ status: "diagnosing" }, bare, NOW)).toMatchObject({ ok: false, code: "VERIFICATION_REQUIRED" });
    expect(decideTicket({ status: "diagnosing" }, { kind: "resolve", resolution: { rootCause: "r", fix: "f", unverifiedReason: "   " } }, NOW)).toMatchObject({ ok: false, code: "VERIFICATION_REQUIRED" });
    const reason = decideTicket({ status: "diagnosing" }, { kind: "resolve", resolution: { rootCause: "r", fix: "f", unverifiedReason: "agent uninstalled" } }, NOW);
    expect(reason).toMatchObject({ ok: true, patch: { resolvedAt: NOW, closedAt: null, resolution: { unverifiedReason: "agent uninstalled" } }, detail: { verified: false } });
    const verified = decideTicket({ status: "escalated" }, { kind: "resolve", resolution: { rootCause: "r", fix: "f", verificationRunId: "run_000009", cause: "WAN_LINK_DOWN" } }, NOW);
    expect(verified).toMatchObject({ ok: true, detail: { verified: true, verificationRunId: "run_000009", cause: "WAN_LINK_DOWN" } });
  });

  test("close needs the customer's satisfaction when confirmed, a note when unreachable", () => {
    const close = (confirmation: Extract<TicketAction, { kind: "close" }>["confirmation"]) => decideTicket({ status: "resolved" }, { kind: "close", confirmation }, NOW);
    expect(close({ outcome: "confirmed" })).toMatchObject({ ok: false, code: "CONFIRMATION_INCOMPLETE" });
    expect(close({ outcome: "unreachable" })).toMatchObject({ ok: false, code: "CONFIRMATION_INCOMPLETE" });
    expect(close({ outcome: "unreachable", note: " " })).toMatchObject({ ok: false, code: "CONFIRMATION_INCOMPLETE" });
    expect(close({ outcome: "unreachable", note: "called 3 times, no answer" })).toMatchObject({ ok: true, to: "closed", detail: { outcome: "unreachable" } });
    expect(close({ outcome: "confirmed", satisfaction: 2 })).toMatchObject({ ok: true, patch: { closedAt: NOW, confirmation: { outcome: "confirmed", satisfaction: 2 } }, detail: { satisfaction: 2 } });
  });

  test("reopen clears the resolution, the confirmation and their times", () => {
    const d = decideTicket({ status: "closed", firstResponseAt: 1 }, ACTIONS.reopen, NOW);
    expect(d).toMatchObject({ ok: true, to: "diagnosing", patch: { resolvedAt: null, closedAt: null, resolution: null, confirmation: null } });
  });

  test("the note of each action goes to the history", () => {
    expect(noteOf(ACTIONS.escalate)).toBe("line fault, visit needed");
    expect(noteOf(ACTIONS.reopen)).toBe("down again");
    expect(noteOf({ kind: "close", confirmation: { outcome: "unreachable", note: "no answer" } })).toBe("no answer");
    expect(noteOf(ACTIONS.diagnosis_triggered)).toBeUndefined();
  });
});
