// Customer consent end to end with the real binaries: a collector on port 0, the real agent enrolled
// and running in the background (no TTY), the customer answering with `pending`/`approve`/`refuse`,
// pre-authorizing with `authorize`, listing with `grants`, and revoking with `revoke` (which also
// stops a run in progress). Every probe goes to loopback.
import { createServer, type Server, type Socket } from "node:net";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, EnrollmentCreated, Run, Ticket, TokenCreated } from "../../shared/api.js";
import { runBin, startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let agent: Daemon | undefined;
let dir: string;
let engineer: string;
let agentId: string;
let hang: Server;
const sockets = new Set<Socket>();
const cfgPath = () => join(dir, "agent.json");
const agentBin = (args: string[]) => runBin("agent", [...args, "--config", cfgPath()], { LANG: "C" });

const newTicket = async () =>
  (await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Wang Fang", contact: "138" }, service: "Fiber", symptom: "slow" } })).id;
const newRun = (ticketId: string, checks: string[], params: Record<string, unknown> = {}) =>
  col.api("/api/runs", Run, { token: engineer, body: { ticketId, agentId, checks, params } });
const runState = async (id: string) => col.api(`/api/runs/${id}`, Run);
const settled = async (id: string, state: string, timeout = 20_000) => {
  await expect.poll(async () => (await runState(id)).state, { timeout }).toBe(state);
  return runState(id);
};
const Pending = z.object({ pending: z.array(z.object({ id: z.string(), runId: z.string(), ticketId: z.string(), requestedBy: z.string(), checks: z.array(z.string()), grantMs: z.number() })), page: z.string().optional() });
/** The local page's link from the last `pending --json`. */
let pageLink: string | undefined;
const pendingFor = async (runId: string) => {
  let found: z.infer<typeof Pending>["pending"][number] | undefined;
  await expect
    .poll(async () => {
      const r = await agentBin(["pending", "--json"]);
      const listed = Pending.parse(JSON.parse(r.stdout));
      pageLink = listed.page;
      found = listed.pending.find((p) => p.runId === runId);
      return found !== undefined;
    }, { timeout: 15_000 })
    .toBe(true);
  return found!;
};
const GrantList = z.object({ grants: z.array(z.object({ id: z.string(), ticketId: z.string(), checks: z.array(z.string()), status: z.string(), createdBy: z.string() })) });
const grants = async () => GrantList.parse(JSON.parse((await agentBin(["grants", "--json"])).stdout)).grants;
const startAgent = async (extra: string[]) => {
  agent = startBin("agent", ["run", "--config", cfgPath(), ...extra]);
  await expect.poll(async () => (await col.api("/api/agents", z.array(Agent), { token: engineer })).find((a) => a.id === agentId)?.connected, { timeout: 15_000 }).toBe(true);
  // The local channel is up before the link connects; wait for its file anyway.
  await expect.poll(() => stat(join(dir, "consent-channel.json")).then(() => true, () => false)).toBe(true);
};

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  dir = await mkdtemp(join(tmpdir(), "netdiag-consent-e2e-"));
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  // A service that accepts TCP and never answers HTTP: keeps a `service` step running for seconds.
  hang = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
  const code = await col.api("/api/enrollments", EnrollmentCreated, { token: engineer, body: {} });
  const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code.code, "--name", "wang-pc", "--config", cfgPath()]);
  expect(r.code).toBe(0);
  const cfg = JSON.parse(await readFile(cfgPath(), "utf8"));
  agentId = cfg.identity.agentId;
  cfg.targets = { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1:9"], resolvers: ["127.0.0.1:9"], names: ["shop.test"] };
  await writeFile(cfgPath(), JSON.stringify(cfg), { mode: 0o600 });
});

afterAll(async () => {
  await agent?.stop();
  for (const s of sockets) s.destroy();
  await new Promise((r) => hang?.close(r));
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("customer consent, background agent (no terminal)", () => {
  let ticket: string;

  test("a run without a grant waits for the customer; `approve` runs it and grants that ticket and check", async () => {
    ticket = await newTicket();
    // Long enough for pending/approve to run as separate processes on a loaded CI machine.
    await startAgent(["--consent-timeout", "12s"]);
    const run = await newRun(ticket, ["ping"]);
    const p = await pendingFor(run.id);
    expect(p).toMatchObject({ ticketId: ticket, requestedBy: "alice", checks: ["ping"], grantMs: 3600_000 });
    // The engineer sees that the customer is being asked, and until when.
    const waiting = await runState(run.id);
    expect(waiting.state).toBe("awaiting_consent");
    expect(waiting.consentUntil).toBeGreaterThan(Date.now());
    const human = await agentBin(["pending"]);
    expect(human.stdout).toMatch(new RegExp(`${p.id} +ticket ${ticket} +from alice +checks ping`));
    expect(human.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/\?k=/);
    // The link opens the real agent's page: this request, with its form, under the strict CSP.
    const res = await fetch(pageLink!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'self';/);
    const body = await res.text();
    expect(body).toContain(`<dd class="ticket">${ticket}</dd>`);
    expect(body).toContain(`<input type="hidden" name="id" value="${p.id}">`);
    const a = await agentBin(["approve", p.id]);
    expect(a).toMatchObject({ code: 0, stderr: "" });
    expect(a.stdout).toMatch(/Approved request/);
    expect((await settled(run.id, "completed")).steps.map((s) => s.result.check)).toEqual(["ping"]);
    expect(await grants()).toEqual([expect.objectContaining({ ticketId: ticket, checks: ["ping"], status: "active", createdBy: "approved-request" })]);
    // Answering twice is refused with exit 1.
    expect((await agentBin(["approve", p.id])).code).toBe(1);
  });

  test("`refuse` → CONSENT_REFUSED; no answer → CONSENT_TIMEOUT; both audited on the collector with the agent as actor", { timeout: 60_000 }, async () => {
    const r1 = await newRun(ticket, ["dns"]);
    const p = await pendingFor(r1.id);
    expect((await agentBin(["refuse", p.id])).code).toBe(0);
    expect((await settled(r1.id, "refused")).reason).toMatch(/^CONSENT_REFUSED: the customer was asked to allow dns and said no\. No grant covered the run: the customer's grant for ticket \S+ does not cover: dns/);
    const r2 = await newRun(ticket, ["host"]);
    expect((await settled(r2.id, "refused", 40_000)).reason).toMatch(/^CONSENT_TIMEOUT: /);
    expect((await settled(r1.id, "refused")).steps).toHaveLength(0);
    const audit = await col.running.store.listAudit({ action: "run.refused" });
    expect(audit.map((e) => [e.actor, e.runId, (e.detail as { code: string }).code])).toEqual(
      expect.arrayContaining([[`agent:${agentId}`, r1.id, "CONSENT_REFUSED"], [`agent:${agentId}`, r2.id, "CONSENT_TIMEOUT"]]),
    );
  });

  test("`authorize --all --for 2h` lets runs through without asking; `grants` lists it", async () => {
    const a = await agentBin(["authorize", "--ticket", ticket, "--all", "--for", "2h"]);
    expect(a).toMatchObject({ code: 0, stderr: "" });
    expect(a.stdout).toMatch(new RegExp(`Authorized ticket ${ticket} for diagnosis until .* \\(grant grt_`));
    const run = await newRun(ticket, ["ping", "host"]);
    await settled(run.id, "completed");
    expect(Pending.parse(JSON.parse((await agentBin(["pending", "--json"])).stdout)).pending).toEqual([]);
    const listing = await agentBin(["grants"]);
    expect(listing.stdout).toMatch(new RegExp(`${ticket} \\| diagnosis \\| .* \\| active \\| you \\(authorize\\)`));
    expect((await stat(join(dir, "grants.json"))).mode & 0o777).toBe(0o600);
  });

  test("`revoke --ticket` stops the run in progress under that grant", async () => {
    const port = (hang.address() as { port: number }).port;
    const run = await newRun(ticket, ["service"], { service: `http://127.0.0.1:${port}/` });
    await settled(run.id, "running");
    const r = await agentBin(["revoke", "--ticket", ticket, "--json"]);
    expect(r.code).toBe(0);
    const out = z.object({ revoked: z.array(z.string()), cancelledRuns: z.array(z.string()) }).parse(JSON.parse(r.stdout));
    expect(out.revoked.length).toBe(2);
    expect(out.cancelledRuns).toEqual([run.id]);
    // The engineer is told why it stopped.
    expect((await settled(run.id, "cancelled", 5_000)).reason).toBe("the customer revoked the grant");
    expect((await grants()).map((g) => g.status)).toEqual(["revoked", "revoked"]);
    expect((await agentBin(["grants", "--lang", "zh-CN"])).stdout).toMatch(/已撤销/);
  });

  test("grants-only mode refuses with NO_GRANT, GRANT_REVOKED, CHECKS_NOT_GRANTED and GRANT_EXPIRED", async () => {
    await agent!.stop();
    await startAgent(["--consent", "grants-only"]);
    expect((await settled((await newRun(ticket, ["ping"])).id, "refused")).reason).toMatch(/^GRANT_REVOKED: /);
    const t2 = await newTicket();
    expect((await settled((await newRun(t2, ["ping"])).id, "refused")).reason).toMatch(/^NO_GRANT: /);
    expect((await agentBin(["authorize", "--ticket", t2, "--checks", "ping"])).code).toBe(0);
    expect((await settled((await newRun(t2, ["ping", "dns"])).id, "refused")).reason).toMatch(/^CHECKS_NOT_GRANTED: .*dns/);
    expect((await settled((await newRun(t2, ["ping"])).id, "completed")).steps).toHaveLength(1);
    const t3 = await newTicket();
    expect((await agentBin(["authorize", "--ticket", t3, "--checks", "ping", "--for", "1s"])).code).toBe(0);
    await expect.poll(async () => (await grants()).find((g) => g.ticketId === t3)?.status, { timeout: 5_000 }).toBe("expired");
    expect((await settled((await newRun(t3, ["ping"])).id, "refused")).reason).toMatch(/^GRANT_EXPIRED: /);
  });

  test("every consent command has --help, and bad input is a usage error (exit 2)", async () => {
    for (const cmd of ["authorize", "grants", "revoke", "pending", "approve", "refuse", "run"]) {
      const r = await runBin("agent", [cmd, "--help"]);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(new RegExp(`^Usage: netdiag-agent ${cmd}`));
    }
    expect((await agentBin(["authorize", "--ticket", "tk_aaaaaaaaaaaa", "--all", "--for", "8d"])).stderr).toMatch(/longer than the 7d maximum/);
    expect((await agentBin(["authorize", "--ticket", "tk_aaaaaaaaaaaa", "--checks", "format-disk"])).code).toBe(2);
    expect((await agentBin(["revoke"])).code).toBe(2);
  });
});
