// The agent's silence deadline on fake time: pushed back by everything heard, fires only after a whole
// deadline of silence, and uses one timer (no periodic wakeups while the link is healthy).
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { SilenceDeadline } from "../../../agent/link/liveness.js";

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

test("fires after a whole deadline of silence, not while pings keep coming", () => {
  const fired: number[] = [];
  const d = new SilenceDeadline(() => fired.push(Date.now()));
  d.arm(2000);
  for (let i = 0; i < 10; i++) {
    vi.advanceTimersByTime(1000);
    d.heard();
  }
  expect(fired).toEqual([]);
  expect(vi.getTimerCount()).toBe(1);
  // The link dies right after the last ping: found dead exactly one deadline later.
  vi.advanceTimersByTime(1999);
  expect(fired).toEqual([]);
  vi.advanceTimersByTime(1);
  expect(fired).toEqual([12_000]);
  expect(vi.getTimerCount()).toBe(0);
});

test("re-arming changes the deadline; stop() cancels it; heard() after stop does nothing", () => {
  const fired: number[] = [];
  const d = new SilenceDeadline(() => fired.push(Date.now()));
  d.arm(10_000);
  vi.advanceTimersByTime(500);
  d.arm(1000);
  vi.advanceTimersByTime(1000);
  expect(fired).toEqual([1500]);
  d.arm(1000);
  d.stop();
  d.heard();
  vi.advanceTimersByTime(5000);
  expect(fired).toEqual([1500]);
});
