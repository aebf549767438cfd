// The bench results: one row per figure with the baseline measured in the same run, printed as a table
// and written as JSON. A ratio above 1 always means "better than the baseline" (see docs/bench.md).

export interface BenchRow {
  /** Bench name as given to --only (store, delivery, memory, runner, parsers). */
  bench: string;
  /** What was measured, e.g. "append sequential FULL". */
  metric: string;
  unit: string;
  value: number;
  baselineName: string;
  baseline: number;
  /** "higher" for rates, "lower" for times and sizes. */
  better: "higher" | "lower";
  /** Free-form detail (N, sizes), printed after the row. */
  note?: string;
}

/** value/baseline for rates, baseline/value for costs: above 1 means better than the baseline. */
export function ratioOf(r: BenchRow): number {
  if (r.value === 0 || r.baseline === 0) return Number.NaN;
  return r.better === "higher" ? r.value / r.baseline : r.baseline / r.value;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  const a = Math.abs(n);
  if (a >= 100_000) return Math.round(n).toLocaleString("en-US");
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

export function formatTable(rows: readonly BenchRow[]): string {
  const head = ["bench", "metric", "value", "unit", "baseline (same run)", "base value", "ratio"];
  const body = rows.map((r) => [r.bench, r.metric, fmt(r.value), r.unit, r.baselineName, fmt(r.baseline), `${fmt(ratioOf(r))}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = new Set([2, 5, 6]);
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  const out = [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.bench} / ${r.metric}: ${r.note}`);
  if (notes.length) out.push("", "notes:", ...notes);
  return out.join("\n");
}

/** p in [0, 100] over unsorted samples (nearest rank); NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * Runs fn in batches until at least minMs passed (after a warm-up), returns ops/s. Bounded by maxOps
 * so a pathological slowdown cannot make the run endless.
 */
export function opsPerSecond(fn: () => unknown, minMs: number, maxOps = 50_000_000): number {
  let sink: unknown;
  for (let i = 0; i < 1000; i++) sink = fn();
  let ops = 0;
  let batch = 1000;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minMs && ops < maxOps) {
    for (let i = 0; i < batch; i++) sink = fn();
    ops += batch;
    elapsed = performance.now() - t0;
    if (elapsed < minMs / 10) batch *= 2;
  }
  keep(sink);
  return ops / (elapsed / 1000);
}

/** Stops the optimiser from dropping a result that nothing reads (a module variable it cannot prove dead). */
export let kept: unknown;
export function keep(v: unknown): void {
  kept = v;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/**
 * Measures fn and its baseline alternately (A B A B A B) and keeps each one's median: on a shared,
 * busy machine a burst of load then hits both sides instead of skewing the ratio.
 */
export async function paired(fn: () => number | Promise<number>, base: () => number | Promise<number>, rounds = 3): Promise<{ value: number; baseline: number }> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await fn());
    b.push(await base());
  }
  return { value: median(a), baseline: median(b) };
}
