// Hostile HTTP input against a real collector: wrong/expired tokens, a technician trying to trigger,
// hostile targets, unknown fields, malformed and oversized bodies. Each is refused with a clear
// error, leaves the stored data exactly as it was, and lands in the audit when it is an auth event.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Enrolled, EnrollmentCreated, Ticket, TokenCreated } from "../../shared/api.js";
import { hashSecret, randomSecret } from "../../shared/secrets.js";
import { TOKEN_PREFIX } from "../../collector/auth/principal.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

const TokenRevoked = z.object({ revoked: z.literal(true) });
let col: TestCollector;
let engineer: string;
let technician: string;
let ticket: Ticket;
let agentId: string;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  technician = (await col.api("/api/tokens", TokenCreated, { body: { name: "tom", role: "technician" } })).token;
  ticket = await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Li", contact: "+86 1" }, service: "FTTH", symptom: "down" } });
  const { code } = await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: { ticketId: ticket.id } });
  agentId = (await col.api("/api/agents/enroll", Enrolled, { body: { code, name: "pc", agentVersion: "t" } })).agentId;
});

afterAll(async () => {
  await col?.close();
});

interface Raw {
  status: number;
  body: { error?: { code: string; message: string } };
}

/** A raw request, so bodies and headers can be as broken as an attacker likes. */
function raw(method: string, path: string, o: { token?: string; body?: string | Buffer; chunked?: boolean; headers?: Record<string, string> } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${col.url}${path}`, {
      method,
      // One connection per request: a lying Content-Length leaves its socket unusable for the next.
      agent: false,
      headers: {
        "content-type": "application/json",
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...(o.body !== undefined && !o.chunked ? { "content-length": String(Buffer.byteLength(o.body)) } : {}),
        ...o.headers,
      },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
    });
    // The server may stop reading an oversized upload and answer early; the client's write then fails.
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "EPIPE" || (e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
    if (o.body !== undefined) {
      if (o.chunked) {
        const buf = Buffer.from(o.body);
        for (let i = 0; i < buf.length; i += 16 * 1024) req.write(buf.subarray(i, i + 16 * 1024));
      } else req.write(o.body);
    }
    req.end();
  });
}

/** Everything a refused request must not change. */
async function snapshot() {
  const s = col.running.store;
  return {
    tickets: (await s.listTickets({ sort: "created", limit: 500 }, Date.now())).map((t) => t.id).sort(),
    runs: (await s.listRunsForTicket(ticket.id)).map((r) => r.id).sort(),
    agents: (await s.listAgents()).map((a) => `${a.id}:${a.revokedAt ?? ""}`).sort(),
    tokens: (await s.listTokens()).map((t) => `${t.id}:${t.revokedAt ?? ""}`).sort(),
  };
}

const runBody = (params: Record<string, unknown>) => JSON.stringify({ ticketId: ticket.id, agentId, checks: ["ping"], params });

describe("hostile targets in run params", () => {
  const homoglyph = "gооgle.com"; // the two o's are CYRILLIC SMALL LETTER O (U+043E)
  test.each([
    ["option injection", { targets: ["-c"] }, /BAD_TARGET/, /invalid target "-c"/],
    ["shell metacharacters", { targets: [";rm -rf /"] }, /BAD_TARGET/, /invalid target/],
    ["command substitution", { names: ["$(x)"] }, /BAD_TARGET/, /invalid target "\$\(x\)"/],
    ["backticks in a service", { service: "`id`:80" }, /BAD_TARGET/, /invalid service/],
    ["300-char name", { names: ["a".repeat(300)] }, /INVALID_BODY/, /names/],
    ["unicode homoglyph", { targets: [homoglyph] }, /BAD_TARGET/, /must be an IP address or hostname/],
    ["unknown param", { targets: ["127.0.0.1"], shell: "sh" }, /INVALID_BODY/, /shell/],
  ])("%s -> 400 with a clear message, nothing stored or sent", async (_n, params, code, msg) => {
    const before = await snapshot();
    const res = await raw("POST", "/api/runs", { token: engineer, body: runBody(params) });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toMatch(code);
    expect(res.body.error?.message).toMatch(msg);
    expect(await snapshot()).toEqual(before);
  });

  test("a valid target still works (the refusals above are not a broken route)", async () => {
    const res = await raw("POST", "/api/runs", { token: engineer, body: runBody({ targets: ["127.0.0.1"] }) });
    expect(res.status).toBe(201);
  });
});

describe("malformed and oversized bodies", () => {
  const big = JSON.stringify({ customer: { name: "x", contact: "y" }, service: "s", symptom: "z".repeat(70 * 1024) });
  test.each([
    ["unknown top-level field", { body: JSON.stringify({ customer: { name: "a", contact: "b" }, service: "s", symptom: "t", isAdmin: true }) }, 400, "INVALID_BODY"],
    ["unknown nested field", { body: JSON.stringify({ customer: { name: "a", contact: "b", ssn: "1" }, service: "s", symptom: "t" }) }, 400, "INVALID_BODY"],
    ["not JSON", { body: "{'customer':" }, 400, "MALFORMED_JSON"],
    ["JSON of the wrong type", { body: "[1,2,3]" }, 400, "INVALID_BODY"],
    ["oversized, declared length", { body: big }, 413, "BODY_TOO_LARGE"],
    ["oversized, chunked without a length", { body: big, chunked: true }, 413, "BODY_TOO_LARGE"],
    ["declared length that lies", { body: "{}", headers: { "content-length": "999999999" } }, 413, "BODY_TOO_LARGE"],
  ] as const)("%s -> %s, nothing stored", async (_n, o, status, code) => {
    const before = await snapshot();
    const res = await raw("POST", "/api/tickets", { token: engineer, ...o });
    expect(res.status).toBe(status);
    expect(res.body.error?.code).toBe(code);
    expect(await snapshot()).toEqual(before);
  });
});

describe("bodies past the JSON shape limits (shared/bounded-json.ts) are refused before any schema sees them", () => {
  test.each([
    ["nested 2,500 arrays deep (~5 KB)", `{"customer":{"name":"a","contact":"b"},"service":"s","symptom":"t","x":${"[".repeat(2500)}${"]".repeat(2500)}}`, "JSON_TOO_DEEP"],
    ["an object with 1,000 keys", JSON.stringify({ customer: { name: "a", contact: "b" }, ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 1])) }), "JSON_TOO_MANY_KEYS"],
    ["an array of 6,000 items", JSON.stringify({ customer: { name: "a", contact: "b" }, x: Array.from({ length: 6000 }, () => 0) }), "JSON_ARRAY_TOO_LONG"],
  ])("%s -> 400 with the limit's code, nothing stored", async (_n, body, code) => {
    const before = await snapshot();
    const res = await raw("POST", "/api/tickets", { token: engineer, body });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
    expect(res.body.error?.message).toMatch(/request body refused: /);
    expect(await snapshot()).toEqual(before);
  });
});

describe("auth failures are refused, audited and change nothing", () => {
  test("a technician trying to trigger a run: 403 + audit", async () => {
    const before = await snapshot();
    const res = await raw("POST", "/api/runs", { token: technician, body: runBody({ targets: ["127.0.0.1"] }) });
    expect(res.status).toBe(403);
    expect(res.body.error?.message).toMatch(/role technician may not POST \/api\/runs/);
    expect(await snapshot()).toEqual(before);
    const audit = await col.running.store.listAudit({ action: "auth.forbidden" });
    expect(audit.some((a) => a.actor.endsWith(":tom") && a.detail?.route === "POST /api/runs")).toBe(true);
  });

  test.each([
    ["wrong token", "ndt_wrongwrongwrongwrongwrong", "unknown"],
    ["not our token format", "eyJhbGciOiJub25lIn0.e30.", "malformed"],
  ])("%s: 401 + audit", async (_n, token, reason) => {
    const before = await snapshot();
    const res = await raw("POST", "/api/tokens", { token, body: JSON.stringify({ name: "evil", role: "admin" }) });
    expect(res.status).toBe(401);
    expect(await snapshot()).toEqual(before);
    const audit = await col.running.store.listAudit({ action: "auth.denied" });
    expect(audit.some((a) => a.detail?.reason === reason && a.detail?.route === "POST /api/tokens" && a.actor === "remote:127.0.0.1")).toBe(true);
  });

  test("revoked and expired tokens: 401 + audit", async () => {
    const { token, id } = await col.api("/api/tokens", TokenCreated, { body: { name: "temp", role: "admin", ttlS: 60 } });
    expect((await raw("GET", "/api/tickets", { token })).status).toBe(200);
    await col.api(`/api/tokens/${id}/revoke`, TokenRevoked, { body: {} });
    const revoked = await raw("GET", "/api/tickets", { token });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error?.message).toMatch(/revoked/);
    // An expired one: same token shape, stored with an expiry in the past.
    const expired = randomSecret(TOKEN_PREFIX);
    await col.running.store.createToken({ id: "tok_expired1", name: "old", role: "admin", hash: hashSecret(expired), createdAt: Date.now() - 120_000, expiresAt: Date.now() - 1 });
    const before = await snapshot();
    const res = await raw("POST", "/api/tickets", { token: expired, body: JSON.stringify({ customer: { name: "a", contact: "b" }, service: "s", symptom: "t" }) });
    expect(res.status).toBe(401);
    expect(res.body.error?.message).toMatch(/expired/);
    expect(await snapshot()).toEqual(before);
    const reasons = (await col.running.store.listAudit({ action: "auth.denied" })).map((a) => a.detail?.reason);
    expect(reasons).toEqual(expect.arrayContaining(["revoked", "expired"]));
  });
});
