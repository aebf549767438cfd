// Nothing lost, nothing twice: the real agent binary is killed with SIGKILL mid-run (once while its
// results wait in the outbox for a collector that is down, once while a check is still running) and
// restarted. The collector must end with every produced step exactly once. Loopback only.
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, EnrollmentCreated, Run, Ticket } from "../../shared/api.js";
import { decodeRecords, encodeRecord } from "../../agent/link/file-outbox.js";
import { startDnsStub, type DnsStub } from "../helpers/dns-stub.js";
import { runBin, startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { startHttpServer, type TestServer } from "../helpers/service-servers.js";

let col: TestCollector;
let dns: DnsStub;
let slow: TestServer;
let dir: string;
let agent: Daemon | undefined;
let agentId: string;
let ticket: Ticket;
/** Each request to the slow service waits until the current gate opens. */
let openGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
const newGate = () => (gate = new Promise<void>((r) => (openGate = r)));
const cfgPath = () => join(dir, "agent.json");
const outboxPath = () => join(dir, "state", "outbox.log");

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  dns = await startDnsStub({ records: { "shop.test": { A: ["127.0.0.1"] } } });
  slow = await startHttpServer((_req, res) => void gate.then(() => res.end("ok")));
  dir = await mkdtemp(join(tmpdir(), "netdiag-kill-"));
  ticket = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Li Lei", contact: "+86 139 0000 0000" }, service: "Fiber 500M", symptom: "slow since noon" } });
  const code = await col.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: ticket.id } });
  const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code.code, "--name", "li-pc", "--config", cfgPath()]);
  expect(r.code, r.stderr).toBe(0);
  const cfg = JSON.parse(await readFile(cfgPath(), "utf8"));
  agentId = cfg.identity.agentId;
  cfg.targets = { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [dns.address], resolvers: [dns.address], names: ["shop.test"] };
  cfg.stateDir = join(dir, "state");
  await writeFile(cfgPath(), JSON.stringify(cfg), { mode: 0o600 });
  // The customer's grant for this ticket (consent is enforced on the agent).
  const g = await runBin("agent", ["authorize", "--ticket", ticket.id, "--all", "--for", "1h", "--config", cfgPath()]);
  expect(g.code, g.stderr).toBe(0);
});

afterAll(async () => {
  openGate();
  if (agent?.proc.exitCode === null) await agent.stop("SIGKILL");
  await slow?.close();
  await dns?.close();
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

async function startAgent(): Promise<Daemon> {
  const a = startBin("agent", ["run", "--consent", "grants-only", "--config", cfgPath()]);
  await expect.poll(async () => (await col.api("/api/agents", z.array(Agent))).find((x) => x.id === agentId)?.connected, { timeout: 15_000 }).toBe(true);
  return a;
}

async function trigger(): Promise<string> {
  const run = await col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId, checks: ["ping", "service"], params: { service: slow.url } } });
  return run.id;
}

/** Figures for one run: steps stored per check, duplicates (a check stored twice), missing ones. */
async function tally(runId: string, produced: string[]) {
  const run = await col.api(`/api/runs/${runId}`, Run);
  const perCheck = new Map<string, number>();
  for (const s of run.steps) perCheck.set(s.result.check, (perCheck.get(s.result.check) ?? 0) + 1);
  const seqs = run.steps.map((s) => s.seq);
  const figures = {
    produced: produced.length,
    stored: run.steps.length,
    duplicates: [...perCheck.values()].reduce((n, c) => n + c - 1, 0) + (seqs.length - new Set(seqs).size),
    lost: produced.filter((c) => !perCheck.has(c)).length,
  };
  return { run, figures };
}

describe("kill -9 the agent mid-run", () => {
  test("results written while the collector was down survive SIGKILL (and a torn tail) and arrive once", async () => {
    agent = await startAgent();
    newGate();
    const runId = await trigger();
    await expect.poll(async () => (await col.api(`/api/runs/${runId}`, Run)).steps.length, { timeout: 15_000 }).toBe(1);
    // The collector goes away; the agent finishes the run into its outbox with nobody to ack it.
    await col.running.close();
    openGate();
    await expect
      .poll(async () => decodeRecords(await readFile(outboxPath())).records.some((r) => r.k === "ev" && r.ev.runId === runId && r.ev.type === "run.finished"), { timeout: 20_000 })
      .toBe(true);
    const recs = decodeRecords(await readFile(outboxPath())).records;
    const acked = new Set(recs.flatMap((r) => (r.k === "ack" ? [`${r.runId}/${r.seq}`] : [])));
    const inOutbox = recs.flatMap((r) => (r.k === "ev" && r.ev.runId === runId && r.ev.type === "step" && !acked.has(`${runId}/${r.ev.seq}`) ? [r.ev.result.check] : []));
    await agent.stop("SIGKILL");
    // What a write cut short by the kill looks like: half a record at the end.
    await appendFile(outboxPath(), encodeRecord({ k: "ack", runId, seq: 0 }).subarray(0, 20));

    await col.restart();
    agent = await startAgent();
    await expect.poll(async () => (await col.api(`/api/runs/${runId}`, Run)).state, { timeout: 15_000 }).toBe("completed");
    expect(agent.output()).toMatch(/outbox file damaged/);
    const { run, figures } = await tally(runId, ["ping", "service"]);
    console.log(`kill -9 with collector down: produced ${figures.produced}, stored ${figures.stored}, duplicates ${figures.duplicates}, lost ${figures.lost} (unacked steps in the outbox at the kill: ${inOutbox.join(",") || "none"})`);
    expect(inOutbox).toContain("service");
    expect(figures).toEqual({ produced: 2, stored: 2, duplicates: 0, lost: 0 });
    expect(run.steps.map((s) => s.result.check).sort()).toEqual(["ping", "service"]);
    // Once acked, the outbox forgets them.
    await expect.poll(async () => decodeRecords(await readFile(outboxPath())).records.filter((r) => r.k === "ev" && r.ev.runId === runId).length - decodeRecords(await readFile(outboxPath())).records.filter((r) => r.k === "ack" && r.runId === runId).length, { timeout: 10_000 }).toBeLessThanOrEqual(0);
  });

  test("a run killed while a check is still running keeps its finished steps, once, and is closed as failed", async () => {
    newGate();
    const runId = await trigger();
    await expect.poll(async () => (await col.api(`/api/runs/${runId}`, Run)).steps.length, { timeout: 15_000 }).toBe(1);
    await agent!.stop("SIGKILL"); // the service check is waiting on the gate
    openGate();
    agent = await startAgent();
    await expect.poll(async () => (await col.api(`/api/runs/${runId}`, Run)).state, { timeout: 15_000 }).toBe("failed");
    const { figures } = await tally(runId, ["ping"]);
    console.log(`kill -9 mid-check: produced ${figures.produced}, stored ${figures.stored}, duplicates ${figures.duplicates}, lost ${figures.lost}; run closed as failed on restart`);
    expect(figures).toEqual({ produced: 1, stored: 1, duplicates: 0, lost: 0 });
    // The restarted agent did not run it again: the service check never produced a step.
    expect((await col.api(`/api/runs/${runId}`, Run)).steps.map((s) => s.result.check)).toEqual(["ping"]);
  });
});
