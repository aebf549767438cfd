// Equipment secrets are never stored: not in run_events.body, not in the SQLite WAL, not in the agent's
// outbox. Part 1 is a full run with the real agent binary against real devices on loopback (Debian's
// snmpd, the RouterOS API simulator) that echo the configured SNMP community, SNMPv3 keys and RouterOS
// password in their answers, triggered by the engineer and then again offline (`check --ticket`). Part
// 2 is an old or buggy agent that scrubs nothing (the real link client sending made-up events): the
// collector's own scrub must keep secret-named keys and credential-shaped text out of the files.
import { readdir, readFile, rm, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, Enrolled, EnrollmentCreated, Run, Ticket, TicketWithRuns } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import type { RunEvent } from "../../shared/protocol.js";
import { runBin, startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { healthyState, startRouterosSim, type RouterosSim } from "../helpers/routeros-sim.js";
import { startSnmpd, type Snmpd } from "../helpers/snmpd.js";
import { NO_SNMPD, titled } from "../helpers/system-deps.js";

const COMMUNITY = "c0mm-Zq81x";
const AUTH_KEY = "authK-Zq81-aaaa";
const PRIV_KEY = "privK-Zq81-bbbb";
const ROS_PASSWORD = "rosPW-Zq81-cccc";

let col: TestCollector;
let dir: string;

/** Every byte the collector keeps on disk: the database, its WAL and shared-memory files. */
async function collectorBytes(): Promise<Buffer> {
  const files = await readdir(col.dataDir);
  expect(files.some((f) => f.endsWith("-wal"))).toBe(true);
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(col.dataDir, f)))));
}

function expectAbsent(bytes: Buffer, secrets: readonly string[], where: string): void {
  for (const s of secrets) expect(bytes.includes(Buffer.from(s, "utf8")), `${where} holds ${s}`).toBe(false);
}

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  dir = await mkdtemp(join(tmpdir(), "netdiag-secrets-"));
});

afterAll(async () => {
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!!NO_SNMPD)(titled("a full run whose devices echo the configured secrets", NO_SNMPD), () => {
  let snmpd: Snmpd;
  let ros: RouterosSim;
  let agent: Daemon | undefined;
  let agentSecret: string;
  let agentId: string;
  let ticket: Ticket;
  const cfgPath = () => join(dir, "agent.json");
  const stateDir = () => join(dir, "state");

  beforeAll(async () => {
    snmpd = await startSnmpd({
      community: COMMUNITY,
      users: [{ name: "tech", authKey: AUTH_KEY, privKey: PRIV_KEY }],
      overrides: [
        { oid: "1.3.6.1.2.1.1.1.0", type: "octet_str", value: `modem fw 1.2 community ${COMMUNITY}` },
        { oid: "1.3.6.1.2.1.1.5.0", type: "octet_str", value: `v3 ${AUTH_KEY} ${PRIV_KEY}` },
      ],
    });
    const state = healthyState();
    state.resource.boardName = `hAP ${ROS_PASSWORD}`;
    state.log.push({ time: "10:04:05", topics: "interface,info", message: `login failure for user netdiag with ${ROS_PASSWORD}` });
    ros = await startRouterosSim({ user: "netdiag", password: ROS_PASSWORD, state });
    ticket = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Wang Fang", contact: "+86 138 0000 0000" }, service: "Fiber", symptom: "slow" } });
    const code = await col.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: ticket.id } });
    const enrolled = await httpJson(`${col.url}/api/agents/enroll`, Enrolled, { body: { code: code.code, name: "wang-pc", agentVersion: "0.1.0" } });
    agentId = enrolled.agentId;
    agentSecret = enrolled.secret;
    await writeFile(
      cfgPath(),
      JSON.stringify({
        identity: { collectorUrl: col.url, agentId, secret: agentSecret },
        targets: {
          anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"],
          publicResolvers: ["127.0.0.1:1"],
          resolvers: ["127.0.0.1:1"],
          names: ["shop.test"],
          snmp: [
            { host: snmpd.host, port: snmpd.port, version: "2c", community: COMMUNITY, wanIfIndex: 1 },
            { host: snmpd.host, port: snmpd.port, version: "3", user: "tech", authKey: AUTH_KEY, privKey: PRIV_KEY, wanIfIndex: 1 },
          ],
          routeros: [{ host: "127.0.0.1", port: ros.port, user: "netdiag", password: ROS_PASSWORD, wanInterface: "ether1" }],
        },
        stateDir: stateDir(),
      }),
      { mode: 0o600 },
    );
    const grant = await runBin("agent", ["authorize", "--ticket", ticket.id, "--checks", "snmp,routeros", "--config", cfgPath()]);
    expect(grant.code, grant.stderr).toBe(0);
    agent = startBin("agent", ["run", "--config", cfgPath(), "--consent", "grants-only"]);
  });

  afterAll(async () => {
    await agent?.stop();
    await ros?.close();
    await snmpd?.close();
  });

  test("triggered and offline runs are stored with every secret hidden, in the database, the WAL and the agent's outbox", async () => {
    await expect.poll(async () => (await col.api("/api/agents", z.array(Agent))).find((a) => a.id === agentId)?.connected, { timeout: 15_000 }).toBe(true);
    const run = await col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId, checks: ["snmp", "routeros"] } });
    await expect.poll(async () => (await col.api(`/api/runs/${run.id}`, Run)).state, { timeout: 30_000 }).toBe("completed");
    // The same diagnosis run by the customer with the line "down": spooled, then uploaded by `run`.
    const offline = await runBin("agent", ["check", "--config", cfgPath(), "--checks", "snmp,routeros", "--ticket", ticket.id]);
    expect(offline.code, offline.stderr).toBeLessThanOrEqual(1);
    await expect.poll(async () => (await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs.find((r) => r.offline)?.state, { timeout: 30_000 }).toBe("completed");

    // The devices really did echo the secrets (else this test proves nothing), and they arrived hidden.
    const stored = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns);
    expect(stored.runs).toHaveLength(2);
    for (const r of stored.runs) {
      const snmp = r.steps.find((s) => s.result.check === "snmp")!.result.data as { devices: { system?: { sysDescr?: string; sysName?: string } }[] };
      expect(snmp.devices[0]!.system!.sysDescr).toBe("modem fw 1.2 community [redacted]");
      expect(snmp.devices[1]!.system!.sysName).toBe("v3 [redacted] [redacted]");
      expect(JSON.stringify(r.steps.find((s) => s.result.check === "routeros")!.result.data)).toContain("login failure for user netdiag with [redacted]");
    }
    const secrets = [COMMUNITY, AUTH_KEY, PRIV_KEY, ROS_PASSWORD, agentSecret];
    expectAbsent(await collectorBytes(), secrets, "the collector's data directory");
    const outbox = await readdir(stateDir(), { recursive: true });
    const agentFiles = outbox.filter((f) => /outbox/.test(f) && !f.endsWith("spool"));
    expect(agentFiles.length).toBeGreaterThan(0);
    for (const f of agentFiles) expectAbsent(await readFile(join(stateDir(), f)).catch(() => Buffer.alloc(0)), secrets, `agent ${f}`);
  });
});

describe("an agent that scrubs nothing (old or buggy): the collector scrubs before storing", () => {
  let fake: FakeAgent;
  let ticketId: string;
  const LEAKS = ["leak-pass-1", "leak-pwd-2", "leak-key-3", "leak-psk-4", "leak-apikey-5", "leak-xapikey-6", "leak-community-7", "leak-routerpw-8", "leak-nested-9", "leak-deep-10", "leak-url-11", "leak-kv-12", "leak-reason-13", "leak-verdict-14"];
  const PEM_BODY = "MIIEowIBAAKCAQEAleakpem15";
  const TOKEN = "ndt_leakTokenLeakTokenLeak16";

  beforeAll(async () => {
    ticketId = (await col.api("/api/tickets", Ticket, { body: { customer: { name: "Li Na", contact: "+86 139 0000 0000" }, service: "Fiber", symptom: "down" } })).id;
    const [creds] = await enrollAgents(col.url, col.adminToken, 1, ticketId);
    fake = startFakeAgent({ url: col.url, creds: creds! });
    await fake.opened();
  });

  afterAll(async () => fake?.stop());

  test("credential-shaped text in a valid step's free text never reaches the files", async () => {
    // A step with secret-NAMED keys is refused at the edge now (strict step schemas: unknown fields are
    // an INVALID_FRAME, nothing stored; test/collector/hostile-input.test.ts). What an old or buggy agent
    // can still carry is credential-shaped text in the free-text fields a step has: a device's error, a
    // finding's message, a skip reason, the verdict's summary.
    const runId = "off_leakyagent1";
    const now = Date.now();
    const banner = `GET https://admin:${LEAKS[10]}@10.0.0.1/ then wifi password=${LEAKS[11]}`;
    const pem = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----`;
    const data = { devices: [{ host: "10.0.0.1", port: 161, version: "2c" as const, reach: "error" as const, error: `${banner}; Authorization: Bearer ${TOKEN}; ${pem}` }] };
    const events: RunEvent[] = [
      { type: "run.offline", runId, seq: 0, at: now, ticketId, checks: ["snmp"] },
      { type: "step", runId, seq: 1, at: now, result: { check: "snmp", status: "fail", startedAt: now, durationMs: 5, findings: [{ code: "SNMP_ERROR", severity: "fail", message: `snmp said password=${LEAKS[12]}` }], data } },
      {
        type: "verdict", runId, seq: 2, at: now,
        verdict: { segment: "router", cause: "ROUTER_DNS_DEAD", summary: `router said token=${LEAKS[13]}`, evidence: [], consequences: [], unverified: [], next_steps: { customer: [], engineer: [] } },
      },
      { type: "run.finished", runId, seq: 3, at: now, outcome: "completed", steps: 1 },
    ];
    for (const ev of events) await fake.emit(ev);
    await fake.drained();

    const run = await col.api(`/api/runs/${runId}`, Run);
    expect(run.state).toBe("completed");
    const shown = run.steps[0]!.result.data as typeof data;
    expect(shown.devices[0]!.error).toContain("GET https://admin:[redacted]@10.0.0.1/ then wifi password=[redacted]");
    expectAbsent(await collectorBytes(), [LEAKS[10]!, LEAKS[11]!, LEAKS[12]!, LEAKS[13]!, PEM_BODY, TOKEN], "the collector's data directory");
  });

  test("a refusal reason quoting a credential is scrubbed in the run and in the audit trail", async () => {
    const leak = "leak-refusal-17";
    const run = await col.api("/api/runs", Run, { body: { ticketId, agentId: fake.agentId, checks: ["ping"] } });
    await expect.poll(() => fake.frames.some((f) => f.type === "run.request" && f.runId === run.id)).toBe(true);
    await fake.emit({ type: "run.refused", runId: run.id, seq: 0, at: Date.now(), code: "CONSENT_REFUSED", reason: `customer typed password=${leak}` });
    await fake.drained();
    expect((await col.api(`/api/runs/${run.id}`, Run)).reason).toBe("CONSENT_REFUSED: customer typed password=[redacted]");
    expectAbsent(await collectorBytes(), [leak], "the collector's data directory");
  });
});
