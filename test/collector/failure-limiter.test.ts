// The failed-authentication limiter: guesses are held to the limit even when they arrive all at once,
// and nobody who presents a valid credential is ever refused because of what others did from the
// same address. Unit tests on the limiter with an injected clock, then a real collector on loopback
// (a second "address" is 127.0.0.2, also loopback).
import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { z } from "zod";
import { Enrolled, EnrollmentCreated, TokenCreated } from "../../shared/api.js";
import { addressKey, credentialKey, FailureLimiter } from "../../collector/auth/failure-limiter.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

describe("FailureLimiter", () => {
  const A = addressKey("enroll", "10.0.0.1");
  test("reservations count against the limit while in flight; release gives them back, fail keeps them", () => {
    const l = new FailureLimiter(3, 60_000);
    const r = [l.reserve([A], 0), l.reserve([A], 0), l.reserve([A], 0)];
    expect(r.every(Boolean)).toBe(true);
    expect(l.reserve([A], 0)).toBeUndefined();
    r[0]!.release();
    r[0]!.fail(); // settling twice does nothing
    expect(l.retryAfterMs(A, 0)).toBe(0);
    r[1]!.fail();
    r[2]!.fail();
    const last = l.reserve([A], 1000)!;
    last.fail();
    expect(l.retryAfterMs(A, 1000)).toBe(59_000);
    expect(l.reserve([A], 59_999)).toBeUndefined();
    expect(l.reserve([A], 60_001)).toBeDefined();
  });

  test("keys are independent: an address, a credential, another kind", () => {
    const l = new FailureLimiter(2, 60_000);
    l.fail([addressKey("token", "1.2.3.4"), addressKey("token", "1.2.3.4")], 0);
    expect(l.retryAfterMs(addressKey("token", "1.2.3.4"), 0)).toBeGreaterThan(0);
    expect(l.retryAfterMs(addressKey("enroll", "1.2.3.4"), 0)).toBe(0);
    expect(l.retryAfterMs(addressKey("agent", "1.2.3.4"), 0)).toBe(0);
    expect(l.retryAfterMs(credentialKey("token", "tok_1"), 0)).toBe(0);
    expect(l.reserve([addressKey("enroll", "1.2.3.4"), addressKey("token", "1.2.3.4")], 0)).toBeUndefined();
  });
});

type Res = { status: number; retryAfter?: string; body: { error?: { code: string; message: string } } & Record<string, unknown> };

let col: TestCollector;
beforeEach(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
});
afterEach(async () => {
  await col?.close();
});

/** A request from a chosen loopback source address. */
function call(method: string, path: string, o: { token?: string; body?: unknown; from?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = request(`${col.url}${path}`, {
      method,
      agent: false,
      localAddress: o.from ?? "127.0.0.1",
      headers: { "content-type": "application/json", ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(body ? { "content-length": Buffer.byteLength(body) } : {}) },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ...(res.headers["retry-after"] ? { retryAfter: String(res.headers["retry-after"]) } : {}), body: text ? JSON.parse(text) : {} }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

function upgrade(agentId: string, secret: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${col.url.replace(/^http/, "ws")}/agent/ws`, { headers: { authorization: `Bearer ${agentId}.${secret}` } });
    ws.on("error", () => undefined);
    ws.on("unexpected-response", (_q, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
  });
}

const code = async () => (await col.api("/api/enrollments", EnrollmentCreated, { body: {} })).code;
const enrollBody = (c: string) => ({ code: c, name: "pc", agentVersion: "t" });
const tally = (rs: Res[]) => rs.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});

describe("guesses are held to the limit", () => {
  test("500 concurrent enrollment-code guesses from one address: 20 are checked, the rest get 429 unchecked", async () => {
    const guesses = await Promise.all(Array.from({ length: 500 }, (_, i) => call("POST", "/api/agents/enroll", { body: enrollBody(`GUESS-${String(i).padStart(5, "0")}`) })));
    expect(tally(guesses)).toEqual({ 401: 20, 429: 480 });
    expect(guesses.find((g) => g.status === 429)?.retryAfter).toMatch(/^\d+$/);
    const denied = await col.running.store.listAudit({ action: "agent.enroll", limit: 1000 });
    expect(denied.filter((a) => a.outcome === "denied")).toHaveLength(20);
  });
});

describe("a valid credential is never refused for what others did from the same address", () => {
  test("after 40 bad tokens from an address: valid tokens, agents and enrollments from it work", async () => {
    const c1 = await code();
    const agent = await col.api("/api/agents/enroll", Enrolled, { body: enrollBody(await code()) });
    const bad = await Promise.all(Array.from({ length: 40 }, () => call("GET", "/api/tickets", { token: "ndt_notarealtokenatallnotarealtokenatall" })));
    expect(tally(bad)[429]).toBeGreaterThan(0);
    expect((await call("GET", "/api/tickets", { token: col.adminToken })).status).toBe(200);
    expect(await upgrade(agent.agentId, agent.secret)).toBe(101);
    expect((await call("POST", "/api/agents/enroll", { body: enrollBody(c1) })).status).toBe(201);
  });

  test("after 40 bad agent secrets from an address: the real agent still connects, bad ones get 429", async () => {
    const agent = await col.api("/api/agents/enroll", Enrolled, { body: enrollBody(await code()) });
    const bad = await Promise.all(Array.from({ length: 40 }, () => upgrade(agent.agentId, "A".repeat(43))));
    expect(bad.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(bad.every((s) => s === 401 || s === 429)).toBe(true);
    expect(await upgrade(agent.agentId, agent.secret)).toBe(101);
  });

  test("a client hammering a revoked token blocks that token, not the address", async () => {
    const { token, id } = await col.api("/api/tokens", TokenCreated, { body: { name: "old-script", role: "engineer" } });
    await col.api(`/api/tokens/${id}/revoke`, z.object({ revoked: z.boolean() }), { body: {} });
    const tries = [];
    for (let i = 0; i < 25; i++) tries.push(await call("GET", "/api/tickets", { token }));
    expect(tally(tries)).toEqual({ 401: 19, 429: 6 });
    // Someone else on the same address mistyping a token is told 401, not 429.
    expect((await call("GET", "/api/tickets", { token: "ndt_typotypotypotypotypotypo" })).status).toBe(401);
  });

  test("a used code retried over and over blocks that code, not enrollment from the address", async () => {
    const used = await code();
    expect((await call("POST", "/api/agents/enroll", { body: enrollBody(used) })).status).toBe(201);
    const retries = [];
    for (let i = 0; i < 25; i++) retries.push(await call("POST", "/api/agents/enroll", { body: enrollBody(used) }));
    expect(tally(retries)).toEqual({ 401: 20, 429: 5 });
    expect(retries.at(-1)?.body.error?.message).toMatch(/ask the engineer for a new one/);
    expect((await call("POST", "/api/agents/enroll", { body: enrollBody(await code()) })).status).toBe(201);
  });

  test("a guessing address is refused; a customer on another address enrolls", async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => call("POST", "/api/agents/enroll", { body: enrollBody(`GUESS-${String(i).padStart(5, "0")}`) })));
    const valid = await code();
    expect((await call("POST", "/api/agents/enroll", { body: enrollBody(valid) })).status).toBe(429);
    expect((await call("POST", "/api/agents/enroll", { body: enrollBody(valid), from: "127.0.0.2" })).status).toBe(201);
  });
});
