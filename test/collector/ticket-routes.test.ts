// The lifecycle routes' edges on a real collector with the collector's clock in the test's hand:
// refusals are 409 with the state machine's code and audited as denied, bad input is 400, unknown
// tickets 404; the list filters and sorts by deadline as the clock moves, every ticket carries its
// deadlines; verify and comparison say clearly when there is nothing to verify or compare.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Ticket, TicketWithRuns } from "../../shared/api.js";
import { HttpClientError } from "../../shared/http-client.js";
import { Knowledge, TicketHistoryEntry } from "../../shared/ticket.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

const T0 = Date.UTC(2024, 5, 3, 8, 0, 0);
const MIN = 60_000;
let clock = T0;
let col: TestCollector;

const AuditRows = z.array(z.object({ action: z.string(), outcome: z.string(), detail: z.record(z.string(), z.unknown()).optional() }).loose());

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, "expected the API to refuse").toBeInstanceOf(HttpClientError);
  return { status: (e as HttpClientError).status, code: (e as HttpClientError).code };
}

const newTicket = (severity: "general" | "important" | "severe", symptom = "down") =>
  col.api("/api/tickets", Ticket, { body: { customer: { name: "Wang", contact: "+86 138 0000 0000" }, service: "Fiber", symptom, severity } });

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 }, { now: () => clock });
});
afterAll(async () => col?.close());

describe("actions", () => {
  test("refusals are 409 with the state machine's code, audited as denied with it; nothing changes", async () => {
    const t = await newTicket("general");
    const post = (action: string, body: unknown) => col.api(`/api/tickets/${t.id}/${action}`, Ticket, { body });
    expect(await refusal(post("close", { outcome: "confirmed", satisfaction: 3 }))).toEqual({ status: 409, code: "ILLEGAL_TRANSITION" });
    expect(await refusal(post("reopen", { note: "x" }))).toEqual({ status: 409, code: "ILLEGAL_TRANSITION" });
    expect(await refusal(post("resolve", { rootCause: "r", fix: "f" }))).toEqual({ status: 409, code: "VERIFICATION_REQUIRED" });
    const waiting = await post("status", { to: "waiting_customer", note: "customer reboots the modem" });
    expect(waiting).toMatchObject({ status: "waiting_customer", firstResponseAt: T0 });
    expect(waiting.deadlines?.respond).toMatchObject({ metAt: T0, overdue: false });
    expect(await refusal(post("status", { to: "waiting_customer" }))).toEqual({ status: 409, code: "NO_CHANGE" });
    const resolved = await post("resolve", { rootCause: "modem hung", fix: "restarted", unverifiedReason: "fixed on the call, no agent" });
    expect(resolved).toMatchObject({ status: "resolved", resolution: { unverifiedReason: "fixed on the call, no agent" } });
    expect(resolved.resolution?.verificationRunId).toBeUndefined();
    await post("close", { outcome: "unreachable", note: "called twice" });
    expect(await refusal(post("status", { to: "diagnosing" }))).toEqual({ status: 409, code: "TICKET_CLOSED" });
    expect(await refusal(post("escalate", { to: "second_line" }))).toEqual({ status: 409, code: "TICKET_CLOSED" });
    expect((await col.api(`/api/tickets/${t.id}`, Ticket)).status).toBe("closed");

    const audit = await col.api(`/api/audit?ticketId=${t.id}&limit=100`, AuditRows);
    const denied = audit.filter((a) => a.outcome === "denied").map((a) => `${a.action}:${String(a.detail?.code)}`).reverse();
    expect(denied).toEqual(["ticket.close:ILLEGAL_TRANSITION", "ticket.reopen:ILLEGAL_TRANSITION", "ticket.resolve:VERIFICATION_REQUIRED", "ticket.set_status:NO_CHANGE", "ticket.set_status:TICKET_CLOSED", "ticket.escalate:TICKET_CLOSED"]);
    expect(audit.filter((a) => a.outcome === "ok" && a.action.startsWith("ticket.") && !["ticket.create", "ticket.read"].includes(a.action)).map((a) => a.action).reverse()).toEqual(["ticket.set_status", "ticket.resolve", "ticket.close"]);
    const history = await col.api(`/api/tickets/${t.id}/history`, z.array(TicketHistoryEntry));
    expect(history.map((h) => h.action)).toEqual(["set_status", "resolve", "close"]);
    expect(history[0]).toMatchObject({ note: "customer reboots the modem", at: T0 });
  });

  test("bad bodies are 400 and name the problem; unknown tickets 404; nothing is audited as a transition", async () => {
    const t = await newTicket("general");
    const bad: [string, unknown][] = [
      ["status", { to: "resolved" }],
      ["status", { to: "diagnosing", extra: 1 }],
      ["escalate", { to: "the_moon" }],
      ["resolve", { rootCause: "", fix: "f" }],
      ["close", { outcome: "confirmed", satisfaction: 6 }],
      ["reopen", {}],
      ["status", { to: "diagnosing", note: "evil\u001b[2J" }],
      ["verify", { pickupTimeoutS: 1 }],
    ];
    for (const [action, body] of bad) expect(await refusal(col.api(`/api/tickets/${t.id}/${action}`, Ticket, { body })), `${action} ${JSON.stringify(body)}`).toEqual({ status: 400, code: "INVALID_BODY" });
    expect(await refusal(col.api("/api/tickets/tk_missing0001/status", Ticket, { body: { to: "diagnosing" } }))).toEqual({ status: 404, code: "NOT_FOUND" });
    expect(await refusal(col.api("/api/tickets/tk_missing0001/history", Ticket))).toEqual({ status: 404, code: "NOT_FOUND" });
    expect(await refusal(col.api(`/api/tickets/${t.id}/handover?format=pdf`, Ticket))).toEqual({ status: 400, code: "INVALID_QUERY" });
    expect(await refusal(col.api("/api/knowledge/not-a-cause", Knowledge))).toEqual({ status: 400, code: "INVALID_CAUSE" });
    expect(await refusal(col.api("/api/knowledge/WAN_LINK_DOWN?limit=0", Knowledge))).toEqual({ status: 400, code: "INVALID_QUERY" });
    const audit = await col.api(`/api/audit?ticketId=${t.id}&limit=100`, AuditRows);
    expect(audit.map((a) => a.action)).toEqual(["ticket.create"]);
  });

  test("nothing to verify or compare yet: 409 NO_FAILING_RUN, 404 NO_COMPARISON", async () => {
    const t = await newTicket("important");
    expect(await refusal(col.api(`/api/tickets/${t.id}/verify`, Ticket, { body: {} }))).toEqual({ status: 409, code: "NO_FAILING_RUN" });
    expect(await refusal(col.api(`/api/tickets/${t.id}/comparison`, Ticket))).toEqual({ status: 404, code: "NO_COMPARISON" });
    expect(await refusal(col.api(`/api/tickets/${t.id}/comparison?before=run_elsewhere1`, Ticket))).toEqual({ status: 404, code: "NOT_FOUND" });
    expect(await col.api(`/api/knowledge/WAN_LINK_DOWN`, Knowledge)).toEqual({ cause: "WAN_LINK_DOWN", tickets: [], total: 0 });
  });
});

describe("the list as the clock moves", () => {
  test("deadlines stamped by severity (defaults), every listed ticket carries them, overdue filter and deadline sort follow the clock", async () => {
    clock = T0 + 1000 * MIN;
    const start = clock;
    // One millisecond apart, so "created" has an order to show.
    const general = await newTicket("general", "slow evenings"); // respond in 4 h
    clock++;
    const severe = await newTicket("severe", "all down"); // respond in 30 min
    clock++;
    const important = await newTicket("important", "drops"); // respond in 2 h
    expect(severe.respondBy - severe.createdAt).toBe(30 * MIN);
    expect(important.resolveBy - important.createdAt).toBe(24 * 60 * MIN);
    const ids = new Set([general.id, severe.id, important.id]);
    const list = async (q: string) => (await col.api(`/api/tickets?${q}`, z.array(Ticket))).filter((t) => ids.has(t.id));

    const sorted = await list("sort=deadline&status=new");
    expect(sorted.map((t) => t.symptom)).toEqual(["all down", "drops", "slow evenings"]);
    expect(sorted.every((t) => t.deadlines !== undefined && t.deadlines.respond.leftMs === t.respondBy - clock)).toBe(true);
    expect(await list("overdue=1")).toEqual([]);

    clock = start + 31 * MIN;
    const overdue = await list("overdue=1");
    expect(overdue.map((t) => t.symptom)).toEqual(["all down"]);
    expect(overdue[0]?.deadlines?.respond).toMatchObject({ overdue: true, leftMs: -MIN + 1 });

    // Answering the severe one meets its response deadline: it drops out of the overdue list, and the
    // next deadline it has (resolve in 8 h) sorts it after the ones still waiting for a first response.
    await col.api(`/api/tickets/${severe.id}/status`, Ticket, { body: { to: "diagnosing" } });
    expect(await list("overdue=1")).toEqual([]);
    expect((await list("sort=deadline")).map((t) => t.symptom)).toEqual(["drops", "slow evenings", "all down"]);
    expect((await list("sort=created")).map((t) => t.symptom)).toEqual(["drops", "all down", "slow evenings"]);

    clock = start + 121 * MIN;
    expect((await list("overdue=1&severity=important,general")).map((t) => t.symptom)).toEqual(["drops"]);
    const one = await col.api(`/api/tickets/${important.id}`, TicketWithRuns);
    expect(one.deadlines?.respond).toMatchObject({ overdue: true, leftMs: -MIN + 2 });
    expect(await refusal(col.api("/api/tickets?overdue=yes", z.array(Ticket)))).toEqual({ status: 400, code: "INVALID_QUERY" });
  });
});
