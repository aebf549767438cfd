// A bad link between agents and collector: a TCP proxy in front of a real collector cuts every
// connection mid-stream, stalls (no bytes, no close) longer than the heartbeat so that BOTH sides must
// detect the dead link on their own, and throttles to a trickle. Every result still arrives once.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { setTimeout as delay } from "node:timers/promises";
import type { RunEvent } from "../../shared/protocol.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { createTicket, enrollAgents, markOf, offlineRunEvents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

/** Small, so a stalled link is found dead within about a second (agent: 2.5x; collector: 2x). */
const HEARTBEAT_MS = 200;
const AGENTS = 10;

let col: TestCollector;
let proxy: TcpProxy;
const agents: FakeAgent[] = [];

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: HEARTBEAT_MS });
  proxy = await startTcpProxy(col.running.port);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await proxy?.close();
  await col?.close();
});

describe("cut, stall and throttle the link while agents stream", () => {
  test("every result is stored exactly once", { timeout: 120_000 }, async () => {
    const ticketId = await createTicket(col.url, col.adminToken);
    const creds = await enrollAgents(col.url, col.adminToken, AGENTS, ticketId);
    for (const c of creds) agents.push(startFakeAgent({ url: proxy.url, creds: c, backoff: { baseMs: 50, capMs: 500 } }));
    await Promise.all(agents.map((a) => a.opened()));
    const produced = new Map<string, RunEvent>();
    const acks = () => agents.reduce((n, a) => n + a.outbox.acks, 0);
    const opens = () => agents.reduce((n, a) => n + a.opens.length, 0);
    let stop = false;
    const producing = Promise.all(
      agents.map(async (a, ai) => {
        for (let r = 0; !stop; r++) {
          for (const ev of offlineRunEvents(`link_${ai}_${r}_${a.agentId.slice(-6)}`, ticketId, 10)) {
            produced.set(`${ev.runId}:${ev.seq}`, ev);
            await a.emit(ev);
            await delay(5 + Math.random() * 20); // pacing of the fake checks
          }
        }
      }),
    );
    const progress = async (n: number) => {
      const target = acks() + n;
      await expect.poll(() => acks() >= target, { timeout: 30_000, interval: 20 }).toBe(true);
    };
    /** Waits until every agent opened a NEW connection since `before` and the collector has them all. */
    const allReopened = (before: number[]) =>
      expect.poll(() => agents.every((a, i) => a.opens.length > before[i]! && a.link.isOpen) && col.running.hub.connectedCount() === AGENTS, { timeout: 30_000, interval: 20 }).toBe(true);
    const openCounts = () => agents.map((a) => a.opens.length);

    // 1. Cut mid-stream, twice.
    for (let i = 0; i < 2; i++) {
      await progress(50);
      const before = openCounts();
      proxy.cut();
      await allReopened(before);
    }
    const opensAfterCuts = opens();

    // 2. Stall: no bytes and no close cross the link. The collector's heartbeat must terminate the
    // connections and the agents' watchdog must give up on theirs, each without a hint from the other.
    await progress(50);
    const stallAt = Date.now();
    const beforeStall = openCounts();
    proxy.stall();
    await expect.poll(() => col.running.hub.connectedCount(), { timeout: 10_000, interval: 20 }).toBe(0);
    const collectorDetectMs = Date.now() - stallAt;
    // Acks already on the wire when the stall began may still land; from here on nothing may.
    const ackedAtStall = acks();
    await expect.poll(() => agents.every((a) => a.log.lines.some((l) => l.msg === "no heartbeat from collector; reconnecting")), { timeout: 10_000, interval: 20 }).toBe(true);
    const agentDetectMs = Date.now() - stallAt;
    const ackedDuringStall = acks() - ackedAtStall;
    proxy.resume();
    await allReopened(beforeStall);
    const collectorSawMissedHeartbeat = col.log.lines.filter((l) => l.msg === "agent missed heartbeat, terminating").length;

    // 3. Throttle to a trickle, then back to normal.
    proxy.throttle(4_000);
    const ackedAtThrottle = acks();
    await progress(30);
    const throttledAcks = acks() - ackedAtThrottle;
    proxy.resume();

    stop = true;
    await producing;
    await Promise.all(agents.map((a) => a.drained()));

    const runs = await col.running.store.listRunsForTicket(ticketId);
    const seen = new Map<string, number>();
    for (const run of runs) for (const s of run.steps) seen.set(String(markOf(s.result)), (seen.get(String(markOf(s.result))) ?? 0) + 1);
    const producedSteps = [...produced.values()].filter((e) => e.type === "step").map((e) => `${e.runId}:${e.seq}`);
    const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
    const lost = producedSteps.filter((m) => !seen.has(m)).length;
    const producedRuns = new Set([...produced.values()].map((e) => e.runId)).size;
    console.log(
      `[faults/link] agents=${AGENTS} produced=${produced.size} steps=${producedSteps.length} storedSteps=${[...seen.values()].reduce((a, b) => a + b, 0)} duplicates=${duplicates} lost=${lost} runs=${runs.length}/${producedRuns} connections=${proxy.accepted} reconnects=${opens() - AGENTS} (after cuts ${opensAfterCuts - AGENTS}) stall: collectorDetectMs=${collectorDetectMs} agentDetectMs=${agentDetectMs} collectorHeartbeatKills=${collectorSawMissedHeartbeat} ackedDuringStall=${ackedDuringStall} throttledAcks=${throttledAcks}`,
    );
    expect(opensAfterCuts).toBeGreaterThanOrEqual(AGENTS * 3);
    expect(ackedDuringStall).toBe(0); // the stall really stopped every byte
    expect(collectorSawMissedHeartbeat).toBeGreaterThanOrEqual(AGENTS);
    expect(collectorDetectMs).toBeLessThan(HEARTBEAT_MS * 10);
    expect({ duplicates, lost }).toEqual({ duplicates: 0, lost: 0 });
    expect(runs).toHaveLength(producedRuns);
    for (const run of runs) expect(run.state).toBe("completed");
    expect(await col.running.store.integrityCheck()).toBe("ok");
  });
});
