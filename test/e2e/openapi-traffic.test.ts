// The OpenAPI document against real traffic: a support case worked with the real `netdiag` CLI and the
// real `netdiag-agent enroll`, through a recording HTTP proxy on loopback in front of a real collector
// (SQLite file, port 0), with an agent on a real WebSocket link answering runs (test/helpers/
// fake-agent.ts). Then every request the CLI sent (path, query, body) and every answer (status,
// content type, JSON body, each Server-Sent Event) is checked against GET /openapi.json with ajv: the
// document must describe what really travels, the refusals (400, 401, 403, 404, 409) included.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { EnrollmentCreated, Ticket } from "../../shared/api.js";
import type { StepResult } from "../../shared/checks.js";
import { httpJson, HttpClientError } from "../../shared/http-client.js";
import type { ServerFrame } from "../../shared/protocol.js";
import { UserView } from "../../shared/users.js";
import { isolateFault } from "../../agent/verdict/isolate-fault.js";
import { adminRoutes } from "../../collector/routes/admin.js";
import { agentRoutes } from "../../collector/routes/agents.js";
import { openapiRoutes } from "../../collector/routes/openapi.js";
import { openApiPath, type OpenApiDocument } from "../../collector/openapi/document.js";
import { runRoutes } from "../../collector/routes/runs.js";
import { ticketEventRoutes } from "../../collector/routes/ticket-events.js";
import { ticketLifecycleRoutes } from "../../collector/routes/ticket-lifecycle.js";
import { ticketRoutes } from "../../collector/routes/tickets.js";
import { userRoutes } from "../../collector/routes/users.js";
import { runBin, startBin, type CliResult } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { openApiChecker } from "../helpers/openapi-check.js";
import { startRecordingProxy, type RecordingProxy } from "../helpers/recording-proxy.js";
import { dns, healthy, path, service, snmp } from "../agent/verdict/fixtures.js";

const CHECKS = ["host", "gateway", "dhcp", "dns", "path", "service", "snmp"];
const LINE_DOWN: Record<string, StepResult> = { ...healthy(), snmp: snmp.wanDown(), dns: dns.allDead(), path: path({ hop: "none", anchors: { ok: false } }), service: service("SERVICE_DNS_FAILED") };
const HEALTHY: Record<string, StepResult> = healthy();

let col: TestCollector;
let proxy: RecordingProxy;
let dir: string;
let admin: string;
let engineer: string;
let technician: string;
let agent: FakeAgent | undefined;
let agentId: string;
/** What the site looks like when the next run request arrives; undefined: the agent does not answer. */
let site: Record<string, StepResult> | undefined = LINE_DOWN;

const cli = (token: string, ...args: string[]): Promise<CliResult> => runBin("cli", args, { NETDIAG_URL: proxy.url, NETDIAG_TOKEN: token });
const ok = (r: CliResult, code = 0): string => {
  expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
  return r.stdout;
};
/** Through the proxy as the other tests call the API (shared/http-client.ts). */
const api = <S extends z.ZodType>(p: string, schema: S, o: { token?: string; body?: unknown; method?: "GET" | "POST" } = {}) => httpJson(`${proxy.url}${p}`, schema, o);
const refused = (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: unknown) => (e instanceof HttpClientError ? e.status : -1),
  );

/** The agent's side of a run: received, accepted, each requested check's step as the site is now, the verdict, finished. */
function answerRuns(a: () => FakeAgent) {
  return (f: ServerFrame) => {
    if (f.type !== "run.request" || !site) return;
    const steps = f.checks.map((c) => site![c]).filter((s): s is StepResult => s !== undefined);
    const runId = f.runId;
    void (async () => {
      let seq = 0;
      const at = () => Date.now();
      await a().emit({ type: "run.received", runId, seq: seq++, at: at() });
      await a().emit({ type: "run.accepted", runId, seq: seq++, at: at() });
      for (const s of steps) await a().emit({ type: "step", runId, seq: seq++, at: at(), result: { ...s, startedAt: at() } });
      await a().emit({ type: "verdict", runId, seq: seq++, at: at(), verdict: isolateFault(steps) });
      await a().emit({ type: "run.finished", runId, seq: seq++, at: at(), outcome: "completed", steps: steps.length });
    })();
  };
}

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  proxy = await startRecordingProxy(col.url);
  dir = await mkdtemp(join(tmpdir(), "netdiag-openapi-traffic-"));
  admin = col.adminToken;
  const token = async (role: string, name: string) => /ndt_\S+/.exec(ok(await cli(admin, "token", "create", "--role", role, "--name", name)))![0];
  engineer = await token("engineer", "alice");
  technician = await token("technician", "tom");
});

afterAll(async () => {
  await agent?.stop();
  await proxy?.close();
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a support case through the recording proxy", () => {
  let t1: Ticket;
  let failingRunId: string;

  test("intake and enrollment with the real CLI and the real agent's enroll", async () => {
    t1 = Ticket.parse(JSON.parse(ok(await cli(engineer, "ticket", "create", "--customer", "Wang Fang", "--contact", "+86 138 0000 0000", "--site", "Road 1", "--service", "Fiber 300M", "--symptom", "internet down since 9:00", "--started", "9:00", "--tried", "restarted the modem", "--category", "network", "--severity", "important", "--json"))));
    const code = EnrollmentCreated.parse(JSON.parse(ok(await cli(engineer, "enroll-code", "--ticket", t1.id, "--ttl-hours", "2", "--json"))));
    const cfg = join(dir, "agent.json");
    const r = await runBin("agent", ["enroll", "--collector", proxy.url, "--code", code.code, "--name", "wang-pc", "--config", cfg]);
    expect(r.code, r.stderr).toBe(0);
    const creds = (JSON.parse(await readFile(cfg, "utf8")) as { identity: { agentId: string; secret: string } }).identity;
    agentId = creds.agentId;
    // The agent's WebSocket goes straight to the collector: it is not an HTTP operation.
    agent = startFakeAgent({ url: col.url, creds, onFrame: answerRuns(() => agent!) });
    await agent.opened();
  });

  test("a diagnosis followed live, watched on the ticket too", async () => {
    const watch = startBin("cli", ["watch", "--ticket", t1.id], { NETDIAG_URL: proxy.url, NETDIAG_TOKEN: technician });
    await watch.waitFor(/waiting for a run on ticket/);
    const out = ok(await cli(engineer, "run", "--ticket", t1.id, "--agent", agentId, "--checks", CHECKS.join(","), "--service", "https://shop.example/", "--target", "10.0.0.1", "--grant-for", "2h", "--follow"), 1);
    failingRunId = /^run (\S+) /m.exec(out)![1]!;
    // The watch follows that run to its end and exits by itself (1: a fault was found).
    const exited = watch.proc.exitCode ?? (await new Promise<number | null>((r) => watch.proc.once("exit", r)));
    expect(exited, watch.output()).toBe(1);
    ok(await cli(technician, "watch", failingRunId), 1);
  });

  test("the desk's reads and actions, with their refusals", async () => {
    ok(await cli(technician, "ticket", "list", "--json"));
    ok(await cli(engineer, "ticket", "list", "--status", "diagnosing,waiting_customer", "--severity", "important", "--agent", agentId, "--cause", "WAN_LINK_DOWN", "--sort", "created", "--limit", "10"));
    ok(await cli(engineer, "ticket", "list", "--overdue"));
    ok(await cli(technician, "ticket", "show", t1.id, "--json"));
    ok(await cli(engineer, "ticket", "status", t1.id, "--to", "waiting_customer", "--note", "customer checks the DSL light"));
    ok(await cli(engineer, "ticket", "escalate", t1.id, "--to", "field_service", "--note", "line down at the cabinet?"));
    ok(await cli(technician, "ticket", "handover", t1.id, "--json"));
    const text = await fetch(`${proxy.url}/api/tickets/${t1.id}/handover?format=text`, { headers: { authorization: `Bearer ${technician}` } });
    expect(text.headers.get("content-type")).toMatch(/^text\/plain/);
    await text.text();
    expect((await cli(engineer, "ticket", "resolve", t1.id, "--root-cause", "x", "--fix", "y")).code).toBe(3); // 409 VERIFICATION_REQUIRED
    site = HEALTHY;
    const verifyRunId = /^verification run (\S+) /m.exec(ok(await cli(engineer, "ticket", "verify", t1.id, "--follow")))![1]!;
    ok(await cli(engineer, "ticket", "compare", t1.id, "--json"));
    ok(await cli(engineer, "ticket", "compare", t1.id, "--before", failingRunId, "--after", verifyRunId, "--json"));
    ok(await cli(engineer, "ticket", "resolve", t1.id, "--root-cause", "splitter loose at the cabinet", "--fix", "re-seated the splitter", "--note", "fixed on site"));
    ok(await cli(engineer, "ticket", "close", t1.id, "--confirmed", "--satisfaction", "5", "--note", "works again"));
    ok(await cli(technician, "ticket", "history", t1.id, "--json"));
    ok(await cli(technician, "knowledge", "WAN_LINK_DOWN", "--json"));
    expect((await cli(engineer, "run", "--ticket", t1.id, "--agent", agentId, "--checks", "host")).code).toBe(3); // 409 TICKET_CLOSED
    ok(await cli(engineer, "ticket", "reopen", t1.id, "--note", "the line dropped again"));
    expect((await cli(engineer, "ticket", "show", "tk_doesnotexist")).code).toBe(3); // 404
    expect((await cli(technician, "ticket", "status", t1.id, "--to", "diagnosing")).code).toBe(3); // 403
    expect((await cli("ndt_not-a-real-token-000000000000", "ticket", "list")).code).toBe(3); // 401
    const t2 = Ticket.parse(JSON.parse(ok(await cli(engineer, "ticket", "create", "--customer", "Li Lei", "--contact", "+86 139", "--service", "Fiber", "--symptom", "slow", "--json"))));
    expect((await cli(engineer, "ticket", "close", t2.id, "--unreachable", "--note", "called twice")).code).toBe(3); // 409 ILLEGAL_TRANSITION
    expect((await cli(engineer, "ticket", "compare", t2.id)).code).toBe(3); // 404 NO_COMPARISON
    ok(await cli(engineer, "ticket", "resolve", t2.id, "--root-cause", "modem hung", "--fix", "restarted it", "--unverified-reason", "fixed on the first call"));
  });

  test("agents, a cancelled run, tokens, the audit trail", async () => {
    ok(await cli(technician, "agents"));
    ok(await cli(technician, "device", agentId, "--json"));
    site = undefined; // the agent holds the next run without answering
    const queued = ok(await cli(engineer, "run", "--ticket", t1.id, "--agent", agentId, "--checks", "host", "--json"));
    const runId = (JSON.parse(queued) as { id: string }).id;
    ok(await cli(engineer, "cancel", runId));
    expect((await cli(engineer, "cancel", runId)).code).toBe(3); // 409 RUN_FINISHED (or still stopping: documented either way)
    ok(await cli(engineer, "agent", "reenroll", agentId));
    ok(await cli(admin, "token", "list"));
    const listed = await api("/api/tokens", z.array(z.object({ id: z.string(), name: z.string() })), { token: admin });
    ok(await cli(admin, "token", "revoke", listed.find((t) => t.name === "tom")!.id));
    ok(await cli(admin, "audit", "--ticket", t1.id, "--action", "run.request", "--limit", "20"));
    ok(await cli(admin, "audit", "--agent", agentId, "--actor", "system"));
    ok(await cli(admin, "agent", "revoke", agentId));
    expect((await cli(admin, "agent", "reenroll", agentId)).code).toBe(3); // 409 AGENT_REVOKED
  });

  test("users (the admin's API calls, as the tests make them), bad bodies and the docs themselves", async () => {
    const u = await api("/api/users", UserView, { token: admin, body: { username: "wang.li", role: "engineer", password: "a long enough password" } });
    expect(await refused(api("/api/users", UserView, { token: admin, body: { username: "wang.li", role: "engineer", password: "a long enough password" } }))).toBe(409);
    await api("/api/users", z.array(UserView), { token: admin });
    await api(`/api/users/${u.id}/password`, UserView, { token: admin, body: { password: "another long password" } });
    await api(`/api/users/${u.id}/disable`, UserView, { token: admin, method: "POST", body: {} });
    expect(await refused(api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "x", contact: "y" }, service: "s", symptom: "s", priority: 1 } }))).toBe(400);
    expect(await refused(api("/api/runs", Ticket, { token: engineer, body: { ticketId: t1.id, agentId, checks: ["host"], params: { targets: ["-oProxyCommand=x"] } } }))).toBe(400);
    expect(await refused(api("/api/agents/enroll", Ticket, { body: { code: "ZZZZZ-ZZZZZ", name: "guess", agentVersion: "0.1.0" } }))).toBe(401);
    expect((await fetch(`${proxy.url}/api-docs`)).status).toBe(200);
  });
});

describe("what travelled", () => {
  test("every request and every answer matches GET /openapi.json", async () => {
    const doc = (await (await fetch(`${col.url}/openapi.json`)).json()) as OpenApiDocument;
    const check = openApiChecker(doc);
    const problems: string[] = [];
    for (const x of proxy.exchanges) {
      // What the server accepted, the document must accept. (A refused body may still pass the
      // document: refinements have no JSON Schema form, docs/openapi.md.)
      if (x.status < 400) problems.push(...check.checkRequest(x.method, x.url, x.requestBody));
      problems.push(...check.checkResponse(x.method, x.url, x.status, x.contentType, x.responseBody, x.complete));
    }
    expect(problems).toEqual([]);
    // Streams and text were there and were checked, not skipped.
    const seen = (pred: (ct: string, status: number) => boolean) => proxy.exchanges.some((x) => pred(x.contentType, x.status));
    expect(seen((ct) => ct.startsWith("text/event-stream"))).toBe(true);
    expect(seen((ct) => ct.startsWith("text/plain"))).toBe(true);
    for (const status of [200, 201, 202, 400, 401, 403, 404, 409]) expect(seen((_ct, s) => s === status), `no ${status} travelled`).toBe(true);
  });

  test("every operation of the desk, agents, runs, tokens, audit, users and docs was exercised", async () => {
    const doc = (await (await fetch(`${col.url}/openapi.json`)).json()) as OpenApiDocument;
    const check = openApiChecker(doc);
    const exercised = new Set(proxy.exchanges.map((x) => check.match(x.method, new URL(x.url, "http://x").pathname)).map((m) => m && `${m.method.toUpperCase()} ${m.template}`));
    const routes = [...ticketRoutes, ...ticketLifecycleRoutes, ...ticketEventRoutes, ...runRoutes, ...agentRoutes, ...adminRoutes, ...userRoutes, ...openapiRoutes.filter((r) => r.path !== "/openapi.json")];
    const missing = routes.map((r) => `${r.method} ${openApiPath(r.path)}`).filter((r) => !exercised.has(r));
    expect(missing).toEqual([]);
  });
});
