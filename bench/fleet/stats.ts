// Pure arithmetic of the fleet bench (bench/fleet/): latency summaries, memory per connection, peak CPU
// from periodic process.cpuUsage() samples, and the moment a reconnecting fleet was whole again.
// Kept apart from the processes and sockets so it is unit-tested (test/bench/fleet-stats.test.ts).
import { percentile } from "../report.js";

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50/p99 (nearest rank, as report.ts) and max of latency samples in ms; NaN figures when empty. */
export function summarize(samples: readonly number[]): LatencySummary {
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.length ? Math.max(...samples) : Number.NaN };
}

/** KB per connection: growth of a byte figure (RSS, heap) from before any connection, over `count`. */
export function kbPerConn(before: number, after: number, count: number): number {
  if (count <= 0) return Number.NaN;
  return (after - before) / count / 1024;
}

export interface CpuSample {
  /** Wall clock, ms (performance.now()). */
  atMs: number;
  /** process.cpuUsage() user + system, µs, cumulative. */
  cpuUs: number;
}

/**
 * The busiest interval between consecutive samples, as a percentage of one core (200 = both cores of
 * this machine). Samples out of order or with no time between them are skipped; NaN with fewer than two.
 */
export function peakCpuPct(samples: readonly CpuSample[]): number {
  let peak = Number.NaN;
  for (let i = 1; i < samples.length; i++) {
    const dt = samples[i]!.atMs - samples[i - 1]!.atMs;
    if (!(dt > 0)) continue;
    const pct = ((samples[i]!.cpuUs - samples[i - 1]!.cpuUs) / 1000 / dt) * 100;
    if (!(peak >= pct)) peak = pct;
  }
  return peak;
}

/**
 * When a fleet of `expected` links was whole again after a drop at `droppedAtMs`: ms from the drop to
 * the expected-th reopen (reopen times in ms, any order), or undefined when some never came back.
 */
export function timeUntilAllBack(droppedAtMs: number, reopenedAtMs: readonly number[], expected: number): number | undefined {
  const after = reopenedAtMs.filter((t) => t >= droppedAtMs).sort((a, b) => a - b);
  if (expected <= 0) return 0;
  if (after.length < expected) return undefined;
  return after[expected - 1]! - droppedAtMs;
}
