// A link that dies silently (no FIN, no RST: a home router reboot, a NAT or conntrack flush, a CGNAT
// timeout) while the engineer triggers runs. The REAL agent service (run executor, FileOutbox on disk,
// CollectorLink) sits behind a TCP proxy that stops forwarding without closing anything, in both
// directions or only the agent's. Runs triggered in the gap must all complete once the agent is back:
// none executes twice (also across an agent restart), none expires, and each side finds the dead link
// on its own. Only the checks' child processes are fake (a spawner that counts); all traffic is on
// 127.0.0.1.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, Run, RunStreamEvent } from "../../shared/api.js";
import { memoryLogger } from "../../shared/log.js";
import type { RunEvent } from "../../shared/protocol.js";
import { AgentConfig } from "../../agent/config.js";
import { startAgentService, type AgentService } from "../../agent/agent-service.js";
import { FileOutbox } from "../../agent/link/file-outbox.js";
import type { Outbox } from "../../agent/link/outbox.js";
import type { Spawner } from "../../agent/system/spawn.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { createTicket, enrollAgents, type AgentCredentials } from "../helpers/fake-agent.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

/**
 * Small, so dead links are found within ~2 s on both sides (2 x heartbeat), yet long enough (at least
 * 1 s before the collector can find the link dead) that runs created right after the stall are still
 * written into the dead socket on a loaded machine.
 */
const HEARTBEAT_MS = 1000;
const POLL = { timeout: 20_000, interval: 25 };

let col: TestCollector;
let ticketId: string;
let creds: AgentCredentials[];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: HEARTBEAT_MS });
  ticketId = await createTicket(col.url, col.adminToken);
  creds = await enrollAgents(col.url, col.adminToken, 2, ticketId);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await col?.close();
});

interface RealAgent {
  svc: AgentService;
  log: ReturnType<typeof memoryLogger>;
  stop(): Promise<void>;
}

/** What every agent process in a test did, summed over restarts. */
interface Tally {
  /** run.accepted events appended per run id: how many times the run was started. */
  started: Map<string, number>;
  /** Runs whose run.finished was appended. */
  finished: Set<string>;
  /** ping child processes spawned (one per run here). */
  spawns: number;
}

const newTally = (): Tally => ({ started: new Map(), finished: new Set(), spawns: 0 });

/** The real agent service over a FileOutbox in `stateDir`, reaching the collector through `url`. */
async function startRealAgent(c: AgentCredentials, url: string, stateDir: string, tally: Tally): Promise<RealAgent> {
  const log = memoryLogger();
  const file = await FileOutbox.open({ path: join(stateDir, "outbox.log"), log });
  // Delegates to the durable outbox and counts what the executor writes to it.
  const outbox: Outbox = {
    async append(ev: RunEvent) {
      await file.append(ev);
      if (ev.type === "run.accepted") tally.started.set(ev.runId, (tally.started.get(ev.runId) ?? 0) + 1);
      if (ev.type === "run.finished") tally.finished.add(ev.runId);
    },
    ack: (runId, seq) => file.ack(runId, seq),
    pending: () => file.pending(),
    knows: (runId) => file.knows(runId),
    close: () => file.close(),
  };
  const spawn: Spawner = async (bin) => {
    if (/ping/.test(bin)) tally.spawns++;
    return { code: 1, stdout: "", stderr: "", aborted: false };
  };
  const config = AgentConfig.parse({
    identity: { collectorUrl: url, agentId: c.agentId, secret: c.secret },
    // Network safety: loopback only, even though the fake spawner never pings anything.
    targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["127.0.0.1"], names: ["localhost"] },
    stateDir,
  });
  const svc = startAgentService({ config, log, outbox, authorize: async () => ({ ok: true }), contextOverrides: { spawn }, backoff: { baseMs: 50, capMs: 300 } });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await svc.stop();
  };
  cleanups.push(stop);
  return { svc, log, stop };
}

const getRun = (id: string) => col.api(`/api/runs/${id}`, Run);
const createRun = (agentId: string) => col.api("/api/runs", Run, { body: { ticketId, agentId, checks: ["ping"] } });
const connected = async (agentId: string) => (await col.api("/api/agents", z.array(Agent))).find((a) => a.id === agentId)?.connected;
/** One run end to end before the fault: the agent is connected, has said hello and runs things. */
async function warmUp(agentId: string): Promise<void> {
  const r = await createRun(agentId);
  await expect.poll(async () => (await getRun(r.id)).state, POLL).toBe("completed");
}

/** Every state event of a run's live stream (what `netdiag run --follow` and the web read), until it ends. */
function watchStates(runId: string): { events: z.infer<typeof RunStreamEvent>[]; ended: Promise<void> } {
  const events: z.infer<typeof RunStreamEvent>[] = [];
  const ac = new AbortController();
  cleanups.push(async () => ac.abort());
  const ended = (async () => {
    const res = await fetch(`${col.url}/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${col.adminToken}` }, signal: ac.signal });
    const reader = res.body!.getReader();
    let buf = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += Buffer.from(value).toString("utf8");
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const data = /^data: (.*)$/m.exec(buf.slice(0, i))?.[1];
        buf = buf.slice(i + 2);
        if (data) events.push(RunStreamEvent.parse(JSON.parse(data)));
      }
    }
  })().catch((e: unknown) => {
    if (!ac.signal.aborted) throw e;
  });
  return { events, ended };
}
const statesOf = (w: ReturnType<typeof watchStates>) => w.events.flatMap((e) => (e.type === "state" ? [e.state] : []));

describe("a silently dead link while runs are triggered", () => {
  let proxy: TcpProxy;

  test("runs triggered in the gap and while the agent is offline all complete once it is back: none twice, none expires", { timeout: 90_000 }, async () => {
    proxy = await startTcpProxy(col.running.port);
    cleanups.push(() => proxy.close());
    const dir = await mkdtemp(join(tmpdir(), "netdiag-silent-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const tally = newTally();
    const c = creds[0]!;
    const agent = await startRealAgent(c, proxy.url, dir, tally);
    await warmUp(c.agentId);

    // The link dies: no bytes either way, nothing closed. Runs triggered now are written into the
    // dead socket (the collector cannot know yet).
    proxy.stall();
    const gap = await Promise.all([createRun(c.agentId), createRun(c.agentId), createRun(c.agentId)]);
    const watched = watchStates(gap[0]!.id);
    // At least the first went out before the collector found the link dead (the others may be queued
    // already on a slow machine: that is the next case).
    const sentIntoTheGap = gap.filter((r) => r.state === "sent");
    expect(gap[0]!.state).toBe("sent");

    // Each side finds the dead link by itself: `netdiag agents` shows the agent offline, the runs go
    // back to the queue with a reason, and the agent gives up on its connection.
    await expect.poll(() => connected(c.agentId), POLL).toBe(false);
    for (const r of gap) await expect.poll(async () => (await getRun(r.id)).state, POLL).toBe("requested");
    for (const r of sentIntoTheGap) expect((await getRun(r.id)).reason).toMatch(/link dropped before it acknowledged/);
    await expect.poll(() => agent.log.lines.some((l) => l.msg === "no heartbeat from collector; reconnecting"), POLL).toBe(true);

    // Runs triggered while the agent is offline wait in the queue, with the time they will expire.
    const offline = [await createRun(c.agentId), await createRun(c.agentId)];
    for (const r of offline) expect(r.state).toBe("requested");
    const queued = watchStates(offline[0]!.id);
    await expect.poll(() => queued.events.length, POLL).toBeGreaterThan(0);
    expect(queued.events[0]).toEqual({ type: "state", state: "requested", until: offline[0]!.pickupBy });

    proxy.resume();
    const all = [...gap, ...offline];
    for (const r of all) await expect.poll(async () => (await getRun(r.id)).state, POLL).toBe("completed");
    await Promise.all([watched.ended, queued.ended]);

    const states = statesOf(watched);
    const counts = all.map((r) => tally.started.get(r.id) ?? 0);
    console.log(
      `[faults/silent-link] runs=${all.length} (gap ${gap.length}, of them sent into the dead socket ${sentIntoTheGap.length}; offline ${offline.length}) started=${counts.join(",")} spawns=${tally.spawns} reconnects=${proxy.accepted - 1} gap run states: ${states.join(" > ")}`,
    );
    expect(counts).toEqual(all.map(() => 1));
    expect(tally.spawns).toBe(all.length + 1); // + the warm-up run
    expect(states).toEqual(expect.arrayContaining(["sent", "requested", "received", "running", "completed"]));
    expect(states).not.toContain("expired");
    expect(states.indexOf("requested")).toBeLessThan(states.indexOf("received"));
    for (const r of all) expect((await getRun(r.id)).steps).toHaveLength(1);
    expect(await connected(c.agentId)).toBe(true);
  });

  test("a request whose acknowledgement was lost is re-sent and not run again, even by a restarted agent", { timeout: 90_000 }, async () => {
    const p = await startTcpProxy(col.running.port);
    cleanups.push(() => p.close());
    const dir = await mkdtemp(join(tmpdir(), "netdiag-silent-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const tally = newTally();
    const c = creds[1]!;
    const first = await startRealAgent(c, p.url, dir, tally);
    await warmUp(c.agentId);

    // Only the agent's packets are lost: the request reaches it and it runs, but nothing it says
    // (acknowledgement, results, pongs) reaches the collector.
    p.stall("toServer");
    const run = await createRun(c.agentId);
    await expect.poll(() => tally.finished.has(run.id), POLL).toBe(true);
    await expect.poll(() => connected(c.agentId), POLL).toBe(false);
    await expect.poll(async () => (await getRun(run.id)).state, POLL).toBe("requested");

    // The agent process is restarted, and what it had sent is lost with the old connections.
    await first.stop();
    p.cut();
    p.resume();
    const second = await startRealAgent(c, p.url, dir, tally);
    await expect.poll(async () => (await getRun(run.id)).state, POLL).toBe("completed");

    const ignored = second.log.lines.filter((l) => l.msg === "run request already handled; ignored" && l.fields.runId === run.id).length;
    console.log(`[faults/silent-link] ack lost + agent restart: started=${tally.started.get(run.id)} spawns=${tally.spawns} re-sent requests ignored by the new process=${ignored}`);
    // The collector re-sent the request to the new process, which knew the run from its outbox.
    expect(ignored).toBeGreaterThanOrEqual(1);
    expect(tally.started.get(run.id)).toBe(1);
    expect(tally.spawns).toBe(2); // the run and the warm-up run
    expect((await getRun(run.id)).steps).toHaveLength(1);
  });
});
