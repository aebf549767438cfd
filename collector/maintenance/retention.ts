// When the retention sweep runs and what it prunes (docs/operations.md, "Retention"). Pure: the
// config and the clock in, a decision out; retention-timer.ts runs it.
import type { RetentionConfig } from "./config.js";

export const DAY_MS = 86_400_000;

/**
 * The first sweep after a start waits this long (or one interval, if shorter): right after a restart
 * every agent reconnects and replays its outbox, and the prune should not compete with that ingest.
 */
export const FIRST_SWEEP_DELAY_MS = 60_000;

/**
 * Step results received before this time, of runs that ended before it, are due for pruning;
 * undefined when no retention is set (everything is kept).
 */
export function pruneBefore(cfg: RetentionConfig, now: number): number | undefined {
  return cfg.stepResultsDays === undefined ? undefined : now - cfg.stepResultsDays * DAY_MS;
}

/** How long to wait before the next sweep: the first one soon after start, then every interval. */
export function sweepDelayMs(cfg: RetentionConfig, first: boolean): number {
  return first ? Math.min(FIRST_SWEEP_DELAY_MS, cfg.sweepIntervalMs) : cfg.sweepIntervalMs;
}
