// Offline runs end to end with the real binaries: `check --ticket` while the collector is down writes
// the run durably; the agent (already running, or started later) uploads it to its ticket once.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, EnrollmentCreated, Ticket, TicketWithRuns } from "../../shared/api.js";
import { decodeRecords } from "../../agent/link/file-outbox.js";
import { startDnsStub, type DnsStub } from "../helpers/dns-stub.js";
import { runBin, startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let dns: DnsStub;
let dir: string;
let agent: Daemon | undefined;
let agentId: string;
let ticket: Ticket;
const cfgPath = () => join(dir, "agent.json");
const stateDir = () => join(dir, "state");
const spoolFiles = async () => readdir(join(stateDir(), "outbox.spool")).catch(() => [] as string[]);
const connected = async () => (await col.api("/api/agents", z.array(Agent))).find((a) => a.id === agentId)?.connected;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  dns = await startDnsStub({ records: { "shop.test": { A: ["127.0.0.1"] } } });
  dir = await mkdtemp(join(tmpdir(), "netdiag-offline-"));
  ticket = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Zhang Wei", contact: "+86 137 0000 0000" }, service: "Fiber 100M", symptom: "no internet" } });
  const code = await col.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: ticket.id } });
  const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code.code, "--name", "zhang-pc", "--config", cfgPath()]);
  expect(r.code, r.stderr).toBe(0);
  const cfg = JSON.parse(await readFile(cfgPath(), "utf8"));
  agentId = cfg.identity.agentId;
  cfg.targets = { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [dns.address], resolvers: [dns.address], names: ["shop.test"] };
  cfg.stateDir = stateDir();
  await writeFile(cfgPath(), JSON.stringify(cfg), { mode: 0o600 });
});

afterAll(async () => {
  if (agent?.proc.exitCode === null) await agent.stop();
  await dns?.close();
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

async function offlineCheck(): Promise<string> {
  const r = await runBin("agent", ["check", "--ticket", ticket.id, "--checks", "ping,dns", "--config", cfgPath()]);
  expect(r.stdout).toMatch(/^✔ ping +ok/m);
  expect(r.code, r.stderr).toBe(0);
  const m = /recorded as offline run (off_[A-Za-z0-9_-]+) for ticket/.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  return m![1]!;
}

async function uploaded(runId: string) {
  await expect.poll(async () => (await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs.find((r) => r.id === runId)?.state, { timeout: 30_000 }).toBe("completed");
  const run = (await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs.find((r) => r.id === runId)!;
  const checks: string[] = run.steps.map((s) => s.result.check).sort();
  const figures = { produced: 2, stored: run.steps.length, duplicates: checks.length - new Set(checks).size, lost: ["dns", "ping"].filter((c) => !checks.includes(c)).length };
  return { run, checks, figures };
}

describe("offline runs: check --ticket while the collector is unreachable", () => {
  test("the running agent picks up a run another process recorded, and uploads it when the collector is back", async () => {
    agent = startBin("agent", ["run", "--consent", "grants-only", "--config", cfgPath()]);
    await expect.poll(connected, { timeout: 15_000 }).toBe(true);
    await col.running.close(); // collector down
    const runId = await offlineCheck();
    // The running agent moved the spool file into its own outbox (watch), unsent: nobody to send to.
    await expect.poll(async () => (await spoolFiles()).length, { timeout: 10_000 }).toBe(0);
    const recs = decodeRecords(await readFile(join(stateDir(), "outbox.log"))).records;
    expect(recs.some((r) => r.k === "ev" && r.ev.runId === runId && r.ev.type === "run.offline")).toBe(true);
    await col.restart(); // collector up on the same port: the agent reconnects by itself
    const { run, checks, figures } = await uploaded(runId);
    console.log(`offline run uploaded by the running agent: produced ${figures.produced}, stored ${figures.stored}, duplicates ${figures.duplicates}, lost ${figures.lost}`);
    expect(run.offline).toBe(true);
    expect(checks).toEqual(["dns", "ping"]);
    expect(run.steps.map((s) => s.seq)).toEqual([1, 2]);
    expect(run.verdict?.segment).toBe("none");
    expect(figures).toEqual({ produced: 2, stored: 2, duplicates: 0, lost: 0 });
  });

  test("with no agent running, the run waits in the spool and the next `run` uploads it once", async () => {
    await agent!.stop();
    const runId = await offlineCheck();
    expect(await spoolFiles()).toEqual([`${runId}.log`]);
    agent = startBin("agent", ["run", "--consent", "grants-only", "--config", cfgPath()]);
    const { run, figures } = await uploaded(runId);
    console.log(`offline run uploaded by the next agent start: produced ${figures.produced}, stored ${figures.stored}, duplicates ${figures.duplicates}, lost ${figures.lost}`);
    expect(run.offline).toBe(true);
    expect(figures).toEqual({ produced: 2, stored: 2, duplicates: 0, lost: 0 });
    expect(await spoolFiles()).toEqual([]);
    // Both offline runs are on the ticket, each once.
    expect((await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs.filter((r) => r.offline)).toHaveLength(2);
  });

  test("an agent that is not enrolled says so instead of recording a run nobody could upload", async () => {
    const bare = join(dir, "bare.json");
    await writeFile(bare, JSON.stringify({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [dns.address], resolvers: [dns.address], names: ["shop.test"] }, stateDir: join(dir, "bare-state") }));
    const r = await runBin("agent", ["check", "--ticket", ticket.id, "--checks", "ping", "--config", bare]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not enrolled/);
    expect(await readdir(join(dir, "bare-state")).catch(() => [])).toEqual([]);
  });
});
