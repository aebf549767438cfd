// What an engineer sees for runs in flight when the link fails: a run whose agent drops mid-run shows
// "delivering" (not failed) and completes after the reconnect; a run the agent never received expires
// with a reason; a cancel reaches the REAL agent service and stops its running check.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Run } from "../../shared/api.js";
import type { RunRequestFrame } from "../../shared/protocol.js";
import { memoryLogger } from "../../shared/log.js";
import { AgentConfig } from "../../agent/config.js";
import { startAgentService } from "../../agent/agent-service.js";
import { MemoryOutbox } from "../../agent/link/outbox.js";
import type { Spawner } from "../../agent/system/spawn.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { createTicket, enrollAgents, markedStep, startFakeAgent, type AgentCredentials, type FakeAgent } from "../helpers/fake-agent.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

const HEARTBEAT_MS = 200;

let col: TestCollector;
let proxy: TcpProxy;
let ticketId: string;
let creds: AgentCredentials[];
const stops: (() => Promise<void>)[] = [];
let expiredRunId: string | undefined;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: HEARTBEAT_MS });
  proxy = await startTcpProxy(col.running.port);
  ticketId = await createTicket(col.url, col.adminToken);
  creds = await enrollAgents(col.url, col.adminToken, 3, ticketId);
});

afterAll(async () => {
  for (const s of stops) await s();
  await proxy?.close();
  await col?.close();
});

const getRun = (id: string) => col.api(`/api/runs/${id}`, Run);
const createRun = (agentId: string, checks: string[], pickupTimeoutS?: number) =>
  col.api("/api/runs", Run, { body: { ticketId, agentId, checks, ...(pickupTimeoutS ? { pickupTimeoutS } : {}) } });

/** Reads the run's Server-Sent Events until `until` matches one (the stream an engineer follows). */
async function followUntil(runId: string, until: RegExp, timeoutMs: number): Promise<string> {
  const res = await fetch(`${col.url}/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${col.adminToken}` }, signal: AbortSignal.timeout(timeoutMs) });
  const reader = res.body!.getReader();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += Buffer.from(value).toString("utf8");
      if (until.test(text)) return text;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

describe("runs in flight when the link fails", () => {
  test("a dropped link mid-run shows 'delivering', then the run completes after the reconnect", { timeout: 60_000 }, async () => {
    let request: RunRequestFrame | undefined;
    let agent!: FakeAgent;
    agent = startFakeAgent({
      url: proxy.url,
      creds: creds[0]!,
      backoff: { baseMs: 50, capMs: 300 },
      onFrame: (f) => {
        if (f.type !== "run.request") return;
        request = f;
        void agent.emit({ type: "run.accepted", runId: f.runId, seq: 0, at: Date.now() });
      },
    });
    stops.push(() => agent.stop());
    await agent.opened();
    const run = await createRun(agent.agentId, ["ping"]);
    await expect.poll(async () => (await getRun(run.id)).state, { timeout: 10_000 }).toBe("running");
    expect(request?.runId).toBe(run.id);

    // The link dies silently; the agent keeps working and its results wait in the outbox.
    const opensBefore = agent.opens.length;
    proxy.stall();
    for (let seq = 1; seq <= 3; seq++) await agent.emit(markedStep(run.id, seq));
    await agent.emit({ type: "run.finished", runId: run.id, seq: 4, at: Date.now(), outcome: "completed", steps: 3 });
    await expect.poll(async () => (await getRun(run.id)).state, { timeout: 10_000 }).toBe("delivering");
    const delivering = await getRun(run.id);
    expect(delivering.steps).toHaveLength(0);

    proxy.resume();
    await expect.poll(() => agent.opens.length, { timeout: 10_000 }).toBeGreaterThan(opensBefore);
    await agent.drained();
    const done = await getRun(run.id);
    console.log(`[faults/in-flight] delivering -> ${done.state}, steps=${done.steps.length}, reconnects=${agent.opens.length - 1}`);
    expect(done.state).toBe("completed");
    expect(done.steps.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  test("a run the agent never received expires after its pickup timeout, with a reason", { timeout: 30_000 }, async () => {
    // Agent 1 is enrolled but offline: the run waits in "requested", then expires (API minimum 5 s).
    const t0 = Date.now();
    const run = await createRun(creds[1]!.agentId, ["ping"], 5);
    expect(run.state).toBe("requested");
    const events = await followUntil(run.id, /"state":"expired"/, 20_000);
    const expiredAfterMs = Date.now() - t0;
    const after = await getRun(run.id);
    console.log(`[faults/in-flight] never received -> ${after.state} after ${expiredAfterMs} ms; stream: ${/"state":"expired"[^\n]*/.exec(events)?.[0]}`);
    expect(after.state).toBe("expired");
    expect(expiredAfterMs).toBeGreaterThanOrEqual(5_000);
    expect(expiredAfterMs).toBeLessThan(5_000 + 10 * HEARTBEAT_MS + 2_000);
    expect(events).toMatch(/"state":"expired","reason":"[^"]*did not pick the run up/);
    expiredRunId = run.id;
  });

  test("the stored run keeps the expiry reason (GET /api/runs/:id)", async () => {
    expect(expiredRunId).toBeDefined();
    expect((await getRun(expiredRunId!)).reason).toMatch(/did not pick the run up/);
  });

  test("cancelling a run stops its running check on the real agent service", { timeout: 30_000 }, async () => {
    // A ping that only ends when its AbortSignal fires: the slowest possible check.
    let started!: () => void;
    const pingStarted = new Promise<void>((r) => (started = r));
    let abortedAt: number | undefined;
    const spawn: Spawner = (file, _args, opts) =>
      new Promise((resolve) => {
        if (!/ping/.test(file)) return resolve({ code: 127, stdout: "", stderr: "", spawnError: "ENOENT", aborted: false });
        started();
        const onAbort = () => {
          abortedAt ??= Date.now();
          resolve({ code: null, stdout: "", stderr: "", aborted: true });
        };
        if (opts.signal.aborted) return onAbort();
        opts.signal.addEventListener("abort", onAbort, { once: true });
      });
    const c = creds[2]!;
    const config = AgentConfig.parse({
      identity: { collectorUrl: col.url, agentId: c.agentId, secret: c.secret },
      // Network safety: loopback only, even though the fake spawner never pings anything.
      targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["127.0.0.1"], names: ["localhost"] },
    });
    const svc = startAgentService({ config, log: memoryLogger(), outbox: new MemoryOutbox(), authorize: async () => ({ ok: true }), contextOverrides: { spawn } });
    stops.push(() => svc.stop());
    await expect.poll(() => col.running.hub.isConnected(c.agentId), { timeout: 10_000 }).toBe(true);
    const run = await createRun(c.agentId, ["ping"]);
    await pingStarted;
    await expect.poll(async () => (await getRun(run.id)).state, { timeout: 10_000 }).toBe("running");
    const cancelAt = Date.now();
    const res = await col.api(`/api/runs/${run.id}/cancel`, z.object({ cancelled: z.boolean(), deliveredToAgent: z.boolean() }), { method: "POST", body: {} });
    expect(res.deliveredToAgent).toBe(true);
    await expect.poll(async () => (await getRun(run.id)).state, { timeout: 10_000 }).toBe("cancelled");
    const stopMs = abortedAt! - cancelAt;
    console.log(`[faults/in-flight] cancel stopped the running ping after ${stopMs} ms (its own budget is 10000 ms); activeRuns=${svc.executor.activeRuns}`);
    expect(abortedAt).toBeDefined();
    expect(stopMs).toBeLessThan(2_000);
    expect(svc.executor.activeRuns).toBe(0);
  });
});
