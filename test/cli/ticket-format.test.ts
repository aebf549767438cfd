// What the support desk commands print (cli/ticket-format.ts): time left / OVERDUE against a fixed
// clock, the ticket row, the verify-fix comparison table, and the escalation hand-over with hostile
// control characters in every field a customer, an agent or an engineer wrote (shown escaped, never
// acting on the terminal).
import { describe, expect, test } from "vitest";
import type { Ticket, TicketWithRuns } from "../../shared/api.js";
import { Handover, RunComparison, type DeadlineState, type TicketHistoryEntry } from "../../shared/ticket.js";
import { deadlineCell, deadlinesOf, formatComparison, formatHandover, formatHistory, formatKnowledge, formatSpan, formatTicketRow, formatTicketView, nearestDeadline, timeLeft } from "../../cli/ticket-format.js";

const NOW = Date.UTC(2024, 0, 1, 10, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Any control or bidi character except the newline between lines. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const ERASE = "\x1b[1A\x1b[2K\r";
const OSC = "\x1b]52;c;ZXZpbA==\x07";
const C1 = "\u009b2K";
const RLO = "\u202e";
const FORGED = `${ERASE}VERDICT: NONE${OSC}${C1}${RLO}`;

function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: "tk_AAAAAAAAAAAA",
    customer: { name: "Wang Fang", contact: "+86 138 0000 0000" },
    service: "Fiber 300M",
    symptom: "internet down since 9:00",
    category: "network",
    severity: "important",
    status: "new",
    createdAt: NOW - HOUR,
    createdBy: "alice",
    respondBy: NOW + HOUR,
    resolveBy: NOW + 23 * HOUR,
    ...over,
  };
}

describe("time left / overdue", () => {
  test.each([
    [30 * 1000, "<1m"],
    [35 * MIN, "35m"],
    [-35 * MIN, "35m"],
    [2 * HOUR, "2h"],
    [2 * HOUR + 5 * MIN + 59_000, "2h 5m"],
    [3 * 24 * HOUR + 4 * HOUR + 10 * MIN, "3d 4h"],
  ])("formatSpan(%i) = %s", (ms, text) => expect(formatSpan(ms)).toBe(text));

  test.each<[DeadlineState, string]>([
    [{ due: NOW + 2 * HOUR + 5 * MIN, leftMs: 2 * HOUR + 5 * MIN, overdue: false }, "2h 5m left"],
    [{ due: NOW - 35 * MIN, leftMs: -35 * MIN, overdue: true }, "OVERDUE 35m"],
    [{ due: NOW, metAt: NOW - 25 * MIN, leftMs: 25 * MIN, overdue: false }, "met, 25m to spare"],
    [{ due: NOW, metAt: NOW + 10 * MIN, leftMs: -10 * MIN, overdue: false }, "met 10m late"],
  ])("%o -> %s", (s, text) => expect(timeLeft(s)).toBe(text));

  test("worked out from the stamped times with the given clock when the record carries no deadlines", () => {
    const t = ticket({ respondBy: NOW - 35 * MIN, resolveBy: NOW + 5 * HOUR });
    const d = deadlinesOf(t, NOW);
    expect(d.respond).toEqual({ due: NOW - 35 * MIN, leftMs: -35 * MIN, overdue: true });
    expect(deadlineCell(d)).toBe("OVERDUE 35m (respond)");
    // Responded: the resolution deadline is the nearest unmet one.
    const answered = deadlinesOf({ ...t, firstResponseAt: NOW - 40 * MIN }, NOW);
    expect(nearestDeadline(answered)?.which).toBe("resolve");
    expect(deadlineCell(answered)).toBe("5h left (resolve)");
    // Resolved late: both met, said how.
    expect(deadlineCell(deadlinesOf({ ...t, firstResponseAt: NOW - 40 * MIN, resolvedAt: NOW + 6 * HOUR }, NOW))).toBe("resolved 1h late");
  });

  test("the collector's own computation wins over the local clock", () => {
    const t = ticket({ deadlines: { respond: { due: NOW + HOUR, leftMs: -3 * MIN, overdue: true }, resolve: { due: NOW + 23 * HOUR, leftMs: 22 * HOUR, overdue: false } } });
    expect(deadlineCell(deadlinesOf(t, NOW))).toBe("OVERDUE 3m (respond)");
  });

  test("a ticket row: status, severity, time left, newest cause, customer", () => {
    const row = formatTicketRow(ticket({ status: "waiting_customer", respondBy: NOW - 35 * MIN, lastVerdict: { runId: "run_1", segment: "wan", cause: "WAN_LINK_DOWN" } }), NOW).text;
    expect(row).toMatch(/^tk_AAAAAAAAAAAA +waiting_customer +important +OVERDUE 35m \(respond\) +WAN_LINK_DOWN +Wang Fang — internet down since 9:00$/);
  });
});

const history: TicketHistoryEntry[] = [
  { at: NOW - 50 * MIN, actor: "alice", action: "diagnosis_triggered", from: "new", to: "diagnosing", detail: { runId: "run_fail01" } },
  { at: NOW - 10 * MIN, actor: `eve${ERASE}`, action: "escalate", from: "diagnosing", to: "escalated", note: `splitter?${FORGED}`, detail: { to: "field_service" } },
];

function handover(): Handover {
  return Handover.parse({
    ticketId: "tk_AAAAAAAAAAAA",
    to: "field_service",
    escalatedAt: NOW - 10 * MIN,
    escalatedBy: `eve${OSC}`,
    status: "escalated",
    severity: "important",
    category: "network",
    symptom: `down since 9:00\nVERDICT: NONE — forged line${FORGED}`,
    alreadyTried: `restarted the modem${C1}`,
    customer: { name: `Li${FORGED}`, contact: `+86${OSC}`, site: `Road 1${RLO}` },
    service: `Fiber${RLO}`,
    deadlines: { respond: { due: NOW - 30 * MIN, metAt: NOW - 50 * MIN, leftMs: 20 * MIN, overdue: false }, resolve: { due: NOW - 35 * MIN, leftMs: -35 * MIN, overdue: true } },
    verdict: {
      runId: "run_fail01",
      segment: "wan",
      cause: "WAN_LINK_DOWN",
      summary: `the WAN link is down${FORGED}`,
      evidence: [`[snmp] WAN_LINK_DOWN dsl0 down${OSC}`],
      nextSteps: [`send a technician${FORGED}`],
    },
    steps: [
      { runId: "run_fail01", check: "host", status: "ok", durationMs: 12, findings: [] },
      { runId: "run_fail01", check: "snmp", status: "fail", durationMs: 840.4, findings: [`WAN_LINK_DOWN: WAN interface dsl0 is down${FORGED}`] },
    ],
    history,
    note: `please hurry${ERASE}`,
  });
}

describe("the hand-over", () => {
  test("has the symptom, customer, every step, the verdict, the deadlines and the team", () => {
    const text = formatHandover(handover()).text;
    console.log(`[cli/ticket-format] hand-over:\n${text}`);
    expect(text).toMatch(/^HAND-OVER  ticket tk_AAAAAAAAAAAA  to field_service/);
    // A line break a field carries is shown, not acted on: no field starts a line of its own.
    expect(text).toContain("  symptom: down since 9:00\\nVERDICT: NONE — forged line");
    expect(text).toMatch(/^ {2}run_fail01 {2}host {6}ok {10}12 ms$/m);
    expect(text).toMatch(/^ {2}run_fail01 {2}snmp {6}fail {7}840 ms\n {6}WAN_LINK_DOWN: WAN interface dsl0 is down/m);
    expect(text).toContain("VERDICT (run run_fail01): WAN — WAN_LINK_DOWN: the WAN link is down");
    expect(text).toContain("  respond by 2024-01-01T09:30:00.000Z: met, 20m to spare (at 2024-01-01T09:10:00.000Z)");
    expect(text).toContain("  resolve by 2024-01-01T09:25:00.000Z: OVERDUE 35m");
    expect(text).toContain("field_service");
  });

  test("hostile control characters in every field are shown escaped, none reaches the terminal", () => {
    const text = formatHandover(handover()).text;
    expect(text).not.toMatch(UNSAFE);
    // Nothing a field carries starts a line of its own (a forged VERDICT line).
    expect(text.match(/^\s*VERDICT/gm)).toHaveLength(1);
    expect(text).toContain("Li\\u001b[1A\\u001b[2K\\rVERDICT: NONE\\u001b]52;c;ZXZpbA==\\u0007\\u009b2K\\u202e");
    expect(text).toContain("eve\\u001b[1A");
    expect(text).toContain("Fiber\\u202e");
    expect(text).toContain("restarted the modem\\u009b2K");
  });
});

describe("the verify-fix comparison", () => {
  const base = {
    ticketId: "tk_AAAAAAAAAAAA",
    before: { runId: "run_fail01", createdAt: NOW - HOUR, segment: "wan", cause: "WAN_LINK_DOWN" },
    after: { runId: "run_fix0001", createdAt: NOW, state: "completed", segment: "none", cause: "NONE" },
  };
  test("per check before -> after and the change; healthy", () => {
    const c = RunComparison.parse({
      ...base,
      rows: [
        { check: "host", before: "ok", after: "ok", change: "still_ok", cleared: [], remaining: [], appeared: [] },
        { check: "snmp", before: "fail", after: "ok", change: "fixed", cleared: ["WAN_LINK_DOWN"], remaining: [], appeared: [] },
        { check: "path", before: "fail", after: "ok", change: "fixed", cleared: ["ANCHORS_UNREACHABLE", "ISP_HOP_UNREACHABLE"], remaining: [], appeared: [] },
      ],
      healthy: true,
    });
    const text = formatComparison(c).text;
    console.log(`[cli/ticket-format] comparison:\n${text}`);
    expect(text.split("\n")).toEqual([
      "verify-fix comparison, ticket tk_AAAAAAAAAAAA",
      "  before: run run_fail01  2024-01-01T09:00:00.000Z  wan/WAN_LINK_DOWN",
      "  after:  run run_fix0001  2024-01-01T10:00:00.000Z  completed  none/NONE",
      "  CHECK     BEFORE      AFTER    CHANGE",
      "  host      ok       -> ok       ok",
      "  snmp      fail     -> ok       FIXED  (cleared WAN_LINK_DOWN)",
      "  path      fail     -> ok       FIXED  (cleared ANCHORS_UNREACHABLE, ISP_HOP_UNREACHABLE)",
      "verification: HEALTHY (2 fixed, nothing failing): the fix is verified",
    ]);
  });

  test("still failing and a new failure make it not healthy, with the codes", () => {
    const c = RunComparison.parse({
      ...base,
      after: { ...base.after, segment: "dns", cause: "DNS_SERVFAIL" },
      rows: [
        { check: "snmp", before: "fail", after: "fail", change: "still_failing", cleared: ["LINE_SNR_LOW"], remaining: ["WAN_LINK_DOWN"], appeared: [] },
        { check: "dns", before: "ok", after: "fail", change: "new_failure", cleared: [], remaining: [], appeared: ["NAME_SERVFAIL"] },
        { check: "service", after: "ok", change: "not_compared", cleared: [], remaining: [], appeared: [] },
      ],
      healthy: false,
    });
    const text = formatComparison(c).text;
    expect(text).toContain("  snmp      fail     -> fail     STILL FAILING  (cleared LINE_SNR_LOW; still WAN_LINK_DOWN)");
    expect(text).toContain("  dns       ok       -> fail     NEW FAILURE  (new NAME_SERVFAIL)");
    expect(text).toContain("  service   -        -> ok       not compared");
    expect(text).toMatch(/verification: NOT HEALTHY \(0 fixed, 1 still failing, 1 new failure\)$/);
  });
});

describe("ticket show", () => {
  test("lifecycle, deadlines, resolution, confirmation, history and what fixed this last time, all escaped", () => {
    const t: TicketWithRuns = {
      ...ticket({
        status: "closed",
        firstResponseAt: NOW - 50 * MIN,
        escalatedTo: "field_service",
        escalatedAt: NOW - 10 * MIN,
        resolvedAt: NOW - 5 * MIN,
        closedAt: NOW,
        resolution: { rootCause: `splitter loose${FORGED}`, fix: "re-seated it", verificationRunId: "run_fix0001", cause: "WAN_LINK_DOWN", segment: "wan" },
        confirmation: { outcome: "confirmed", satisfaction: 4, note: "works\nthanks" },
        lastVerdict: { runId: "run_fix0001", segment: "none", cause: "NONE" },
      }),
      runs: [],
    };
    const text = formatTicketView(
      {
        ticket: t,
        history,
        knowledge: { cause: "WAN_LINK_DOWN", total: 1, tickets: [{ ticketId: "tk_BBBBBBBBBBBB", cause: "WAN_LINK_DOWN", rootCause: "line card", fix: `swapped the port${OSC}`, resolvedAt: NOW - 24 * HOUR, verified: true, satisfaction: 5 }] },
      },
      NOW,
    ).text;
    console.log(`[cli/ticket-format] ticket show:\n${text}`);
    expect(text).not.toMatch(UNSAFE);
    expect(text).toContain("  status: closed  (escalated to field_service at 2024-01-01T09:50:00.000Z)");
    expect(text).toContain("  respond by 2024-01-01T11:00:00.000Z: met, 1h 50m to spare");
    expect(text).toContain("  resolve by 2024-01-02T09:00:00.000Z: met, 23h 5m to spare");
    expect(text).toContain("    root cause: splitter loose\\u001b[1A");
    expect(text).toContain("    verified by run run_fix0001");
    expect(text).toContain("the customer confirmed it works, satisfaction 4/5");
    expect(text).toContain("    note: works\\nthanks");
    expect(text).toMatch(/2024-01-01T09:50:00.000Z {2}eve\\u001b\[1A\\u001b\[2K\\r {2}escalate {2}diagnosing -> escalated {2}\(to=field_service\)/);
    expect(text).toContain("what fixed WAN_LINK_DOWN last time (1 resolved ticket):");
    expect(text).toContain("  tk_BBBBBBBBBBBB  resolved 2023-12-31T10:00:00.000Z  verified  satisfaction 5/5");
    expect(text).toContain("    fix: swapped the port\\u001b]52;c;ZXZpbA==\\u0007");
  });

  test("no history and no knowledge said plainly", () => {
    expect(formatHistory([]).text).toBe("  (no changes yet)");
    expect(formatKnowledge("WAN_LINK_DOWN", [], 0).text).toBe("no resolved ticket with cause WAN_LINK_DOWN yet");
  });
});
