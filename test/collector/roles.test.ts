// Walks EVERY entry of apiRoutes with every role, no token, an expired, a revoked and a malformed
// token, and asserts allow/deny against the route's declared access; every denial is audited. Also:
// the app serves nothing outside that table, tokens are shown once and stored only as hashes, and the
// audit trail is filterable. In-process (app.request) on a real SQLite store.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { ROLES, TokenCreated, type Role } from "../../shared/api.js";
import { memoryLogger } from "../../shared/log.js";
import { hashSecret, randomSecret } from "../../shared/secrets.js";
import { apiRoutes, createApp } from "../../collector/app.js";
import { FailureLimiter } from "../../collector/auth/failure-limiter.js";
import { TOKEN_PREFIX } from "../../collector/auth/principal.js";
import { AgentHub } from "../../collector/hub/agent-hub.js";
import type { RouteSpec } from "../../collector/routes/route-spec.js";
import { RunBus } from "../../collector/run-bus.js";
import { webPages } from "../../collector/web/pages/index.js";
import { openSqliteStore } from "../../collector/store/sql-store.js";
import type { Store } from "../../collector/store/types.js";

const T0 = 1_700_000_000_000;
let clock = T0;
let dir: string;
let store: Store;
let hub: AgentHub;
let app: ReturnType<typeof createApp>;
const tokens = {} as Record<Role | "expired" | "revoked", string>;

async function addToken(name: string, role: Role, extra: { expiresAt?: number } = {}): Promise<{ id: string; token: string }> {
  const token = randomSecret(TOKEN_PREFIX);
  const id = `tok_${name}`;
  await store.createToken({ id, name, role, hash: hashSecret(token), createdAt: clock, ...extra });
  return { id, token };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-roles-"));
  store = await openSqliteStore(join(dir, "db.sqlite"));
  const log = memoryLogger();
  hub = new AgentHub({ store, bus: new RunBus(), log, now: () => clock, heartbeatMs: 60_000 });
  // A limiter that never trips: this test fails authentication on purpose ~100 times from one "address".
  app = createApp({ store, hub, bus: new RunBus(), log, now: () => clock, limiter: new FailureLimiter(1e9) });
  for (const r of ROLES) tokens[r] = (await addToken(`user-${r}`, r)).token;
  tokens.expired = (await addToken("user-expired", "admin", { expiresAt: T0 - 1 })).token;
  const revoked = await addToken("user-revoked", "admin");
  await store.revokeToken(revoked.id, T0);
  tokens.revoked = revoked.token;
});

afterAll(async () => {
  hub?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call(r: Pick<RouteSpec, "method" | "path">, authorization: string | undefined): Promise<Response> {
  const path = r.path.replace(/:id\b/g, "zz_missing");
  return await app.request(path, {
    method: r.method,
    headers: { "content-type": "application/json", ...(authorization !== undefined ? { authorization } : {}) },
    ...(r.method === "POST" ? { body: "{}" } : {}),
  });
}

const routeName = (r: RouteSpec) => `${r.method} ${r.path}`;

describe("every route x every caller", () => {
  test("the table is not empty and every route declares its access", () => {
    expect(apiRoutes.length).toBeGreaterThan(10);
    for (const r of apiRoutes) expect(r.access === "public" || r.access === "metrics" || (Array.isArray(r.access) && r.access.every((x) => ROLES.includes(x)))).toBe(true);
  });

  test.each(apiRoutes.map((r) => [routeName(r), r] as const))("%s: roles allowed exactly as declared", async (_n, r) => {
    for (const role of ROLES) {
      const res = await call(r, `Bearer ${tokens[role]}`);
      // "metrics": the scrape token (test/collector/ops-routes.test.ts) or an admin token.
      const allowed = r.access === "public" || (r.access === "metrics" ? role === "admin" : r.access.includes(role));
      if (allowed) {
        expect([401, 403], `${role} on ${routeName(r)} got ${res.status}`).not.toContain(res.status);
      } else {
        expect(res.status, `${role} on ${routeName(r)}`).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
        const audit = await store.listAudit({ action: "auth.forbidden", actor: `token:tok_user-${role}:user-${role}` });
        expect(audit.some((a) => a.detail?.route === routeName(r) && a.outcome === "denied")).toBe(true);
      }
    }
  });

  const badCallers: [string, () => string | undefined, string][] = [
    ["no token", () => undefined, "missing"],
    ["expired token", () => `Bearer ${tokens.expired}`, "expired"],
    ["revoked token", () => `Bearer ${tokens.revoked}`, "revoked"],
    ["malformed header", () => `Basic ${Buffer.from("admin:admin").toString("base64")}`, "malformed"],
    ["unknown token", () => `Bearer ${randomSecret(TOKEN_PREFIX)}`, "unknown"],
  ];

  test.each(apiRoutes.map((r) => [routeName(r), r] as const))("%s: bad credentials refused (401, audited) unless public", async (_n, r) => {
    for (const [label, header, reason] of badCallers) {
      const before = (await store.listAudit({ action: "auth.denied", limit: 1000 })).length;
      const res = await call(r, header());
      if (r.access === "public") {
        expect([401, 403], `${label} on public ${routeName(r)}`).not.toContain(res.status);
        continue;
      }
      expect(res.status, `${label} on ${routeName(r)}`).toBe(401);
      const audit = await store.listAudit({ action: "auth.denied", limit: 1000 });
      expect(audit.length).toBe(before + 1);
      expect(audit.find((a) => a.detail?.route === routeName(r) && a.detail?.reason === reason)).toBeDefined();
    }
  });

  test("the app serves no route outside the declared tables (API routes, web console pages, static files)", () => {
    const declared = new Set([...apiRoutes.map(routeName), ...webPages.map((p) => `${p.method} ${p.path}`), "GET /static/:name"]);
    // Middleware (method ALL: request ids and metrics, the web console's guards) serves nothing itself.
    const served = app.routes.filter((r) => r.path !== "/*" && r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    expect(served.length).toBeGreaterThanOrEqual(apiRoutes.length);
    for (const s of served) expect(declared.has(s), s).toBe(true);
  });

  test("a route without an access declaration does not type-check", () => {
    // @ts-expect-error: `access` is required (tsc --noEmit in `npm test` fails if this ever compiles)
    const bad: RouteSpec = { method: "GET", path: "/api/x", summary: "x", handler: (c) => c.json({}) };
    expect(bad.access).toBeUndefined();
  });
});

describe("the integration role (a ticket system's token)", () => {
  test("is allowed exactly: open tickets, read its tickets and their hand-overs, request runs; nothing admin", () => {
    const allowed = apiRoutes.filter((r) => r.access !== "public" && r.access.includes("integration")).map(routeName).sort();
    expect(allowed).toEqual(["GET /api/tickets", "GET /api/tickets/:id", "GET /api/tickets/:id/handover", "POST /api/runs", "POST /api/tickets"]);
  });
});

describe("tokens", () => {
  test("shown once, stored only as a hash, expire and can be revoked", async () => {
    const post = (body: unknown) => app.request("/api/tokens", { method: "POST", headers: { authorization: `Bearer ${tokens.admin}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const created = TokenCreated.parse(await (await post({ name: "bob", role: "technician", ttlS: 60 })).json());
    expect(created.token.startsWith(TOKEN_PREFIX)).toBe(true);
    // Never again: the list has no value and no hash.
    const list = await (await app.request("/api/tokens", { headers: { authorization: `Bearer ${tokens.admin}` } })).text();
    expect(list).toContain(created.id);
    expect(list).not.toContain(created.token);
    expect(list).not.toContain(hashSecret(created.token));
    // Stored as its SHA-256 only: the raw token is nowhere in the database file.
    expect((await store.findTokenByHash(hashSecret(created.token)))?.id).toBe(created.id);
    const db = await readFile(join(dir, "db.sqlite"));
    const wal = await readFile(join(dir, "db.sqlite-wal")).catch(() => Buffer.alloc(0));
    expect(db.includes(created.token)).toBe(false);
    expect(wal.includes(created.token)).toBe(false);

    const asBob = () => app.request("/api/tickets", { headers: { authorization: `Bearer ${created.token}` } });
    expect((await asBob()).status).toBe(200);
    clock += 61_000;
    expect((await asBob()).status).toBe(401);
    clock -= 61_000;
    expect((await asBob()).status).toBe(200);
    const rv = await app.request(`/api/tokens/${created.id}/revoke`, { method: "POST", headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(rv.status).toBe(200);
    expect((await asBob()).status).toBe(401);
    expect((await store.listAudit({ action: "token.revoke" })).some((a) => a.detail?.id === created.id)).toBe(true);
  });
});

describe("GET /api/audit filters", () => {
  const get = async (q: string) => {
    const res = await app.request(`/api/audit${q}`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const Rows = z.array(z.object({ id: z.number(), at: z.number(), actor: z.string(), action: z.string(), outcome: z.string() }).loose());

  test("by action, actor, time window and limit; unknown filters are refused", async () => {
    const t = clock + 500_000;
    await store.appendAudit({ at: t, actor: "token:tok_x:x", action: "ticket.read", outcome: "ok", ticketId: "tk_filter1" });
    await store.appendAudit({ at: t + 1, actor: "token:tok_y:y", action: "ticket.read", outcome: "ok", ticketId: "tk_filter2" });
    await store.appendAudit({ at: t + 2, actor: "token:tok_x:x", action: "run.request", outcome: "ok", ticketId: "tk_filter1" });

    const byAction = Rows.parse((await get("?action=auth.forbidden")).body);
    expect(byAction.length).toBeGreaterThan(0);
    expect(byAction.every((a) => a.action === "auth.forbidden")).toBe(true);

    const byActor = Rows.parse((await get(`?actor=${encodeURIComponent("token:tok_x:x")}`)).body);
    expect(byActor.map((a) => a.action).sort()).toEqual(["run.request", "ticket.read"]);

    const byTicket = Rows.parse((await get("?ticketId=tk_filter2")).body);
    expect(byTicket).toHaveLength(1);

    const window = Rows.parse((await get(`?since=${t + 1}&until=${t + 2}`)).body);
    expect(window.map((a) => a.actor)).toEqual(["token:tok_y:y"]);

    expect(Rows.parse((await get("?limit=2")).body)).toHaveLength(2);
    expect((await get("?password=1")).status).toBe(400);
    expect((await get("?limit=0")).status).toBe(400);
  });
});
