// The fleet bench's arithmetic (bench/fleet/stats.ts): percentiles, memory per connection, peak CPU
// from cumulative samples, and when a reconnecting fleet was whole again.
import { describe, expect, test } from "vitest";
import { kbPerConn, peakCpuPct, summarize, timeUntilAllBack } from "../../bench/fleet/stats.js";

describe("summarize", () => {
  test("nearest-rank p50 and p99, and the max, whatever the order", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(summarize(samples)).toEqual({ n: 100, p50: 50, p99: 99, max: 100 });
  });
  test("one slow sample in 200 is the max but not the p99", () => {
    const samples = [...Array.from({ length: 199 }, () => 10), 500];
    expect(summarize(samples)).toMatchObject({ p50: 10, p99: 10, max: 500 });
  });
  test("nearest rank over 200: two slow samples stay above the p99, a third is it", () => {
    expect(summarize([...Array.from({ length: 198 }, () => 10), 400, 500]).p99).toBe(10);
    expect(summarize([...Array.from({ length: 197 }, () => 10), 300, 400, 500]).p99).toBe(300);
  });
  test("no samples: NaN figures, not zeros", () => {
    const s = summarize([]);
    expect(s.n).toBe(0);
    expect(s.p50).toBeNaN();
    expect(s.max).toBeNaN();
  });
});

test.each([
  { before: 100 * 1024 * 1024, after: 100 * 1024 * 1024 + 10 * 1024 * 1000, count: 1000, kb: 10 },
  { before: 0, after: 5120, count: 1, kb: 5 },
  { before: 2048, after: 1024, count: 1, kb: -1 },
])("kbPerConn($before -> $after over $count) = $kb", ({ before, after, count, kb }) => {
  expect(kbPerConn(before, after, count)).toBeCloseTo(kb, 10);
});

test("kbPerConn of no connections is NaN", () => {
  expect(kbPerConn(0, 1024, 0)).toBeNaN();
});

describe("peakCpuPct", () => {
  test("the busiest interval, in percent of one core", () => {
    const s = [
      { atMs: 0, cpuUs: 0 },
      { atMs: 100, cpuUs: 10_000 }, // 10 ms of CPU in 100 ms: 10%
      { atMs: 200, cpuUs: 160_000 }, // 150 ms in 100 ms: 150% (two cores)
      { atMs: 300, cpuUs: 170_000 },
    ];
    expect(peakCpuPct(s)).toBeCloseTo(150, 10);
  });
  test("intervals of no length are skipped; fewer than two samples give NaN", () => {
    expect(peakCpuPct([{ atMs: 0, cpuUs: 0 }, { atMs: 0, cpuUs: 5000 }, { atMs: 50, cpuUs: 10_000 }])).toBeCloseTo(10, 10);
    expect(peakCpuPct([{ atMs: 0, cpuUs: 0 }])).toBeNaN();
  });
});

describe("timeUntilAllBack", () => {
  test("from the drop to the last expected reopen; earlier opens do not count", () => {
    expect(timeUntilAllBack(1000, [900, 1300, 1100, 1700], 3)).toBe(700);
  });
  test("undefined while some link is still out", () => {
    expect(timeUntilAllBack(1000, [1100, 1200], 3)).toBeUndefined();
  });
  test("more reopens than links (a link flapped): the expected-th one", () => {
    expect(timeUntilAllBack(0, [10, 20, 30, 40], 2)).toBe(20);
  });
});
