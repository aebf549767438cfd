// A whole support case through the API alone, on a real collector (SQLite file, HTTP, WebSocket) with
// a real-link agent that reports real step results: intake with deadlines from the configured policy
// -> diagnosis (the line is down) -> escalation with the hand-over (JSON and text, a technician's copy)
// -> verify after the repair -> the comparison shows what was fixed -> resolve -> close with the
// customer's confirmation -> a second ticket with the same cause finds the fix; every step audited.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Run, Ticket, TicketWithRuns, TokenCreated } from "../../shared/api.js";
import { HttpClientError } from "../../shared/http-client.js";
import { Handover, Knowledge, RunComparison, TicketHistoryEntry } from "../../shared/ticket.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { LINE_DOWN, REPAIRED, type Steps } from "./tickets/desk-fixtures.js";
import { answerRuns } from "../helpers/answer-runs.js";

const MIN = 60_000;
const AuditRows = z.array(z.object({ action: z.string(), outcome: z.string(), ticketId: z.string().optional(), runId: z.string().optional(), detail: z.record(z.string(), z.unknown()).optional() }).loose());

let col: TestCollector;
let agent: FakeAgent | undefined;
let technician: string;
/** What the site looks like when the next run request arrives. */
let site: () => Steps = LINE_DOWN;


async function completed(runId: string): Promise<Run> {
  await expect.poll(async () => (await col.api(`/api/runs/${runId}`, Run)).state, { timeout: 20_000 }).toBe("completed");
  return col.api(`/api/runs/${runId}`, Run);
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, "expected the API to refuse").toBeInstanceOf(HttpClientError);
  return { status: (e as HttpClientError).status, code: (e as HttpClientError).code };
}

beforeAll(async () => {
  // The ISP's own policy: severe tickets answered within 15 minutes, fixed within 4 hours.
  col = await startTestCollector({ heartbeatMs: 60_000, deadlines: { severe: { respondMs: 15 * MIN, resolveMs: 240 * MIN } } });
  technician = (await col.api("/api/tokens", TokenCreated, { body: { name: "tom", role: "technician" } })).token;
});
afterAll(async () => {
  await agent?.stop();
  await col?.close();
});

describe("a support case through the API alone", () => {
  test("intake, diagnosis, escalation, verify, resolve, close, knowledge", { timeout: 90_000 }, async () => {
    // 1. Intake: the deadlines come from the configured policy; every ticket in a response carries them.
    const ticket = await col.api("/api/tickets", Ticket, {
      body: { customer: { name: "Wang Fang", contact: "+86 138 0013 8000", site: "Bldg 3" }, service: "Fiber 300M", symptom: "internet down since 9:00", severity: "severe" },
    });
    expect(ticket.status).toBe("new");
    expect([ticket.respondBy - ticket.createdAt, ticket.resolveBy - ticket.createdAt]).toEqual([15 * MIN, 240 * MIN]);
    expect(ticket.deadlines?.respond).toMatchObject({ due: ticket.respondBy, overdue: false });
    expect(ticket.deadlines!.respond.leftMs).toBeLessThanOrEqual(15 * MIN);

    // 2. Diagnosis: the customer's agent reports the line down.
    const [creds] = await enrollAgents(col.url, col.adminToken, 1, ticket.id);
    agent = startFakeAgent({ url: col.url, creds: creds!, onFrame: answerRuns(() => agent!, () => site()) });
    await agent.opened();
    const run = await col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId: creds!.agentId, checks: ["host", "gateway", "dhcp", "dns", "path", "service", "snmp"], params: { service: "https://shop.example/" } } });
    const diagnosing = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns);
    expect(diagnosing).toMatchObject({ status: "diagnosing", agentId: creds!.agentId });
    expect(diagnosing.firstResponseAt).toBeDefined();
    expect(diagnosing.deadlines?.respond.metAt).toBe(diagnosing.firstResponseAt);
    const failing = await completed(run.id);
    expect(failing.verdict).toMatchObject({ segment: "wan", cause: "WAN_LINK_DOWN" });
    expect((await col.api(`/api/tickets/${ticket.id}`, Ticket)).lastVerdict).toEqual({ runId: run.id, segment: "wan", cause: "WAN_LINK_DOWN" });
    const byCause = await col.api("/api/tickets?cause=WAN_LINK_DOWN&status=diagnosing", z.array(Ticket));
    expect(byCause.map((t) => t.id)).toEqual([ticket.id]);
    expect(byCause[0]?.deadlines).toBeDefined();

    // Resolving now is refused: no healthy run verifies a fix yet.
    expect(await refusal(col.api(`/api/tickets/${ticket.id}/resolve`, Ticket, { body: { rootCause: "?", fix: "?" } }))).toEqual({ status: 409, code: "VERIFICATION_REQUIRED" });

    // 3. Escalation: one action returns the ticket and the hand-over.
    const esc = await col.api(`/api/tickets/${ticket.id}/escalate`, z.object({ ticket: Ticket, handover: Handover }), { body: { to: "field_service", note: "line down, DSLAM port?" } });
    expect(esc.ticket).toMatchObject({ status: "escalated", escalatedTo: "field_service" });
    expect(esc.ticket.deadlines).toBeDefined();
    expect(esc.handover).toMatchObject({ to: "field_service", escalatedBy: "bootstrap-admin", note: "line down, DSLAM port?", verdict: { runId: run.id, cause: "WAN_LINK_DOWN" } });
    expect(esc.handover.steps.map((s) => `${s.check}:${s.status}`)).toEqual(["host:ok", "gateway:ok", "dhcp:ok", "dns:fail", "path:fail", "service:fail", "snmp:fail"]);
    expect(esc.handover.customer.contact).toBe("+86 138 0013 8000");

    const textRes = await fetch(`${col.url}/api/tickets/${ticket.id}/handover?format=text`, { headers: { authorization: `Bearer ${col.adminToken}` } });
    expect(textRes.status).toBe(200);
    expect(textRes.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await textRes.text();
    expect(text).toMatch(new RegExp(`^HAND-OVER {2}ticket ${ticket.id} {2}to field_service {2}escalated .* by bootstrap-admin$`, "m"));
    expect(text).toMatch(/^ {2}run_\S+ {2}snmp +fail .*\n {6}WAN_LINK_DOWN/m);

    // The technician's copy shows the customer exactly as a technician's read of the ticket does.
    const asTech = { token: technician };
    const techHandover = await col.api(`/api/tickets/${ticket.id}/handover`, Handover, asTech);
    const techRead = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns, asTech);
    expect(techHandover.customer).toEqual(techRead.customer);
    const techList = await col.api("/api/tickets", z.array(Ticket), asTech);
    expect(techList.find((t) => t.id === ticket.id)?.customer.contact).not.toBe("+86 138 0013 8000");
    expect(await refusal(col.api(`/api/tickets/${ticket.id}/verify`, Run, { ...asTech, body: {} }))).toEqual({ status: 403, code: "FORBIDDEN" });

    // 4. The field technician repairs the line; the engineer verifies: the failing run's checks again.
    site = REPAIRED;
    const verify = await col.api(`/api/tickets/${ticket.id}/verify`, Run, { body: {} });
    expect(verify).toMatchObject({ agentId: creds!.agentId, checks: failing.checks, params: failing.params });
    expect((await col.api(`/api/tickets/${ticket.id}`, Ticket)).status).toBe("escalated");
    await completed(verify.id);

    // 5. The comparison: every check that failed is fixed, nothing still fails.
    const cmp = await col.api(`/api/tickets/${ticket.id}/comparison`, RunComparison);
    expect(cmp.before.runId).toBe(run.id);
    expect(cmp.after.runId).toBe(verify.id);
    expect(cmp.rows.filter((r) => r.change === "fixed").map((r) => r.check)).toEqual(["dns", "path", "service", "snmp"]);
    expect(cmp.rows.find((r) => r.check === "snmp")?.cleared).toEqual(["WAN_LINK_DOWN"]);
    expect(cmp.healthy).toBe(true);
    expect(await col.api(`/api/tickets/${ticket.id}/comparison?before=${run.id}&after=${verify.id}`, RunComparison)).toEqual(cmp);
    expect(await col.api(`/api/tickets/${ticket.id}/comparison?before=${run.id}`, RunComparison)).toEqual(cmp);
    // The other way round: what the repair changed, read backwards, is a new failure of each check.
    const backwards = await col.api(`/api/tickets/${ticket.id}/comparison?before=${verify.id}&after=${run.id}`, RunComparison);
    expect(backwards.rows.filter((r) => r.change === "new_failure").map((r) => r.check)).toEqual(["dns", "path", "service", "snmp"]);

    // 6. Resolve: verified by the healthy run, filed under the failing run's cause.
    const resolved = await col.api(`/api/tickets/${ticket.id}/resolve`, Ticket, { body: { rootCause: "DSLAM port card failed", fix: "moved the line to a spare port" } });
    expect(resolved).toMatchObject({ status: "resolved", resolution: { verificationRunId: verify.id, cause: "WAN_LINK_DOWN", segment: "wan", fix: "moved the line to a spare port" } });
    expect(resolved.deadlines?.resolve.metAt).toBe(resolved.resolvedAt);

    // 7. Close with the customer's confirmation (satisfaction required when confirmed).
    expect(await refusal(col.api(`/api/tickets/${ticket.id}/close`, Ticket, { body: { outcome: "confirmed" } }))).toEqual({ status: 409, code: "CONFIRMATION_INCOMPLETE" });
    const closed = await col.api(`/api/tickets/${ticket.id}/close`, Ticket, { body: { outcome: "confirmed", satisfaction: 5, note: "works again" } });
    expect(closed).toMatchObject({ status: "closed", confirmation: { outcome: "confirmed", satisfaction: 5 } });

    // A closed ticket takes no run (nothing stored), until it is reopened.
    const runsBefore = (await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs.length;
    expect(await refusal(col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId: creds!.agentId, checks: ["host"] } }))).toEqual({ status: 409, code: "TICKET_CLOSED" });
    expect(await refusal(col.api(`/api/tickets/${ticket.id}/verify`, Run, { body: {} }))).toEqual({ status: 409, code: "TICKET_CLOSED" });
    expect((await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs.length).toBe(runsBefore);

    const history = await col.api(`/api/tickets/${ticket.id}/history`, z.array(TicketHistoryEntry));
    expect(history.map((h) => `${h.action}:${h.from}->${h.to}`)).toEqual(["diagnosis_triggered:new->diagnosing", "escalate:diagnosing->escalated", "resolve:escalated->resolved", "close:resolved->closed"]);
    expect(history.every((h) => h.actor === "bootstrap-admin")).toBe(true);

    // 8. Knowledge: a second ticket diagnosed with the same cause finds what fixed it last time.
    site = LINE_DOWN;
    const second = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Li Wei", contact: "+86 139 0000 0001" }, service: "Fiber 100M", symptom: "no internet" } });
    const run2 = await col.api("/api/runs", Run, { body: { ticketId: second.id, agentId: creds!.agentId, checks: ["host", "gateway", "dhcp", "dns", "path", "service", "snmp"] } });
    await completed(run2.id);
    const cause = (await col.api(`/api/tickets/${second.id}`, Ticket)).lastVerdict?.cause;
    expect(cause).toBe("WAN_LINK_DOWN");
    const k = await col.api(`/api/knowledge/${cause}?excludeTicketId=${second.id}`, Knowledge);
    expect(k).toEqual({
      cause: "WAN_LINK_DOWN",
      total: 1,
      tickets: [{ ticketId: ticket.id, cause: "WAN_LINK_DOWN", segment: "wan", rootCause: "DSLAM port card failed", fix: "moved the line to a spare port", resolvedAt: resolved.resolvedAt, verified: true, satisfaction: 5 }],
    });
    expect((await col.api(`/api/knowledge/${cause}`, Knowledge, asTech)).total).toBe(1);

    // 9. Every transition and refusal is in the audit trail, with the refusal's code.
    const audit = await col.api(`/api/audit?ticketId=${ticket.id}&limit=1000`, AuditRows);
    const line = (a: z.infer<typeof AuditRows>[number]) => `${a.action}:${a.outcome}${a.outcome === "denied" ? `:${String(a.detail?.code)}` : ""}`;
    const seen = audit.map(line).reverse();
    expect(seen).toEqual(
      expect.arrayContaining([
        "ticket.diagnosis_triggered:ok",
        "ticket.resolve:denied:VERIFICATION_REQUIRED",
        "ticket.escalate:ok",
        "ticket.handover:ok",
        "ticket.comparison:ok",
        "ticket.resolve:ok",
        "ticket.close:denied:CONFIRMATION_INCOMPLETE",
        "ticket.close:ok",
        "ticket.diagnosis_triggered:denied:TICKET_CLOSED",
        "ticket.history:ok",
      ]),
    );
    expect(audit.find((a) => a.action === "run.request" && a.runId === verify.id)?.detail?.verifies).toBe(run.id);

    // Reopened, the ticket leaves the knowledge base and is diagnosed again.
    const reopened = await col.api(`/api/tickets/${ticket.id}/reopen`, Ticket, { body: { note: "down again this morning" } });
    expect(reopened).toMatchObject({ status: "diagnosing" });
    expect(reopened.resolution).toBeUndefined();
    expect((await col.api(`/api/knowledge/${cause}`, Knowledge)).total).toBe(0);
  });
});
