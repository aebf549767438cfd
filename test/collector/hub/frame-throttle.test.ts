// The per-agent frame rate: the token bucket's arithmetic, and the throttle that holds frames beyond
// it (pausing the socket) and lets them through in order at the rate. Fake timers and clock.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { FrameThrottle, TokenBucket } from "../../../collector/hub/frame-throttle.js";

describe("TokenBucket", () => {
  test("starts full, refills at the rate, never above the burst, ignores a clock that steps back", () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.msUntilToken(0)).toBe(100);
    expect(b.take(99)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.isFull(10_000)).toBe(true);
    expect([b.take(10_000), b.take(10_000), b.take(10_000), b.take(10_000)]).toEqual([true, true, true, false]);
    expect(b.take(5_000)).toBe(false);
  });
});

describe("FrameThrottle", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  function setup(ratePerS: number, burst: number, maxBacklogBytes = 1e9) {
    const events: string[] = [];
    const t = new FrameThrottle(new TokenBucket(ratePerS, burst, Date.now()), maxBacklogBytes, () => Date.now(), {
      deliver: (d) => events.push(String(d)),
      pause: () => events.push("pause"),
      resume: () => events.push("resume"),
      overflow: () => events.push("overflow"),
    });
    return { t, events, send: (n: number, from = 0) => Array.from({ length: n }, (_, i) => t.push(Buffer.from(`f${from + i}`), false)) };
  }

  test("the burst passes at once; the rest waits (socket paused) and comes through in order at the rate", () => {
    const { t, events, send } = setup(5, 3);
    send(10);
    expect(events).toEqual(["f0", "f1", "f2", "pause"]);
    expect(t.waiting).toBe(7);
    vi.advanceTimersByTime(199);
    expect(events.slice(4)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events.slice(4)).toEqual(["f3"]);
    vi.advanceTimersByTime(1000);
    expect(events.slice(4)).toEqual(["f3", "f4", "f5", "f6", "f7", "f8"]);
    vi.advanceTimersByTime(200);
    expect(events.slice(-2)).toEqual(["f9", "resume"]);
    expect(t.waiting).toBe(0);
  });

  test("a frame that arrives behind a backlog waits its turn even when a token is free", () => {
    const { events, send } = setup(5, 1);
    send(2);
    vi.advanceTimersByTime(150);
    send(1, 2);
    expect(events).toEqual(["f0", "pause"]);
    vi.advanceTimersByTime(50);
    expect(events).toEqual(["f0", "pause", "f1"]);
    vi.advanceTimersByTime(200);
    expect(events).toEqual(["f0", "pause", "f1", "f2", "resume"]);
  });

  test("a backlog past its byte limit overflows once and stops the throttle", () => {
    const { t, events, send } = setup(1, 1, 5);
    send(5);
    expect(events).toEqual(["f0", "pause", "overflow"]);
    vi.advanceTimersByTime(10_000);
    send(1, 9);
    expect(events).toEqual(["f0", "pause", "overflow"]);
    expect(t.waiting).toBe(0);
  });

  test("stop drops what waits and its timer", () => {
    const { t, events, send } = setup(1, 1);
    send(3);
    t.stop();
    vi.advanceTimersByTime(10_000);
    expect(events).toEqual(["f0", "pause"]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
