// No secret in the logs. A whole support case against the BUILT collector binary logging JSON at info
// level: the bootstrap admin token, an engineer's token, a metrics scrape token, an enrollment code, the
// agent's secret (a real-link agent), an SNMP community carried in a step (and in a hostile frame the
// collector refuses), a user's password at the web sign-in (also typed into the username field by
// mistake), tokens sent where they do not belong (a query string, X-Request-Id, a bad Authorization).
// Then every secret used is searched for in every log line: none may appear. The lines are JSON and
// carry request ids, run ids and agent ids.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Enrolled, EnrollmentCreated, Run, Ticket, TokenCreated } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { AGENT_VERSION } from "../../agent/version.js";
import { startBin, type Daemon } from "../helpers/cli.js";
import { startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { WebClient } from "../web/web-client.js";
import { judge, LINE_DOWN } from "../collector/tickets/desk-fixtures.js";

const COMMUNITY = "c0mmunity-Xq7Lp2";
const PASSWORD = "Corr3ct-Horse-Battery-9";
const SCRAPE_TOKEN = "scrape-5f1c9a7e3b2d4c6a8e0f1a2b";

let dir: string | undefined;
let collector: Daemon | undefined;
let agent: FakeAgent | undefined;

afterAll(async () => {
  await agent?.stop();
  await collector?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("secrets never reach the collector's logs", () => {
  test("a full support case, then every secret it used is searched for in the JSON log", { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), "netdiag-logsecrets-"));
    const tokenFile = join(dir, "scrape.token");
    await writeFile(tokenFile, SCRAPE_TOKEN, { mode: 0o600 });
    collector = startBin("collector", ["--port", "0", "--data-dir", join(dir, "data"), "--log-level", "info", "--metrics-token-file", tokenFile]);
    let stderr = "";
    collector.proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    // The whole line: stdout may arrive in pieces.
    await collector.waitFor(/export NETDIAG_TOKEN=\S+\n/);
    const url = /export NETDIAG_URL=(\S+)/.exec(collector.output())![1]!;
    const admin = /export NETDIAG_TOKEN=(\S+)/.exec(collector.output())![1]!;

    // Intake by an engineer with a token of their own.
    const engineer = (await httpJson(`${url}/api/tokens`, TokenCreated, { token: admin, body: { name: "alice", role: "engineer" } })).token;
    const ticket = await httpJson(`${url}/api/tickets`, Ticket, { token: engineer, body: { customer: { name: "Wang Fang", contact: "+86 138 0000 0000" }, service: "Fiber 300M", symptom: "down" } });
    const code = (await httpJson(`${url}/api/enrollments`, EnrollmentCreated, { token: engineer, body: { ticketId: ticket.id } })).code;
    const enrolled = await httpJson(`${url}/api/agents/enroll`, Enrolled, { body: { code, name: "pc", agentVersion: AGENT_VERSION } });
    // The code is single-use: trying it again is refused (and logged as such, without the code).
    await httpJson(`${url}/api/agents/enroll`, Enrolled, { body: { code, name: "again", agentVersion: AGENT_VERSION } }).catch(() => undefined);

    // The customer's agent answers the run: its SNMP step failed and names the community it used.
    const steps = LINE_DOWN();
    const now = Date.now();
    steps.snmp = { check: "snmp", status: "error", startedAt: now, durationMs: 5, findings: [], data: {}, error: { code: "SNMP_TIMEOUT", message: `no answer from 10.77.0.1 with community ${COMMUNITY}` } } as never;
    agent = startFakeAgent({
      url,
      creds: { agentId: enrolled.agentId, secret: enrolled.secret },
      onFrame: (f) => {
        if (f.type !== "run.request") return;
        void (async () => {
          let seq = 0;
          await agent!.emit({ type: "run.received", runId: f.runId, seq: seq++, at: Date.now() });
          await agent!.emit({ type: "run.accepted", runId: f.runId, seq: seq++, at: Date.now() });
          for (const r of Object.values(steps)) await agent!.emit({ type: "step", runId: f.runId, seq: seq++, at: Date.now(), result: { ...r, startedAt: Date.now() } });
          await agent!.emit({ type: "verdict", runId: f.runId, seq: seq++, at: Date.now(), verdict: judge(LINE_DOWN()) });
          await agent!.emit({ type: "run.finished", runId: f.runId, seq: seq++, at: Date.now(), outcome: "completed", steps: Object.keys(steps).length });
        })();
      },
    });
    await agent.opened();
    const run = await httpJson(`${url}/api/runs`, Run, { token: engineer, body: { ticketId: ticket.id, agentId: enrolled.agentId, checks: Object.keys(steps), params: {} } });
    await expect.poll(async () => (await httpJson(`${url}/api/runs/${run.id}`, Run, { token: engineer })).state, { timeout: 30_000 }).toBe("completed");

    // A frame the collector refuses, carrying the community under its own key.
    const hostile = { type: "step", runId: run.id, seq: 999, at: Date.now(), result: { check: "snmp", status: "error", startedAt: now, durationMs: 1, findings: [], data: {}, error: { code: "X", message: "x" }, community: COMMUNITY } };
    agent.link["ws"]?.send(JSON.stringify(hostile));
    await expect.poll(() => agent!.closes.length, { timeout: 10_000 }).toBeGreaterThan(0);

    // A web console user signs in with their password; once they typed it into the username field.
    await httpJson(`${url}/api/users`, TokenCreated.partial().loose(), { token: admin, body: { username: "bob", role: "engineer", password: PASSWORD } });
    const web = new WebClient((path, init) => fetch(`${url}${path}`, init));
    expect((await web.signInWithPassword("bob", PASSWORD)).status).toBe(303);
    await new WebClient((path, init) => fetch(`${url}${path}`, init)).signInWithPassword(PASSWORD, "not the password");

    // Tokens where they do not belong.
    await fetch(`${url}/api/tickets?token=${engineer}`, { headers: { authorization: `Bearer ${engineer}` } });
    await fetch(`${url}/api/tickets`, { headers: { authorization: `Bearer ${engineer}`, "x-request-id": engineer.slice(0, 64) } });
    await fetch(`${url}/api/audit`, { headers: { authorization: `Bearer ${engineer}x` } });
    await fetch(`${url}/agent/ws`, { headers: { authorization: `Bearer ${enrolled.agentId}.${enrolled.secret}x`, connection: "Upgrade", upgrade: "websocket" } }).catch(() => undefined);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).status).toBe(200);

    await agent.stop();
    agent = undefined;
    expect(await collector.stop("SIGTERM")).toBe(0);
    collector = undefined;

    // Every line is JSON; the ids that make a log useful are there.
    const lines = stderr.split("\n").filter((l) => l.trim() !== "");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.length).toBeGreaterThan(20);
    expect(parsed.some((l) => l.msg === "request" && typeof l.reqId === "string")).toBe(true);
    expect(parsed.some((l) => l.msg === "run event stored" && l.runId === run.id && l.agentId === enrolled.agentId)).toBe(true);
    expect(parsed.some((l) => l.msg === "agent frame rejected")).toBe(true);

    const secrets: Record<string, string> = {
      "admin token": admin,
      "engineer token": engineer,
      "scrape token": SCRAPE_TOKEN,
      "enrollment code": code,
      "agent secret": enrolled.secret,
      "SNMP community": COMMUNITY,
      "user password": PASSWORD,
    };
    for (const [what, value] of Object.entries(secrets)) {
      const leaked = lines.filter((l) => l.includes(value));
      expect(leaked, `${what} appears in the log`).toEqual([]);
    }
  });
});
