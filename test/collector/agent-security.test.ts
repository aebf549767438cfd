// Agents as principals, against a real collector (SQLite on disk, WebSocket on port 0): one-time
// enrollment codes, re-enrollment, revocation of a live connection, an agent can only act as itself,
// and hostile frames (oversized 1009, malformed 1008, repeat offenders blocked with 429 + audit).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Enrolled, EnrollmentCreated, Run, Ticket, TokenCreated } from "../../shared/api.js";
import { HttpClientError } from "../../shared/http-client.js";
import { CloseCode, MAX_FRAME_BYTES } from "../../shared/protocol.js";
import { hashSecret, randomEnrollmentCode } from "../../shared/secrets.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { connectRaw, connectRawOk } from "../helpers/raw-agent.js";

let col: TestCollector;
let engineer: string;
let technician: string;
let ticket: Ticket;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  technician = (await col.api("/api/tokens", TokenCreated, { body: { name: "tom", role: "technician" } })).token;
  ticket = await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Li", contact: "+86 1" }, service: "FTTH", symptom: "down" } });
});

afterAll(async () => {
  await col?.close();
});


async function enroll(code?: string): Promise<z.infer<typeof Enrolled>> {
  const c = code ?? (await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: { ticketId: ticket.id } })).code;
  return col.api("/api/agents/enroll", Enrolled, { body: { code: c, name: "pc", agentVersion: "test" } });
}

async function enrollError(code: string): Promise<HttpClientError> {
  const e = await enroll(code).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(HttpClientError);
  return e as HttpClientError;
}

/** A raw agent connection (no CollectorLink: we want to misbehave). Sends hello unless told not to. */
const connect = (agentId: string, secret: string, hello = true) => connectRaw(col.url, agentId, secret, hello);
const connectOk = (agentId: string, secret: string) => connectRawOk(col.url, agentId, secret);

async function counts() {
  const s = col.running.store;
  return { agents: (await s.listAgents()).length, runs: (await s.listRunsForTicket(ticket.id)).map((r) => `${r.id}:${r.state}:${r.steps.length}`).join(",") };
}

describe("enrollment codes are one-time credentials", () => {
  test("unknown, expired and replayed codes get 401, are audited, and create nothing", async () => {
    const good = (await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: {} })).code;
    await enroll(good);
    const expired = randomEnrollmentCode();
    await col.running.store.createEnrollmentCode(hashSecret(expired), Date.now() - 1, "test");
    const before = await counts();
    const auditBefore = (await col.running.store.listAudit({ action: "agent.enroll", limit: 1000 })).filter((a) => a.outcome === "denied").length;
    for (const [code, msg] of [["ZZZZZ-ZZZZZ", /not valid/], [expired, /was expired/], [good, /was used/]] as const) {
      const e = await enrollError(code);
      expect(e.status).toBe(401);
      expect(e.message).toMatch(msg);
    }
    expect(await counts()).toEqual(before);
    const denied = (await col.running.store.listAudit({ action: "agent.enroll", limit: 1000 })).filter((a) => a.outcome === "denied");
    expect(denied.length - auditBefore).toBe(3);
    expect(denied.map((a) => a.detail?.reason)).toEqual(expect.arrayContaining(["unknown", "expired", "used"]));
  });
});

describe("re-enrollment and revocation", () => {
  test("a re-enrollment code re-keys the same agent: old secret and its live connection stop working", async () => {
    const a = await enroll();
    const live = await connectOk(a.agentId, a.secret);
    // Technicians cannot make codes.
    await expect(col.api(`/api/agents/${a.agentId}/reenroll`, EnrollmentCreated, { token: technician, body: {} })).rejects.toMatchObject({ status: 403 });
    const { code } = await col.api(`/api/agents/${a.agentId}/reenroll`, EnrollmentCreated, { token: engineer, body: {} });
    expect(code.startsWith(`${a.agentId}.`)).toBe(true);
    // The agent id part is covered by the code's hash: pointing it at another agent makes it unknown.
    const other = await enroll();
    expect((await enrollError(code.replace(a.agentId, other.agentId))).status).toBe(401);

    const agentsBefore = (await col.running.store.listAgents()).length;
    const b = await enroll(code);
    expect(b.agentId).toBe(a.agentId);
    expect(b.secret).not.toBe(a.secret);
    expect(b.ticketId).toBe(ticket.id);
    expect((await col.running.store.listAgents()).length).toBe(agentsBefore);
    expect((await live.closed).code).toBe(CloseCode.replaced);
    expect(await connect(a.agentId, a.secret)).toMatchObject({ ok: false, status: 401 });
    const fresh = await connectOk(b.agentId, b.secret);
    fresh.ws.close();
    // One-time, like any code.
    expect((await enrollError(code)).message).toMatch(/was used/);
    expect((await col.running.store.listAudit({ action: "agent.reenroll", agentId: a.agentId })).map((x) => x.outcome)).toContain("ok");
  });

  test("revoking a connected agent closes its link with 4003; reconnecting gets 401 (audited); no re-enrollment after", async () => {
    const a = await enroll();
    const live = await connectOk(a.agentId, a.secret);
    await expect(col.api(`/api/agents/${a.agentId}/revoke`, z.object({ revoked: z.boolean() }), { token: engineer, body: {} })).rejects.toMatchObject({ status: 403 });
    await col.api(`/api/agents/${a.agentId}/revoke`, z.object({ revoked: z.boolean() }), { body: {} });
    expect((await live.closed).code).toBe(CloseCode.revoked);
    expect(await connect(a.agentId, a.secret)).toMatchObject({ ok: false, status: 401 });
    const denied = await col.running.store.listAudit({ action: "agent.connect", agentId: a.agentId });
    expect(denied.some((x) => x.outcome === "denied" && x.detail?.reason === "revoked")).toBe(true);
    await expect(col.api(`/api/agents/${a.agentId}/reenroll`, EnrollmentCreated, { token: engineer, body: {} })).rejects.toMatchObject({ status: 409 });
  });
});

describe("an agent can only act as itself", () => {
  test("another agent's id with my own secret is refused before the upgrade", async () => {
    const a = await enroll();
    const b = await enroll();
    expect(await connect(a.agentId, b.secret)).toMatchObject({ ok: false, status: 401 });
    const audit = await col.running.store.listAudit({ action: "agent.connect", agentId: a.agentId });
    expect(audit.some((x) => x.outcome === "denied" && x.detail?.reason === "bad secret")).toBe(true);
  });

  test("events for another agent's run store nothing and get an UNKNOWN_RUN error frame", async () => {
    const victim = await enroll();
    const mallory = await enroll();
    const run = await col.api("/api/runs", Run, { token: engineer, body: { ticketId: ticket.id, agentId: victim.agentId, checks: ["ping"], params: { targets: ["127.0.0.1"] } } });
    const live = await connectOk(mallory.agentId, mallory.secret);
    const step = { check: "ping", status: "fail", startedAt: Date.now(), durationMs: 1, findings: [{ code: "TARGET_UNREACHABLE", severity: "fail", message: "forged" }], data: { targets: [] } };
    live.ws.send(JSON.stringify({ type: "run.accepted", runId: run.id, seq: 0, at: Date.now() }));
    live.ws.send(JSON.stringify({ type: "step", runId: run.id, seq: 1, at: Date.now(), result: step }));
    const err = await live.next("error");
    expect(err).toMatchObject({ type: "error", code: "UNKNOWN_RUN", runId: run.id });
    await expect.poll(() => live.frames.filter((f) => f.type === "ack").length).toBe(2);
    const after = await col.api(`/api/runs/${run.id}`, Run);
    expect(after.steps).toHaveLength(0);
    expect(after.state).toBe(run.state);
    live.ws.close();
  });
});

describe("hostile frames", () => {
  test.each([
    ["oversized", () => "x".repeat(MAX_FRAME_BYTES + 1), CloseCode.messageTooBig],
    ["not JSON", () => "{nope", CloseCode.policyViolation],
    ["schema violation", () => JSON.stringify({ type: "step", runId: "run_x1y2z3", seq: -1 }), CloseCode.policyViolation],
    ["unknown frame type", () => JSON.stringify({ type: "run.delete", runId: "run_x1y2z3" }), CloseCode.policyViolation],
    ["binary", () => Buffer.from([0, 1, 2]), CloseCode.policyViolation],
  ])("%s frame: closed with the right code, nothing stored", async (_n, payload, code) => {
    const a = await enroll();
    const before = await counts();
    const live = await connectOk(a.agentId, a.secret);
    live.ws.send(payload());
    expect((await live.closed).code).toBe(code);
    expect(await counts()).toEqual(before);
  });

  test("a ~5 KB step whose data nests 2,500 arrays deep is refused at the edge: 1008 JSON_TOO_DEEP, said why, nothing stored", async () => {
    const a = await enroll();
    const run = await col.api("/api/runs", Run, { token: engineer, body: { ticketId: ticket.id, agentId: a.agentId, checks: ["ping"], params: { targets: ["127.0.0.1"] } } });
    const before = await counts();
    const live = await connectOk(a.agentId, a.secret);
    const bomb = "[".repeat(2500) + "]".repeat(2500);
    const frame = `{"type":"step","runId":"${run.id}","seq":1,"at":${Date.now()},"result":{"check":"ping","status":"ok","startedAt":${Date.now()},"durationMs":1,"findings":[],"data":{"x":${bomb}}}}`;
    expect(frame.length).toBeLessThan(6 * 1024);
    live.ws.send(frame);
    expect(await live.closed).toEqual({ code: CloseCode.policyViolation, reason: "JSON_TOO_DEEP" });
    expect(live.frames.find((f) => f.type === "error")).toMatchObject({ code: "JSON_TOO_DEEP", message: expect.stringMatching(/nesting deeper than 32 levels/) });
    expect(live.frames.some((f) => f.type === "ack")).toBe(false);
    expect(await counts()).toEqual(before);
  });

  test("an agent that keeps misbehaving is cut off: 429 + Retry-After on upgrade, audited once", async () => {
    const a = await enroll();
    for (let i = 0; i < 5; i++) {
      const live = await connectOk(a.agentId, a.secret);
      live.ws.send("{garbage");
      expect((await live.closed).code).toBe(CloseCode.policyViolation);
    }
    const refused = await connect(a.agentId, a.secret);
    expect(refused).toMatchObject({ ok: false, status: 429 });
    expect(Number((refused as { retryAfter?: string }).retryAfter)).toBeGreaterThan(60);
    // The block is audited without holding up the close: wait for the row, then check there is one.
    const blockedRows = () => col.running.store.listAudit({ action: "agent.blocked", agentId: a.agentId });
    await expect.poll(async () => (await blockedRows()).length).toBe(1);
    const blocked = await blockedRows();
    expect(blocked[0]).toMatchObject({ outcome: "denied", detail: { lastViolation: "MALFORMED_JSON" } });
    // The block is per agent: a well-behaved agent on the same address still connects.
    const b = await enroll();
    (await connectOk(b.agentId, b.secret)).ws.close();
  });

  test("foreign-run events count as violations too: the fifth closes the live connection", async () => {
    const victim = await enroll();
    const mallory = await enroll();
    const run = await col.api("/api/runs", Run, { token: engineer, body: { ticketId: ticket.id, agentId: victim.agentId, checks: ["ping"], params: { targets: ["127.0.0.1"] } } });
    const live = await connectOk(mallory.agentId, mallory.secret);
    for (let seq = 0; seq < 5; seq++) live.ws.send(JSON.stringify({ type: "run.accepted", runId: run.id, seq, at: Date.now() }));
    expect(await live.closed).toEqual({ code: CloseCode.policyViolation, reason: "TOO_MANY_VIOLATIONS" });
    expect(await connect(mallory.agentId, mallory.secret)).toMatchObject({ ok: false, status: 429 });
    expect((await col.api(`/api/runs/${run.id}`, Run)).steps).toHaveLength(0);
  });
});
