// The escalation hand-over built from a real failing run: every step already checked with its result,
// the verdict with its evidence, the deadlines, who escalated to whom; the customer as the reader's
// role may see them (the redaction rules of collector/auth/redact.ts); secrets scrubbed; and the text
// form with every control character escaped.
import { describe, expect, test } from "vitest";
import type { Role, Ticket } from "../../../shared/api.js";
import { Handover, type TicketHistoryEntry } from "../../../shared/ticket.js";
import { maskContact, PERSONAL_DATA_POLICY, redactTicket } from "../../../collector/auth/redact.js";
import { buildHandover, handoverText, span } from "../../../collector/tickets/handover.js";
import { step } from "../../agent/verdict/fixtures.js";
import { LINE_DOWN, REPAIRED, runOf } from "./desk-fixtures.js";

const T0 = Date.UTC(2024, 2, 1, 9, 0, 0);
const MIN = 60_000;

const ticket: Ticket = {
  id: "tk_desk000001",
  customer: { name: "Wang Fang", contact: "+86 138 0013 8000", site: "Bldg 3, Flat 502" },
  service: "Fiber 300M",
  symptom: "internet down since 9:00",
  startedAt: "today 9:00",
  alreadyTried: "restarted the PC",
  category: "network",
  severity: "severe",
  status: "escalated",
  createdAt: T0,
  createdBy: "alice",
  respondBy: T0 + 30 * MIN,
  resolveBy: T0 + 480 * MIN,
  firstResponseAt: T0 + 5 * MIN,
  escalatedTo: "field_service",
  escalatedAt: T0 + 40 * MIN,
};

const history: TicketHistoryEntry[] = [
  { at: T0 + 5 * MIN, actor: "alice", action: "diagnosis_triggered", from: "new", to: "diagnosing", detail: { runId: "run_fail0001" } },
  { at: T0 + 40 * MIN, actor: "alice", action: "escalate", from: "diagnosing", to: "escalated", note: "line down at the DSLAM side?", detail: { to: "field_service" } },
];

const failing = runOf("run_fail0001", T0 + 5 * MIN, LINE_DOWN());
const cancelled = runOf("run_cancel01", T0 + 2 * MIN, { host: REPAIRED().host!, snmp: step("snmp", "skipped") }, { state: "cancelled", verdict: null });
const build = (role: Role, runs = [cancelled, failing], t = ticket) => buildHandover({ ticket: t, runs, history, role, now: T0 + 60 * MIN });

describe("buildHandover", () => {
  test("symptom, intake, every step checked (oldest run first), the verdict with evidence, deadlines, to whom and by whom", () => {
    const h = Handover.parse(build("engineer"));
    expect(h).toMatchObject({
      ticketId: "tk_desk000001",
      to: "field_service",
      escalatedAt: T0 + 40 * MIN,
      escalatedBy: "alice",
      status: "escalated",
      severity: "severe",
      symptom: "internet down since 9:00",
      alreadyTried: "restarted the PC",
      service: "Fiber 300M",
      note: "line down at the DSLAM side?",
    });
    expect(h.steps.map((s) => `${s.runId}:${s.check}:${s.status}`)).toEqual([
      "run_cancel01:host:ok",
      "run_cancel01:snmp:skipped",
      ...["host:ok", "gateway:ok", "dhcp:ok", "dns:fail", "path:fail", "service:fail", "snmp:fail"].map((x) => `run_fail0001:${x}`),
    ]);
    expect(h.steps.find((s) => s.runId === "run_fail0001" && s.check === "snmp")?.findings).toEqual([expect.stringMatching(/^WAN_LINK_DOWN: /)]);
    expect(h.steps[1]?.findings).toEqual(["not measured: not measured in this case"]);
    expect(h.verdict).toMatchObject({ runId: "run_fail0001", segment: "wan", cause: "WAN_LINK_DOWN" });
    expect(h.verdict?.evidence.some((e) => e.startsWith("snmp WAN_LINK_DOWN"))).toBe(true);
    expect(h.verdict?.nextSteps.length).toBeGreaterThan(0);
    expect(h.deadlines.respond).toMatchObject({ metAt: T0 + 5 * MIN, overdue: false });
    expect(h.deadlines.resolve).toMatchObject({ leftMs: 420 * MIN, overdue: false });
    expect(h.history).toEqual(history);
  });

  test("the customer as the reader's role may see them: the record rules of redact.ts, masked where the policy says so", () => {
    expect(build("engineer").customer).toEqual(ticket.customer);
    for (const role of ["admin", "engineer", "technician"] as const) expect(build(role).customer).toEqual(redactTicket(role, "record", ticket).customer);
    // The hand-over follows the policy, wherever it is changed: with contacts withheld from technicians,
    // a technician's hand-over masks the contact as every other read does.
    const saved = { ...PERSONAL_DATA_POLICY.technician };
    const policy = PERSONAL_DATA_POLICY as Record<Role, { name: boolean; contactOnRecord: boolean; site: boolean }>;
    try {
      policy.technician = { ...saved, contactOnRecord: false };
      const h = build("technician");
      expect(h.customer.contact).toBe(maskContact(ticket.customer.contact));
      expect(h.customer.contact).not.toBe(ticket.customer.contact);
      expect(handoverText(h)).not.toContain(ticket.customer.contact);
      expect(build("engineer").customer.contact).toBe(ticket.customer.contact);
    } finally {
      policy.technician = saved;
    }
  });

  test("equipment secrets an agent reported are scrubbed, as in every response", () => {
    const leaky = runOf("run_leaky001", T0 + 6 * MIN, {
      snmp: { ...step("snmp", "error"), status: "error", error: { code: "SNMP_AUTH", message: "auth failed for password=hunter2" } } as never,
    }, { verdict: null });
    const h = build("engineer", [leaky]);
    expect(JSON.stringify(h)).not.toContain("hunter2");
    expect(handoverText(h)).not.toContain("hunter2");
  });

  test("no completed run: no verdict, the steps checked so far", () => {
    const h = build("engineer", [cancelled]);
    expect(h.verdict).toBeUndefined();
    expect(handoverText(h)).toContain("Verdict: none yet");
  });
});

describe("handoverText", () => {
  test("plain text with the intake, the deadlines, the verdict, every step and the history", () => {
    const text = handoverText(build("engineer"));
    console.log(`[handover] text:\n${text}`);
    expect(text).toMatch(/^HAND-OVER of ticket tk_desk000001 to field_service at 2024-03-01T09:40:00Z by alice$/m);
    expect(text).toContain("Customer: Wang Fang, contact: +86 138 0013 8000, site: Bldg 3, Flat 502");
    expect(text).toContain("Deadlines: respond by 2024-03-01T09:30:00Z: met at 2024-03-01T09:05:00Z; resolve by 2024-03-01T17:00:00Z: 7h 0m left");
    expect(text).toMatch(/^Verdict \(run run_fail0001\): wan \/ WAN_LINK_DOWN: /m);
    expect(text).toMatch(/^ {2}run_fail0001 snmp {6}fail .* WAN_LINK_DOWN: /m);
    expect(text).toMatch(/^ {2}2024-03-01T09:40:00Z alice escalate diagnosing -> escalated: line down at the DSLAM side\?$/m);
    expect(text.split("\n").filter((l) => l.startsWith("  run_")).length).toBe(9);
  });

  test("every control character is escaped: nothing in a field can forge a line or act on a terminal", () => {
    const hostile: Ticket = { ...ticket, symptom: "down\nHistory:\n  forged line\u001b[2J", customer: { ...ticket.customer, name: "Wang\u202eFang\r" } };
    const evil = runOf("run_evil0001", T0 + 7 * MIN, {
      host: { ...REPAIRED().host!, status: "warn", findings: [{ code: "WIFI_WEAK_SIGNAL", severity: "warn", message: "weak\u001b]0;owned\u0007 \u009b31m" }] } as never,
    });
    const text = handoverText(build("engineer", [evil], hostile));
    // Only C0 line feeds of the text's own layout; no ESC, BEL, CR, C1 or bidi characters.
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain("Symptom: down\\nHistory:\\n  forged line\\u001b[2J");
    expect(text).toContain("Customer: Wang\\u202eFang\\r,");
    expect(text).toContain("weak\\u001b]0;owned\\u0007 \\u009b31m");
    expect(text.split("\n").filter((l) => l === "History:")).toHaveLength(1);
  });

  test("spans", () => {
    expect([span(0), span(59_000), span(90_000), span(2 * 3_600_000 + 5 * MIN), span(-3 * 86_400_000)]).toEqual(["0s", "59s", "1m 30s", "2h 5m", "3d 0h"]);
  });
});
