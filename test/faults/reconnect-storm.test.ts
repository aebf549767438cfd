// Reconnect behaviour of a fleet: after a collector restart, full-jitter backoff spreads the agents'
// reconnects out instead of stampeding (measured against the same fleet without jitter), and a
// collector at maxAgents sheds load with 503 + Retry-After while agents back off and get in later.
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";
import type { BackoffOptions } from "../../agent/link/backoff.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";

const FLEET = 40;
/** Reconnects in the busiest window of this width measure a stampede. */
const WINDOW_MS = 100;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function collector(overrides: Parameters<typeof startTestCollector>[0] = {}): Promise<TestCollector> {
  const col = await startTestCollector(overrides);
  cleanups.push(() => col.close());
  return col;
}

function fleet(col: TestCollector, creds: { agentId: string; secret: string }[], backoff: BackoffOptions): FakeAgent[] {
  const agents = creds.map((c) => startFakeAgent({ url: col.url, creds: c, backoff }));
  cleanups.push(() => Promise.all(agents.map((a) => a.stop())).then(() => undefined));
  return agents;
}

/** Largest number of times falling in any window of `width` ms. */
function peak(times: number[], width: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= width) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

interface Measured {
  /** Each agent's first reconnect attempt after the restart began (ms after it): the load the collector sees. */
  attemptPeak: number;
  attemptSpreadMs: number;
  /** Each agent's first successful reconnect (also shaped by how fast the collector answers). */
  openPeak: number;
  openSpreadMs: number;
  connected: number;
}

/** Restarts the collector under a connected fleet and measures how the fleet comes back. */
async function restartAndMeasure(col: TestCollector, agents: FakeAgent[]): Promise<Measured> {
  await expect.poll(() => col.running.hub.connectedCount(), { timeout: 20_000 }).toBe(agents.length);
  const opensBefore = agents.map((a) => a.opens.length);
  const attemptsBefore = agents.map((a) => a.attempts.length);
  const t0 = Date.now();
  await col.restart();
  await expect.poll(() => agents.every((a, i) => a.opens.length > opensBefore[i]!), { timeout: 30_000, interval: 20 }).toBe(true);
  const attempts = agents.map((a, i) => a.attempts[attemptsBefore[i]!]! - t0);
  const opens = agents.map((a, i) => a.opens[opensBefore[i]!]! - t0);
  await expect.poll(() => col.running.hub.connectedCount(), { timeout: 20_000 }).toBe(agents.length);
  const spread = (t: number[]) => Math.max(...t) - Math.min(...t);
  return { attemptPeak: peak(attempts, WINDOW_MS), attemptSpreadMs: spread(attempts), openPeak: peak(opens, WINDOW_MS), openSpreadMs: spread(opens), connected: col.running.hub.connectedCount() };
}

describe("reconnect after a collector restart", () => {
  test("full jitter spreads the fleet's reconnects; no jitter stampedes", { timeout: 120_000 }, async () => {
    const col = await collector();
    const creds = await enrollAgents(col.url, col.adminToken, FLEET * 2);
    const base = { baseMs: 1000, capMs: 4000 };
    // Same fleet size and schedule; the only difference is the random factor (1 = no jitter: every
    // agent waits exactly base * 2^attempt, as naive exponential backoff does).
    const jittered = await restartAndMeasure(col, fleet(col, creds.slice(0, FLEET), base));
    for (const c of cleanups.splice(1)) await c(); // stop the first fleet, keep the collector
    const synced = await restartAndMeasure(col, fleet(col, creds.slice(FLEET), { ...base, random: () => 1 }));
    const fmt = (m: Measured) => `attempts: spreadMs=${m.attemptSpreadMs} peakPer${WINDOW_MS}ms=${m.attemptPeak}; opens: spreadMs=${m.openSpreadMs} peakPer${WINDOW_MS}ms=${m.openPeak}`;
    console.log(`[faults/reconnect] fleet=${FLEET} fullJitter: ${fmt(jittered)} | noJitter: ${fmt(synced)}`);
    expect(synced.attemptPeak).toBeGreaterThanOrEqual(FLEET * 0.9);
    // Uniform over ~1 s, 40 agents average 4 per 100 ms; a third of the fleet in one window is a wave.
    expect(jittered.attemptPeak).toBeLessThanOrEqual(FLEET / 3);
    expect(jittered.openPeak).toBeLessThanOrEqual(FLEET / 2);
    expect(jittered.attemptSpreadMs).toBeGreaterThan(synced.attemptSpreadMs);
    expect(jittered.connected).toBe(FLEET);
  });
});

describe("load shedding at maxAgents", () => {
  test("503 + Retry-After past the limit, the collector stays up, every agent is served in turn", { timeout: 120_000 }, async () => {
    const MAX = 10;
    const TOTAL = 25;
    const col = await collector({ maxAgents: MAX });
    const creds = await enrollAgents(col.url, col.adminToken, TOTAL);
    // Watch every attach, so a moment over the limit cannot slip between two samples.
    const hub = col.running.hub;
    const attach = hub.attach.bind(hub);
    let maxSeen = 0;
    hub.attach = (id, ws, remote, epoch) => {
      attach(id, ws, remote, epoch);
      maxSeen = Math.max(maxSeen, hub.connectedCount());
    };
    const agents = fleet(col, creds, { baseMs: 50, capMs: 400 });
    const Health = z.object({ ok: z.literal(true), agentsConnected: z.number() });
    let healthChecks = 0;
    const sample = async () => {
      const h = await col.api("/healthz", Health);
      healthChecks++;
      maxSeen = Math.max(maxSeen, h.agentsConnected, col.running.hub.connectedCount());
      return h.agentsConnected;
    };
    const served = new Set<string>();
    const refused = (a: FakeAgent) => a.log.lines.some((l) => l.msg === "collector refused the connection");
    // Serve the fleet in rounds: whoever holds a slot leaves, the waiting agents retry and get in.
    while (served.size < TOTAL) {
      await expect.poll(sample, { timeout: 30_000, interval: 20 }).toBe(Math.min(MAX, TOTAL - served.size));
      const holders = agents.filter((a) => a.link.isOpen && !served.has(a.agentId));
      expect(holders.length).toBe(Math.min(MAX, TOTAL - served.size));
      // Everyone still waiting was turned away at least once before a slot frees up.
      const waiting = agents.filter((a) => !a.link.isOpen && !served.has(a.agentId));
      await expect.poll(() => waiting.every(refused), { timeout: 30_000, interval: 20 }).toBe(true);
      for (const a of holders) served.add(a.agentId);
      await Promise.all(holders.map((a) => a.stop()));
    }
    const logged = new Map<string, number>();
    for (const a of agents) for (const l of a.log.lines) logged.set(l.msg, (logged.get(l.msg) ?? 0) + 1);
    const refusals = agents.flatMap((a) => a.log.lines.filter((l) => l.msg === "collector refused the connection").map((l) => l.fields));
    const with503 = refusals.filter((f) => f.status === 503);
    const retryAfter = with503.map((f) => Number(f.retryAfter));
    console.log(
      `[faults/shed] maxAgents=${MAX} agents=${TOTAL} served=${served.size} maxConnectedSeen=${maxSeen} refusals503=${with503.length} retryAfterS=${Math.min(...retryAfter)}..${Math.max(...retryAfter)} healthChecks=${healthChecks} agentLog=${JSON.stringify(Object.fromEntries(logged))}`,
    );
    expect(maxSeen).toBeLessThanOrEqual(MAX);
    expect(with503.length).toBeGreaterThanOrEqual(TOTAL - MAX);
    expect(retryAfter.every((s) => Number.isInteger(s) && s > 0)).toBe(true);
    expect(refusals.every((f) => f.status === 503)).toBe(true);
    expect(served.size).toBe(TOTAL);
  });
});
