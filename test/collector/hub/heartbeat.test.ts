// The collector's heartbeat sweep on fake time: one timer for any number of peers, each pinged once
// per interval and spread over it, a silent peer dropped within two intervals, never a live one.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { HeartbeatSweep, slicesFor, type HeartbeatPeer } from "../../../collector/hub/heartbeat.js";

const H = 1000;

interface Peer extends HeartbeatPeer {
  id: number;
  pings: number[];
  killedAt?: number;
  /** Answers pings (a live link) or not (a dead one). */
  answers: boolean;
}

function peer(id: number): Peer {
  const p: Peer = {
    id,
    pings: [],
    answers: true,
    alive: true,
    ping() {
      p.pings.push(Date.now());
      // A pong comes back a moment later on a live link.
      if (p.answers) setTimeout(() => (p.alive = true), 5);
    },
    kill() {
      p.killedAt = Date.now();
    },
  };
  return p;
}

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe("HeartbeatSweep", () => {
  test("one timer for 1000 peers; each pinged once per interval; pings spread over it; slices wakeups per interval", () => {
    const rounds: number[] = [];
    const sweep = new HeartbeatSweep<Peer>({ intervalMs: H, slices: 10, onRound: () => rounds.push(Date.now()) });
    const peers = Array.from({ length: 1000 }, (_, i) => peer(i));
    for (const p of peers) sweep.add(p);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10 * H);
    for (const p of peers) {
      expect(p.pings).toHaveLength(10);
      expect(p.pings.slice(1).map((t, i) => t - p.pings[i]!)).toEqual(Array(9).fill(H));
      expect(p.killedAt).toBeUndefined();
    }
    // Every tick pings a tenth of the fleet, never all of it at once.
    const perTick = new Map<number, number>();
    for (const p of peers) for (const t of p.pings) perTick.set(t, (perTick.get(t) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBe(100);
    expect(sweep.ticks).toBe(100);
    expect(rounds).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * H));
    vi.advanceTimersByTime(10); // the last pongs
    sweep.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a peer that stops answering is dropped within two intervals; a removed one is never touched", () => {
    const sweep = new HeartbeatSweep<Peer>({ intervalMs: H, slices: 10 });
    const [dead, gone, live] = [peer(1), peer(2), peer(3)];
    for (const p of [dead, gone, live]) sweep.add(p);
    vi.advanceTimersByTime(3 * H);
    const diedAt = Date.now() + 123;
    vi.advanceTimersByTime(123);
    dead.answers = false;
    sweep.remove(gone);
    const goneCount = gone.pings.length;
    vi.advanceTimersByTime(5 * H);
    expect(dead.killedAt).toBeDefined();
    expect(dead.killedAt! - diedAt).toBeGreaterThan(H - 1);
    expect(dead.killedAt! - diedAt).toBeLessThanOrEqual(2 * H);
    expect(sweep.size).toBe(1);
    expect(gone.pings).toHaveLength(goneCount);
    expect(live.killedAt).toBeUndefined();
    sweep.stop();
  });

  test("groups stay even as peers come and go", () => {
    const sweep = new HeartbeatSweep<Peer>({ intervalMs: H, slices: 4 });
    const peers = Array.from({ length: 40 }, (_, i) => peer(i));
    for (const p of peers) sweep.add(p);
    // Half leave from the same end (as after a partial outage), new ones arrive.
    for (const p of peers.slice(0, 20)) sweep.remove(p);
    const fresh = Array.from({ length: 20 }, (_, i) => peer(100 + i));
    for (const p of fresh) sweep.add(p);
    const now = [...peers.slice(20), ...fresh];
    // Each tick visits one group: exactly a quarter of the 40 current peers every time.
    for (let tick = 1; tick <= 4; tick++) {
      vi.advanceTimersByTime(H / 4);
      expect(now.filter((p) => p.pings.length === 1).length).toBe(10 * tick);
    }
    sweep.stop();
  });
});

test("default slices: one tick per 50 ms, at least 1, at most 500", () => {
  expect([10, 50, 200, 1000, 5000, 60_000].map(slicesFor)).toEqual([1, 1, 4, 20, 100, 500]);
});
