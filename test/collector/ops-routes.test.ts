// Operating a real collector (SQLite file, HTTP and WebSocket on loopback): /healthz, /readyz with its
// store write probe (a real second connection holding the write lock) and its draining answer,
// /metrics with the scrape token, an admin token, anything else refused; the figures a support case
// moves (agents, runs by state, steps, verdicts, ingest latency, WebSocket closes, SSE streams, HTTP
// requests by route pattern); request ids echoed and carried into the log; one registry per collector.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EnrollmentCreated, Run, Ticket, TokenCreated } from "../../shared/api.js";
import { DB_FILE } from "../../collector/server.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { judge, LINE_DOWN } from "./tickets/desk-fixtures.js";

const SCRAPE_TOKEN = "scrape-0123456789abcdef0123456789";
let col: TestCollector;
let other: TestCollector | undefined;
let agent: FakeAgent | undefined;
let engineer: string;
let dir: string;

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${col.url}${path}`, { headers });
}

async function scrape(token = SCRAPE_TOKEN, c = col): Promise<string> {
  const res = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series in Prometheus text ("name{a="b"} 3"), or undefined when absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? "").split(",").filter(Boolean);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-ops-"));
  const tokenFile = join(dir, "metrics.token");
  await writeFile(tokenFile, `${SCRAPE_TOKEN}\n`, { mode: 0o600 });
  col = await startTestCollector({ metricsTokenFile: tokenFile, heartbeatMs: 60_000 });
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "eve", role: "engineer" } })).token;
});
afterAll(async () => {
  await agent?.stop();
  await other?.close();
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("health", () => {
  test("/healthz: alive, with the connected agent count and the node id", async () => {
    expect(await (await get("/healthz")).json()).toEqual({ ok: true, agentsConnected: 0, nodeId: col.running.nodeId });
    expect(col.running.nodeId).toMatch(/^[A-Za-z0-9_-]+_[A-Za-z0-9_-]{10}$/);
  });

  test("/readyz: 200 while the store takes a write; 503 STORE_SLOW while another connection holds the write lock", { timeout: 20_000 }, async () => {
    expect(await (await get("/readyz")).json()).toEqual({ ok: true });
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(join(col.dataDir, DB_FILE), (e) => (e ? reject(e) : resolve(d)));
    });
    const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
    try {
      await exec("BEGIN IMMEDIATE");
      const res = await get("/readyz");
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, code: "STORE_SLOW" });
      await exec("COMMIT");
      await expect.poll(async () => (await get("/readyz")).status, { timeout: 10_000 }).toBe(200);
    } finally {
      await new Promise((r) => db.close(r));
    }
  });
});

describe("/metrics access", () => {
  test("the scrape token and an admin token read it; an engineer is forbidden; a wrong token is refused and audited", async () => {
    const text = await scrape();
    expect(text).toMatch(/^# TYPE netdiag_agents_connected gauge$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect((await get("/metrics", { authorization: `Bearer ${col.adminToken}` })).status).toBe(200);
    expect((await get("/metrics", { authorization: `Bearer ${engineer}` })).status).toBe(403);
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", { authorization: "Bearer scrape-0123456789abcdef-wrong" })).status).toBe(401);
    const denied = await col.running.store.listAudit({ action: "auth.denied", limit: 100 });
    expect(denied.filter((a) => a.detail?.route === "GET /metrics").length).toBeGreaterThanOrEqual(2);
  });

  test("the scrape token opens nothing else", async () => {
    expect((await get("/api/tickets", { authorization: `Bearer ${SCRAPE_TOKEN}` })).status).toBe(401);
    expect((await get("/api/audit", { authorization: `Bearer ${SCRAPE_TOKEN}` })).status).toBe(401);
  });

  test("a scrape token file that is too short stops the start", async () => {
    const file = join(col.dataDir, "short.token");
    await writeFile(file, "short\n");
    await expect(startTestCollector({ metricsTokenFile: file })).rejects.toThrow(/at least 20 characters/);
  });
});

describe("request ids", () => {
  test("a sane X-Request-Id is echoed and carried by the request's log lines; others are replaced", async () => {
    const res = await get("/api/tickets", { authorization: `Bearer ${engineer}`, "x-request-id": "desk-42.a" });
    expect(res.headers.get("x-request-id")).toBe("desk-42.a");
    expect(col.log.lines.find((l) => l.msg === "request" && l.fields.reqId === "desk-42.a")?.fields).toMatchObject({ method: "GET", route: "/api/tickets", status: 200 });
    const generated = (await get("/healthz")).headers.get("x-request-id");
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = (await get("/healthz", { "x-request-id": "a\"b{}" + "x".repeat(70) })).headers.get("x-request-id");
    expect(hostile).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a failed authentication logs with the request id too", async () => {
    await get("/api/audit", { authorization: "Bearer ndt_not-a-real-token-000000000", "x-request-id": "bad-auth-1" });
    expect(col.log.lines.some((l) => l.fields.reqId === "bad-auth-1" && l.fields.status === 401)).toBe(true);
  });
});

describe("what a support case moves", () => {
  test("agents, runs by state, steps, verdicts, ingest latency, closes, SSE streams, requests by route pattern", { timeout: 60_000 }, async () => {
    const ticket = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Li", contact: "+86 1" }, service: "Fiber", symptom: "down" } });
    const [creds] = await enrollAgents(col.url, col.adminToken, 1, ticket.id);
    const steps = LINE_DOWN();
    agent = startFakeAgent({
      url: col.url,
      creds: creds!,
      onFrame: (f) => {
        if (f.type !== "run.request") return;
        void (async () => {
          let seq = 0;
          await agent!.emit({ type: "run.received", runId: f.runId, seq: seq++, at: Date.now() });
          await agent!.emit({ type: "run.accepted", runId: f.runId, seq: seq++, at: Date.now() });
          for (const r of Object.values(steps)) await agent!.emit({ type: "step", runId: f.runId, seq: seq++, at: Date.now(), result: { ...r, startedAt: Date.now() } });
          await agent!.emit({ type: "verdict", runId: f.runId, seq: seq++, at: Date.now(), verdict: judge(steps) });
          await agent!.emit({ type: "run.finished", runId: f.runId, seq: seq++, at: Date.now(), outcome: "completed", steps: Object.keys(steps).length });
        })();
      },
    });
    await agent.opened();
    expect(series(await scrape(), "netdiag_agents_connected")).toBe(1);

    const run = await col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId: creds!.agentId, checks: Object.keys(steps), params: {} } });
    // A live viewer: counted while its stream is open.
    const viewer = await fetch(`${col.url}/api/runs/${run.id}/events`, { headers: { authorization: `Bearer ${engineer}` } });
    expect(viewer.status).toBe(200);
    await expect.poll(async () => series(await scrape(), "netdiag_sse_subscribers"), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await col.api(`/api/runs/${run.id}`, Run)).state, { timeout: 20_000 }).toBe("completed");
    await viewer.body!.cancel();
    await expect.poll(async () => series(await scrape(), "netdiag_sse_subscribers"), { timeout: 10_000 }).toBe(0);

    const text = await scrape();
    const verdict = judge(steps);
    expect(series(text, "netdiag_verdicts_total", { segment: verdict.segment, cause: verdict.cause })).toBe(1);
    const stepCount = Object.values(steps).reduce((n, s) => n + (s.check === "snmp" && s.status === "fail" ? 1 : 0), 0);
    expect(series(text, "netdiag_steps_ingested_total", { check: "snmp", status: "fail" })).toBe(stepCount);
    // run.received, run.accepted, every step, the verdict, run.finished: each acked after its commit.
    expect(series(text, "netdiag_ingest_latency_seconds_count", { outcome: "stored" })).toBe(Object.keys(steps).length + 4);
    expect(series(text, "netdiag_runs", { state: "completed" })).toBe(1);
    // The route pattern, never the run's id.
    expect(series(text, "netdiag_http_requests_total", { method: "GET", route: "/api/runs/:id", status: "200" })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(run.id);
    expect(series(text, "netdiag_http_requests_total", { method: "GET", route: "unmatched", status: "404" })).toBeUndefined();
    await get("/no/such/page");
    expect(series(await scrape(), "netdiag_http_requests_total", { method: "GET", route: "unmatched", status: "404" })).toBe(1);

    await agent.stop();
    agent = undefined;
    await expect.poll(async () => series(await scrape(), "netdiag_ws_closes_total", { code: "1000" }), { timeout: 10_000 }).toBe(1);
    expect(series(await scrape(), "netdiag_agents_connected")).toBe(0);
  });

  test("each collector has its own registry", async () => {
    const mine = () => scrape().then((t) => series(t, "netdiag_http_requests_total", { method: "POST", route: "/api/enrollments", status: "201" }));
    const before = await mine();
    other = await startTestCollector();
    await other.api("/api/enrollments", EnrollmentCreated, { body: {} });
    const theirs = series(await scrape(other.adminToken, other), "netdiag_http_requests_total", { method: "POST", route: "/api/enrollments", status: "201" });
    expect(theirs).toBe(1);
    expect(await mine()).toBe(before);
  });
});
