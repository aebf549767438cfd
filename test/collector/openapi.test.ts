// GET /openapi.json and GET /api-docs: the document is valid OpenAPI 3.1 (checked by an independent
// validator against the published schema) with valid JSON Schema 2020-12 inside (ajv, strict); EVERY
// route of apiRoutes is in it with its method, access and responses (a route without `response` fails
// here, by name); every request body the tests and the CLI use is accepted by its documented schema;
// the reference page lists every operation under the console's strict CSP. In-process (app.request)
// on a real SQLite store.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { memoryLogger } from "../../shared/log.js";
import { apiRoutes, createApp } from "../../collector/app.js";
import { FailureLimiter } from "../../collector/auth/failure-limiter.js";
import { AgentHub } from "../../collector/hub/agent-hub.js";
import { API_VERSION, buildOpenApiDocument, openApiPath, type OpenApiDocument } from "../../collector/openapi/document.js";
import type { RouteSpec } from "../../collector/routes/route-spec.js";
import { RunBus } from "../../collector/run-bus.js";
import { openSqliteStore } from "../../collector/store/sql-store.js";
import type { Store } from "../../collector/store/types.js";
import { CONTENT_SECURITY_POLICY } from "../../collector/web/web-app.js";
import { ROOT } from "../helpers/cli.js";
import { openApiChecker, type OpenApiChecker } from "../helpers/openapi-check.js";

let dir: string;
let store: Store;
let hub: AgentHub;
let app: ReturnType<typeof createApp>;
let doc: OpenApiDocument;
let check: OpenApiChecker;

const routeName = (r: Pick<RouteSpec, "method" | "path">) => `${r.method} ${r.path}`;
const opOf = (r: Pick<RouteSpec, "method" | "path">) => doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase() as "get" | "post" | "delete"];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-openapi-"));
  store = await openSqliteStore(join(dir, "db.sqlite"));
  const log = memoryLogger();
  hub = new AgentHub({ store, bus: new RunBus(), log, now: () => Date.now(), heartbeatMs: 60_000 });
  app = createApp({ store, hub, bus: new RunBus(), log, now: () => Date.now(), limiter: new FailureLimiter(), publicUrl: "https://support.isp.example" });
  // Public: no token needed, like any API documentation.
  const res = await app.request("/openapi.json");
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
  check = openApiChecker(doc);
});

afterAll(async () => {
  hub?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("GET /openapi.json", () => {
  test("is a valid OpenAPI 3.1 document", async () => {
    const res = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://support.isp.example" }]);
  });

  test("serves the document the generator builds from the route table", () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(apiRoutes, { serverUrl: "https://support.isp.example" }))));
  });

  test("its version is the package's", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(API_VERSION).toBe(pkg.version);
    expect(doc.info.version).toBe(pkg.version);
  });

  test("every schema in it is valid JSON Schema 2020-12 (ajv, strict) and every $ref resolves", () => {
    const schemas = [
      ...Object.values(doc.components.schemas),
      ...Object.values(doc.paths).flatMap((item) =>
        Object.values(item).flatMap((op) => [
          ...op.parameters.map((p) => p.schema),
          ...(op.requestBody ? [op.requestBody.content["application/json"].schema] : []),
          ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}).flatMap((m) => [m.schema, ...Object.values(m["x-sse-events"] ?? {})])),
        ]),
      ),
    ];
    expect(schemas.length).toBeGreaterThan(100);
    for (const s of schemas) expect(() => check.compile(s)).not.toThrow();
  });

  test("holds exactly the routes of apiRoutes, each once", () => {
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    expect(ops.sort()).toEqual(apiRoutes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
  });

  test.each(apiRoutes.map((r) => [routeName(r), r] as const))("%s: documented with its method, access, parameters and responses", (name, r) => {
    // Every route must say what it answers: the operability helpers' routes are held to this too.
    expect(r.response, `${name} declares no response: add \`response: { 200: Schema, ... }\` to its RouteSpec (collector/routes/)`).toBeDefined();
    const success = Object.keys(r.response ?? {}).filter((s) => Number(s) >= 200 && Number(s) < 300);
    expect(success, `${name} declares no 2xx response`).not.toEqual([]);
    const op = opOf(r);
    expect(op, `${name} is missing from /openapi.json`).toBeDefined();
    expect(op!.summary).toBe(r.summary);
    expect(op!["x-roles"]).toEqual(r.access === "metrics" ? ["admin"] : r.access);
    if (r.access === "metrics") {
      // The scrape token or an admin token, both as a bearer token; never the session cookie.
      expect(op!.security).toEqual([{ bearerToken: [] }]);
      expect(op!.description).toMatch(/metricsTokenFile.*admin/);
      for (const s of ["401", "403", "429"]) expect(op!.responses[s], `${name} ${s}`).toBeDefined();
    } else if (r.access === "public") {
      expect(op!.security).toEqual([]);
      expect(op!.description).toMatch(/^Access: public/);
      expect(op!.responses["403"]).toBeUndefined();
    } else {
      // A cookie is accepted on GET only (collector/app.ts, authenticateApi).
      expect(op!.security).toEqual(r.method === "GET" ? [{ bearerToken: [] }, { sessionCookie: [] }] : [{ bearerToken: [] }]);
      for (const role of r.access) expect(op!.description).toContain(role);
      for (const s of ["401", "403", "429"]) expect(op!.responses[s], `${name} ${s}`).toBeDefined();
    }
    const pathParams = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
    expect(op!.parameters.filter((p) => p.in === "path").map((p) => p.name)).toEqual(pathParams);
    if (r.query) expect(op!.parameters.filter((p) => p.in === "query").map((p) => p.name).sort()).toEqual(Object.keys(r.query.shape).sort());
    if (r.body) {
      expect(op!.requestBody).toBeDefined();
      expect(op!.responses["400"]).toBeDefined();
      expect(op!.responses["413"]).toBeDefined();
    } else expect(op!.requestBody).toBeUndefined();
  });

  test.each(apiRoutes.map((r) => [routeName(r), r] as const))("%s: a handler that reads a JSON body declares it as `body`", (name, r) => {
    // The handler's source as vitest compiled it: `readBody(c, X)` or `(0, __import__.readBody)(c, X)`.
    if (/\breadBody\)?\(/.test(r.handler.toString())) expect(r.body, `${name} reads a body but declares none`).toBeDefined();
  });

  test("a body is required only when {} is not a valid one (an empty body is read as {})", () => {
    expect(doc.paths["/api/tickets"]!.post!.requestBody!.required).toBe(true);
    expect(doc.paths["/api/enrollments"]!.post!.requestBody!.required).toBe(false);
    expect(doc.paths["/api/tickets/{id}/verify"]!.post!.requestBody!.required).toBe(false);
  });

  test("requests are documented from zod's input side, responses from its output side", () => {
    const create = doc.paths["/api/tickets"]!.post!.requestBody!.content["application/json"].schema;
    // A defaulted field may be left out of a request...
    expect(create.required).toEqual(["customer", "service", "symptom"]);
    expect((create.properties as Record<string, { default?: unknown }>).severity!.default).toBe("general");
    // ...and the comma list of the ticket query is the string a client sends, not the array it becomes.
    expect(doc.paths["/api/tickets"]!.get!.parameters.find((p) => p.name === "status")!.schema).toEqual({ type: "string", maxLength: 200 });
    // A response names shared schemas; a stored step is documented by what travels (the stored record).
    expect(doc.paths["/api/runs/{id}"]!.get!.responses["200"]!.content!["application/json"]!.schema).toEqual({ $ref: "#/components/schemas/Run" });
    expect(doc.components.schemas.StoredStep!.properties).toMatchObject({ result: { $ref: "#/components/schemas/StoredStepResult" } });
  });

  test("text and Server-Sent Events responses are documented as such", () => {
    const handover = doc.paths["/api/tickets/{id}/handover"]!.get!.responses["200"]!.content!;
    expect(Object.keys(handover).sort()).toEqual(["application/json", "text/plain"]);
    const runEvents = doc.paths["/api/runs/{id}/events"]!.get!.responses["200"]!.content!["text/event-stream"]!;
    expect(Object.keys(runEvents["x-sse-events"]!).sort()).toEqual(["state", "step", "verdict"]);
    const ticketEvents = doc.paths["/api/tickets/{id}/events"]!.get!.responses["200"]!.content!["text/event-stream"]!;
    expect(Object.keys(ticketEvents["x-sse-events"]!).sort()).toEqual(["run", "watching"]);
    expect(Object.keys(doc.paths["/api-docs"]!.get!.responses["200"]!.content!)).toEqual(["text/html"]);
  });

  test("describes both credentials and never holds a secret", () => {
    expect(doc.components.securitySchemes.bearerToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "nd_session" });
    expect(JSON.stringify(doc)).not.toMatch(/ndt_[A-Za-z0-9_-]{10,}/);
  });
});

/**
 * Request bodies as the tests and the CLI send them (test/helpers/fake-agent.ts, the support-case and
 * desk tests, cli/ticket-commands.ts and cli/main.ts). Each must pass the route's zod schema (the
 * server's check) and the document's JSON Schema; the same body with an unknown field must fail both.
 */
const EXAMPLES: Record<string, unknown[]> = {
  "POST /api/tickets": [
    { customer: { name: "Fault Test", contact: "+86 000" }, service: "Fiber", symptom: "fault test" },
    { customer: { name: "Wang Fang", contact: "+86 138 0000 0000", site: "Road 1, Chaoyang" }, service: "Fiber 300M", symptom: "internet down since 9:00\nagain at noon", startedAt: "9:00", frequency: "always", alreadyTried: "restarted the modem", category: "network", severity: "important" },
  ],
  "POST /api/enrollments": [{}, { ticketId: "tk_AAAAAAAAAAAA" }, { ticketId: "tk_AAAAAAAAAAAA", ttlS: 7200 }],
  "POST /api/agents/enroll": [
    { code: "ABCDE-FGHJK", name: "fake-0", agentVersion: "0.1.0" },
    { code: "ABCDE-FGHJK", name: "wang-pc", hostname: "wang-pc.lan", agentVersion: "0.1.0" },
  ],
  "POST /api/agents/:id/reenroll": [{}, { ttlS: 3600 }],
  "POST /api/runs": [
    { ticketId: "tk_AAAAAAAAAAAA", agentId: "ag_AAAAAAAAAAAA", checks: ["host", "gateway", "dns"] },
    { ticketId: "tk_AAAAAAAAAAAA", agentId: "ag_AAAAAAAAAAAA", checks: ["service"], params: { service: "https://shop.example/", targets: ["10.0.0.1"], names: ["shop.example"], consentTtlS: 7200 }, pickupTimeoutS: 60 },
  ],
  "POST /api/tokens": [{ name: "alice", role: "engineer" }, { name: "tom", role: "technician", ttlS: 30 * 86400 }],
  "POST /api/users": [{ username: "wang.li", role: "engineer", password: "a long enough password" }],
  "POST /api/users/:id/password": [{ password: "another long password" }],
  "POST /api/tickets/:id/status": [{ to: "waiting_customer", note: "customer checks the modem's DSL light" }, { to: "diagnosing" }],
  "POST /api/tickets/:id/escalate": [{ to: "field_service", note: "line down at the cabinet?" }, { to: "network_operations" }],
  "POST /api/tickets/:id/verify": [{}, { pickupTimeoutS: 120 }],
  "POST /api/tickets/:id/resolve": [
    { rootCause: "splitter loose at the cabinet", fix: "re-seated the splitter, line resynced at 300M" },
    { rootCause: "modem hung", fix: "restarted it", unverifiedReason: "the customer's agent is gone", note: "by phone" },
  ],
  "POST /api/tickets/:id/close": [{ outcome: "confirmed", satisfaction: 5, note: "works again" }, { outcome: "unreachable", note: "called twice" }],
  "POST /api/tickets/:id/reopen": [{ note: "the line dropped again" }],
};

describe("request bodies", () => {
  test("every route with a body has examples here", () => {
    expect(apiRoutes.filter((r) => r.body).map(routeName).sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  test.each(Object.entries(EXAMPLES))("%s: the documented schema accepts what the server accepts, and refuses an unknown field", (name, examples) => {
    const route = apiRoutes.find((r) => routeName(r) === name)!;
    const schema = check.compile(opOf(route)!.requestBody!.content["application/json"].schema);
    for (const body of examples) {
      expect(route.body!.safeParse(body).success, `zod refuses the example ${JSON.stringify(body)}`).toBe(true);
      expect(schema(body), `${name}: ${JSON.stringify(body)}: ${JSON.stringify(schema.errors)}`).toBe(true);
      const extra = { ...(body as object), zz_unknown: 1 };
      expect(route.body!.safeParse(extra).success).toBe(false);
      expect(schema(extra), `${name} documents no "no other fields"`).toBe(false);
    }
  });
});

describe("GET /api-docs", () => {
  test("lists every operation with its method, path, access and summary, under the console's strict CSP", async () => {
    const res = await app.request("/api-docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const page = await res.text();
    for (const r of apiRoutes) {
      const op = opOf(r)!;
      const card = new RegExp(`<section class="card" id="op-${op.operationId}">\\s*<h3><span class="badge \\w+">${r.method}</span> <code>${openApiPath(r.path).replace(/[.{}]/g, "\\$&")}</code></h3>`);
      expect(page, routeName(r)).toMatch(card);
    }
    expect(page).toContain('<a href="#schema-Run">Run</a>');
    expect(page).toContain('id="schema-Run"');
    // Nothing inline, nothing from elsewhere.
    expect(page).not.toMatch(/<script|<style|\sstyle=|\son\w+=/i);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  test("escapes what it shows (a summary is text, not markup)", async () => {
    const { referencePage } = await import("../../collector/openapi/reference-page.js");
    const hostile = buildOpenApiDocument([{ method: "GET", path: "/x", access: "public", summary: "<img src=x onerror=alert(1)> `<b>`", response: { 200: { description: "<i>", text: "<u>" } } }]);
    const page = String(await referencePage(hostile));
    expect(page).not.toContain("<img");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt; <code>&lt;b&gt;</code>");
  });
});
