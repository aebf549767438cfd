// The whole product slice, with real parts only: a collector on port 0 with a real SQLite file, the
// real agent binary enrolled with a one-time code and connected over a real WebSocket, the engineer
// CLI following a run live, real `ping` of loopback and a real DNS server on loopback.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, DeviceState, EnrollmentCreated, Run, Ticket, TicketWithRuns, TokenCreated } from "../../shared/api.js";
import { startDnsStub, type DnsStub } from "../helpers/dns-stub.js";
import { runBin, startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let dns: DnsStub;
let agent: Daemon | undefined;
let dir: string;
let engineer: string;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  dns = await startDnsStub({ records: { "shop.test": { A: ["127.0.0.1"] } } });
  dir = await mkdtemp(join(tmpdir(), "netdiag-e2e-"));
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
});

afterAll(async () => {
  await agent?.stop();
  await dns?.close();
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("agent -> WebSocket -> collector -> ticket", () => {
  let ticket: Ticket;
  let agentId: string;
  const cfgPath = () => join(dir, "agent.json");

  test("an engineer opens a ticket and makes an enrollment code", async () => {
    const r = await runBin("cli", ["ticket", "create", "--customer", "Wang Fang", "--contact", "+86 138 0000 0000", "--service", "Fiber 300M", "--symptom", "internet down since this morning", "--severity", "important", "--json"], { NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    ticket = Ticket.parse(JSON.parse(r.stdout));
    expect(ticket.severity).toBe("important");
    expect(ticket.respondBy).toBeGreaterThan(ticket.createdAt);
  });

  test("the customer enrolls the agent with the code; the secret is stored 0600 and only hashed on the collector", async () => {
    const code = await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: { ticketId: ticket.id } });
    const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code.code, "--name", "wang-pc", "--config", cfgPath()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((await stat(cfgPath())).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(await readFile(cfgPath(), "utf8"));
    agentId = cfg.identity.agentId;
    expect(cfg.identity.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const stored = await col.running.store.getAgent(agentId);
    expect(stored?.secretHash).not.toContain(cfg.identity.secret);
    expect(stored?.ticketId).toBe(ticket.id);
    // The code is one-time: a replay is refused.
    const again = await runBin("agent", ["enroll", "--collector", col.url, "--code", code.code, "--config", join(dir, "other.json")]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/enrollment code was used/);
    // Point every target at loopback stubs (network safety) and start the agent.
    cfg.targets = { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [dns.address], resolvers: [dns.address], names: ["shop.test"] };
    await writeFile(cfgPath(), JSON.stringify(cfg), { mode: 0o600 });
    // The customer pre-authorizes diagnosis for this ticket (the agent refuses runs without a grant).
    expect((await runBin("agent", ["authorize", "--ticket", ticket.id, "--all", "--for", "1h", "--config", cfgPath()])).code).toBe(0);
    agent = startBin("agent", ["run", "--config", cfgPath()]);
    await expect.poll(async () => (await col.api("/api/agents", z.array(Agent), { token: engineer })).find((a) => a.id === agentId)?.connected, { timeout: 10_000 }).toBe(true);
  });

  test("the engineer triggers a run and follows it live; each step is stored as it arrives", async () => {
    const r = await runBin("cli", ["run", "--ticket", ticket.id, "--agent", agentId, "--checks", "ping,dns", "--follow"], { NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^✔ ping +ok/m);
    expect(r.stdout).toMatch(/^✔ dns +ok/m);
    expect(r.stdout).toMatch(/VERDICT: /);
    expect(r.stdout).toMatch(/run completed/);

    const full = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns, { token: engineer });
    expect(full.runs).toHaveLength(1);
    const run = full.runs[0]!;
    expect(run.state).toBe("completed");
    expect(run.steps.map((s) => s.result.check).sort()).toEqual(["dns", "ping"]);
    // The verdict is streamed last: after every step, before run.finished.
    expect(run.verdict).toBeDefined();
    const ping = run.steps.find((s) => s.result.check === "ping")!.result;
    expect(JSON.stringify(ping.data)).toMatch(/127\.0\.0\.1/);
    expect(dns.queries).toBeGreaterThan(0);
    // Who triggered, that the agent accepted and ran it, and who read the ticket: all audited.
    const audit = await col.running.store.listAudit({ ticketId: ticket.id });
    const trail = (await col.running.store.listAudit({ limit: 1000 })).filter((e) => e.runId === run.id).map((e) => `${e.action}:${e.actor.split(":")[0]}`);
    expect(trail).toEqual(expect.arrayContaining(["run.request:token", "run.accepted:agent", "run.finished:agent"]));
    expect(audit.some((e) => e.action === "ticket.read" && e.actor.includes("alice"))).toBe(true);
  });

  test("a run the collector cannot express with known checks is refused by the agent with a reason", async () => {
    // Bypass the API's own validation to play a confused (or compromised) collector.
    const id = "run_bogus1";
    await col.running.store.createRun({ id, ticketId: ticket.id, agentId, checks: ["ping", "format-disk"], params: {}, requestedBy: "test", pickupBy: Date.now() + 60_000, createdAt: Date.now() });
    await col.running.hub.dispatch((await col.running.store.getRun(id))!);
    await expect.poll(async () => (await col.api(`/api/runs/${id}`, Run)).state, { timeout: 10_000 }).toBe("refused");
    const run = await col.api(`/api/runs/${id}`, Run);
    expect(run.reason).toMatch(/UNKNOWN_CHECK.*format-disk/);
    expect(run.steps).toHaveLength(0);
  });

  test("hostile targets are refused with a clear error before anything is stored or sent", async () => {
    for (const target of ["-c", ";rm -rf /", "$(reboot)"]) {
      const r = await runBin("cli", ["run", "--ticket", ticket.id, "--agent", agentId, "--checks", "ping", `--target=${target}`], { NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });
      // A usage error (exit 2), refused by the CLI before anything is sent; the collector refuses it too.
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--target '${target}': target must`);
    }
    expect((await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs).toHaveLength(2);
  });

  test("the field technician reads the site's device state but cannot trigger a run", async () => {
    const tech = (await col.api("/api/tokens", TokenCreated, { body: { name: "zhao-field", role: "technician" } })).token;
    const env = { NETDIAG_URL: col.url, NETDIAG_TOKEN: tech };
    const r = await runBin("cli", ["device", agentId], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/latest measured state:/);
    expect(r.stdout).toMatch(/^ {2}ping +ok/m);
    expect(r.stdout).toMatch(/^ {2}dns +ok/m);
    const json = DeviceState.parse(JSON.parse((await runBin("cli", ["device", agentId, "--json"], env)).stdout));
    expect(Object.keys(json.latest).sort()).toEqual(["dns", "ping"]);
    const denied = await runBin("cli", ["run", "--ticket", ticket.id, "--agent", agentId, "--checks", "ping"], env);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/role technician may not POST \/api\/runs/);
  });

  test("acknowledged results survive a collector restart", async () => {
    const before = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns);
    await col.restart();
    const after = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns);
    expect(after.runs.map((r) => r.steps.length)).toEqual(before.runs.map((r) => r.steps.length));
    expect(await col.running.store.integrityCheck()).toBe("ok");
    // The agent reconnects by itself (backoff) and can run again.
    await expect.poll(async () => (await col.api("/api/agents", z.array(Agent))).find((a) => a.id === agentId)?.connected, { timeout: 15_000 }).toBe(true);
  });
});
