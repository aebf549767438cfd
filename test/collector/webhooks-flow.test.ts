// A ticket system connected both ways, on a real collector (SQLite file, HTTP, WebSocket) with a
// real-link agent and a real webhook receiver on loopback that verifies every signature: the system
// opens a ticket by its own id (twice: idempotent), requests a run with its integration token, gets
// run.finished with the verdict, an engineer escalates and the hand-over arrives; the admin reads the
// delivery log and redelivers; the collector restarts while deliveries wait and none is lost.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Run, Ticket, TicketWithRuns, TokenCreated } from "../../shared/api.js";
import { Handover } from "../../shared/ticket.js";
import { WebhookDelivery, WebhookDeliveryDetail, type WebhookBody } from "../../shared/webhooks.js";
import { WebhooksConfig } from "../../collector/webhooks/config.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { startWebhookReceiver, type Accepted, type WebhookReceiver } from "../helpers/webhook-receiver.js";
import { LINE_DOWN } from "./tickets/desk-fixtures.js";
import { answerRuns } from "../helpers/answer-runs.js";

const SECRET = "whsec-flow-0123456789abcdef0123456789abcdef";
const HOUR = 3_600_000;
const AuditRows = z.array(z.object({ actor: z.string(), action: z.string(), outcome: z.string(), ticketId: z.string().optional(), detail: z.record(z.string(), z.unknown()).optional() }).loose());

let dir: string;
let col: TestCollector;
let receiver: WebhookReceiver;
let agent: FakeAgent | undefined;
/** The collector's (and the receiver's) clock runs this far ahead of the real one after the restart. */
let offset = 0;
let crm: { id: string; token: string };
let alice: string;
let ticket: Ticket;

async function call(method: "GET" | "POST", path: string, token: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${col.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}


function received<T extends WebhookBody["type"]>(type: T, pred: (b: Extract<WebhookBody, { type: T }>) => boolean = () => true): Promise<Extract<WebhookBody, { type: T }>> {
  const match = (a: Accepted) => a.body.type === type && pred(a.body as Extract<WebhookBody, { type: T }>);
  return receiver.waitFor((all) => all.some(match)).then((all) => all.find(match)!.body as Extract<WebhookBody, { type: T }>);
}

const intake = { customer: { name: "Wang Fang", contact: "+86 138 0013 8000", site: "Bldg 3" }, service: "Fiber 300M", symptom: "internet down since 9:00", severity: "important", externalId: "INC0012345" };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-webhook-flow-"));
  const secretFile = join(dir, "crm.secret");
  await writeFile(secretFile, SECRET, { mode: 0o600 });
  receiver = await startWebhookReceiver({ secret: SECRET, nowS: () => Math.floor((Date.now() + offset) / 1000) });
  // Retries 10 minutes apart: nothing is retried by the first process in this test's time, so what
  // arrives after the restart was sent by the restarted collector.
  const webhooks = WebhooksConfig.parse({ targets: [{ name: "crm", url: receiver.url, secretFile, tickets: "external" }], retry: { firstDelayMs: 600_000 } });
  col = await startTestCollector({ heartbeatMs: 60_000, webhooks }, { now: () => Date.now() + offset });
  crm = await col.api("/api/tokens", TokenCreated, { body: { name: "crm", role: "integration" } });
  alice = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
});

afterAll(async () => {
  await agent?.stop();
  await col?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a ticket system connected both ways", () => {
  test("opens a ticket by its own id (idempotent), requests a run, gets the verdict and the escalation's hand-over by webhook", { timeout: 60_000 }, async () => {
    const first = await call("POST", "/api/tickets", crm.token, intake);
    expect(first.status).toBe(201);
    ticket = Ticket.parse(first.json);
    expect(ticket).toMatchObject({ externalId: "INC0012345", status: "new", createdBy: "crm", customer: intake.customer });
    // The same request again (a retry after a lost answer): the same ticket, 200.
    const again = await call("POST", "/api/tickets", crm.token, intake);
    expect(again.status).toBe(200);
    expect(Ticket.parse(again.json).id).toBe(ticket.id);
    // The same id with another intake: refused, and it says which ticket has it.
    const clash = await call("POST", "/api/tickets", crm.token, { ...intake, symptom: "slow" });
    expect(clash.status).toBe(409);
    expect(clash.json).toMatchObject({ error: { code: "EXTERNAL_ID_CONFLICT" } });
    expect(JSON.stringify(clash.json)).toContain(ticket.id);
    const found = await call("GET", "/api/tickets?externalId=INC0012345", crm.token);
    expect(z.array(Ticket).parse(found.json).map((t) => t.id)).toEqual([ticket.id]);

    // The customer's agent is enrolled for the ticket (an engineer reads them the code).
    const [creds] = await enrollAgents(col.url, alice, 1, ticket.id);
    agent = startFakeAgent({ url: col.url, creds: creds!, onFrame: answerRuns(() => agent!, LINE_DOWN) });
    await agent.opened();
    const withAgent = TicketWithRuns.parse((await call("GET", `/api/tickets/${ticket.id}`, crm.token)).json);
    expect(withAgent.agentId).toBe(creds!.agentId);

    // The ticket system requests the diagnosis on its ticket's agent.
    const requested = await call("POST", "/api/runs", crm.token, { ticketId: ticket.id, agentId: withAgent.agentId, checks: ["snmp", "path"] });
    expect(requested.status).toBe(201);
    const run = Run.parse(requested.json);
    const finished = await received("run.finished", (b) => b.data.runId === run.id);
    expect(finished).toMatchObject({ ticketId: ticket.id, externalId: "INC0012345", data: { state: "completed", offline: false, verdict: { segment: "wan", cause: "WAN_LINK_DOWN" } } });

    // An engineer escalates: the hand-over goes to the ticket system.
    const esc = await call("POST", `/api/tickets/${ticket.id}/escalate`, alice, { to: "field_service", note: "line down at the cabinet?" });
    expect(esc.status).toBe(200);
    const escalated = await received("ticket.escalated");
    expect(escalated).toMatchObject({ ticketId: ticket.id, externalId: "INC0012345", data: { by: "alice", from: "diagnosing", team: "field_service", note: "line down at the cabinet?" } });
    const h = escalated.data.handover;
    expect(h).toMatchObject({ ticketId: ticket.id, to: "field_service", escalatedBy: "alice", customer: intake.customer, verdict: { runId: run.id, cause: "WAN_LINK_DOWN" } });
    expect(h.steps.length).toBe(Object.keys(LINE_DOWN()).length);
    // The same hand-over the ticket system may read over the API.
    const read = Handover.parse((await call("GET", `/api/tickets/${ticket.id}/handover`, crm.token)).json);
    expect({ ...read, deadlines: undefined }).toEqual({ ...h, deadlines: undefined });

    // Every signature verified; every trigger by the integration audited under its token.
    expect(receiver.requests.every((r) => r.verified.ok)).toBe(true);
    const audit = AuditRows.parse(await col.api(`/api/audit?actor=${encodeURIComponent(`token:${crm.id}:crm`)}&limit=100`, z.unknown()));
    const actions = audit.map((a) => `${a.action}:${a.outcome}`);
    expect(actions.filter((a) => a === "ticket.create:ok")).toHaveLength(2);
    expect(actions).toEqual(expect.arrayContaining(["ticket.create:denied", "run.request:ok", "ticket.diagnosis_triggered:ok", "ticket.read:ok", "ticket.handover:ok"]));
    expect(audit.find((a) => a.action === "ticket.create" && a.detail?.existing === true)?.ticketId).toBe(ticket.id);
  });

  test("the integration touches only tickets opened with an externalId, runs only its ticket's agent, and nothing else", async () => {
    const inside = await call("POST", "/api/tickets", alice, { customer: { name: "Li Lei", contact: "+86 139 0000 0000" }, service: "Fiber", symptom: "slow" });
    const other = Ticket.parse(inside.json);
    expect(other.externalId).toBeUndefined();
    for (const path of [`/api/tickets/${other.id}`, `/api/tickets/${other.id}/handover`]) expect((await call("GET", path, crm.token)).status, path).toBe(404);
    const list = z.array(Ticket).parse((await call("GET", "/api/tickets", crm.token)).json);
    expect(list.map((t) => t.id)).toEqual([ticket.id]);
    expect((await call("POST", "/api/runs", crm.token, { ticketId: other.id, agentId: ticket.agentId ?? agent!.agentId, checks: ["host"] })).status).toBe(404);
    // Another customer's agent on its own ticket: refused.
    const [stranger] = await enrollAgents(col.url, alice, 1);
    const wrongAgent = await call("POST", "/api/runs", crm.token, { ticketId: ticket.id, agentId: stranger!.agentId, checks: ["host"] });
    expect(wrongAgent.status).toBe(403);
    // Not its routes at all.
    expect((await call("POST", `/api/tickets/${ticket.id}/resolve`, crm.token, { rootCause: "x", fix: "y", unverifiedReason: "z" })).status).toBe(403);
    expect((await call("GET", "/api/agents", crm.token)).status).toBe(403);
    expect((await call("GET", "/api/webhooks/deliveries", crm.token)).status).toBe(403);
    const denied = AuditRows.parse(await col.api(`/api/audit?actor=${encodeURIComponent(`token:${crm.id}:crm`)}&action=auth.forbidden&limit=100`, z.unknown()));
    expect(denied.map((a) => a.detail?.route)).toEqual(
      expect.arrayContaining(["GET /api/tickets/:id", "GET /api/tickets/:id/handover", "POST /api/runs", "POST /api/tickets/:id/resolve", "GET /api/agents"]),
    );
  });

  test("the admin reads the delivery log and redelivers (audited): the same event under a new delivery id", async () => {
    const delivered = async () => z.array(WebhookDelivery).parse(await col.api(`/api/webhooks/deliveries?ticketId=${ticket.id}&status=delivered`, z.unknown()));
    // Recorded right after the receiver's answer, which the first test waited for.
    await expect.poll(async () => (await delivered()).map((d) => d.type).sort(), { timeout: 20_000 }).toEqual(["run.finished", "ticket.escalated"]);
    const list = await delivered();
    const esc = list.find((d) => d.type === "ticket.escalated")!;
    const detail = WebhookDeliveryDetail.parse(await col.api(`/api/webhooks/deliveries/${esc.id}`, z.unknown()));
    expect(detail).toMatchObject({ target: "crm", externalId: "INC0012345", status: "delivered", attempts: 1, attemptLog: [{ n: 1, statusCode: 204 }] });
    expect((JSON.parse(detail.body) as { id: string }).id).toBe(esc.eventId);

    const again = WebhookDelivery.parse(await col.api(`/api/webhooks/deliveries/${esc.id}/redeliver`, z.unknown(), { method: "POST" }));
    expect(again).toMatchObject({ eventId: esc.eventId, redeliveryOf: esc.id, status: "pending" });
    await receiver.waitFor((all) => all.some((a) => a.delivery === again.id));
    expect(receiver.accepted.find((a) => a.delivery === again.id)!.raw).toBe(detail.body);
    const audit = AuditRows.parse(await col.api("/api/audit?action=webhook.redeliver", z.unknown()));
    expect(audit[0]).toMatchObject({ outcome: "ok", ticketId: ticket.id, detail: { delivery: esc.id, redelivery: again.id } });
  });

  test("a restart while deliveries wait for their retry loses none: the restarted collector sends them", { timeout: 60_000 }, async () => {
    await receiver.stop();
    const before = receiver.accepted.length;
    expect((await call("POST", `/api/tickets/${ticket.id}/resolve`, alice, { rootCause: "splitter loose at the cabinet", fix: "re-seated it", unverifiedReason: "the customer confirmed on the phone" })).status).toBe(200);
    expect((await call("POST", `/api/tickets/${ticket.id}/close`, alice, { outcome: "confirmed", satisfaction: 5 })).status).toBe(200);
    const waiting = async () => z.array(WebhookDelivery).parse(await col.api(`/api/webhooks/deliveries?ticketId=${ticket.id}&status=pending`, z.unknown()));
    await expect.poll(async () => (await waiting()).filter((d) => d.attempts === 1).length, { timeout: 20_000 }).toBe(2);
    for (const d of await waiting()) expect(d.lastError).toMatch(/^ECONNREFUSED/);

    // The receiver is back; the collector restarts an hour later, when the retries are due.
    await receiver.restart();
    offset += HOUR;
    await col.restart();
    const [resolved, closed] = await Promise.all([received("ticket.resolved"), received("ticket.closed")]);
    expect(resolved.data.resolution).toMatchObject({ rootCause: "splitter loose at the cabinet", fix: "re-seated it" });
    expect(closed.data.confirmation).toEqual({ outcome: "confirmed", satisfaction: 5 });
    expect(receiver.accepted.length).toBe(before + 2);
    // The receiver has them; the collector records each attempt right after the answer.
    const all = async () => z.array(WebhookDelivery).parse(await col.api(`/api/webhooks/deliveries?ticketId=${ticket.id}`, z.unknown()));
    await expect.poll(async () => (await all()).filter((d) => d.status !== "delivered").length, { timeout: 20_000 }).toBe(0);
    expect((await all()).filter((d) => d.type === "ticket.resolved" || d.type === "ticket.closed").map((d) => d.attempts)).toEqual([2, 2]);
  });
});
