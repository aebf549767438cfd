// Every limit on what one agent may send and on what one read loads, with the reason for each value.
// An enrolled agent is not trusted: its secret can be stolen, its build can be buggy. These limits keep
// one agent from filling the disk, the memory or the event loop that every other agent and engineer
// shares. SECURITY.md ("Limits") lists them with what an agent or a client sees when one is hit.
// Tests and the benchmark pass their own through StartOptions.limits; there are no flags for them.

export interface IngestLimits {
  /**
   * Token bucket per agent (kept across reconnects): frames it may send per second, sustained, and in
   * one burst. Frames beyond it are not refused: the collector stops reading the socket until the
   * bucket refills (TCP backpressure), so a flood is slowed to the rate and nothing is lost.
   * 50/s and 500: a whole diagnosis is ~15 frames; an agent replaying a full 8 MiB outbox after a
   * long outage (~2,700 frames) gets through in about a minute.
   */
  framesPerS: number;
  frameBurst: number;
  /**
   * Frames already received while throttled (ws has read them before the socket paused) that may
   * wait; past it the connection is closed with 1013 RATE_LIMITED. A paused socket leaves at most a
   * few of its read buffers here, so only a peer that ignores TCP flow control gets there.
   */
  maxBacklogBytes: number;
  /**
   * Bytes of stored events per run. A run is one step per check (at most 20) plus a few small events;
   * a `path` step, the largest common one, is ~2.3 KB (bench/steps.ts), so a real run is tens of KB and
   * 2 MiB leaves room for data-heavy devices many times over. Past it a step is refused: RUN_TOO_BIG.
   */
  maxRunBytes: number;
  /** Kept beyond maxRunBytes for the verdict and run.finished, so a run that hit the cap still ends. */
  runEndReserveBytes: number;
  /**
   * Offline runs (run.offline) one agent may add per hour, counted on the collector's clock. A customer
   * running `netdiag-agent check --ticket` by hand does a few; 60 is one a minute. Past it: TOO_MANY_RUNS.
   */
  maxOfflineRunsPerHour: number;
  /**
   * How far an event's timestamps (`at`, a step's `startedAt`: the agent's clock) may be ahead of the
   * collector's clock. 24 h covers a PC whose hardware clock holds local time read as UTC (up to 14 h
   * off) and refuses a date a year ahead, which would sort that run above every later one for good.
   */
  maxClockAheadMs: number;
  /**
   * How old they may be. 30 days: an outbox holds a long outage's runs; a result older than a month
   * is no evidence about a ticket's open fault (the longest resolution limit is 72 h), and a clock
   * that far back is broken. Past either bound: TIMESTAMP_OUT_OF_RANGE.
   */
  maxAgeMs: number;
}

export interface ReadLimits {
  /** Steps one read of a run returns at most (then `nextAfterSeq` says where to go on). */
  stepPageMax: number;
  /** Bytes of stored steps one read of a run loads at most (a single larger step still comes alone). */
  stepPageBytes: number;
  /** Runs of one ticket returned with it: the newest; `olderRuns` counts the rest. */
  ticketRuns: number;
  /** Bytes of steps loaded for a whole ticket or device-state read, shared by its runs. */
  viewStepBytes: number;
}

export interface CollectorLimits {
  ingest: IngestLimits;
  read: ReadLimits;
}

const MiB = 1024 * 1024;
const HOUR_MS = 3_600_000;

export const DEFAULT_LIMITS: CollectorLimits = {
  ingest: {
    framesPerS: 50,
    frameBurst: 500,
    maxBacklogBytes: 4 * MiB,
    maxRunBytes: 2 * MiB,
    runEndReserveBytes: 64 * 1024,
    maxOfflineRunsPerHour: 60,
    maxClockAheadMs: 24 * HOUR_MS,
    maxAgeMs: 30 * 24 * HOUR_MS,
  },
  read: {
    // A run within maxRunBytes is one page: 2 MiB of steps, at most 500 of them.
    stepPageMax: 500,
    stepPageBytes: 2 * MiB,
    // A ticket with more runs than this has been worked for weeks; older runs are read one by one.
    ticketRuns: 50,
    // A few full runs' worth: ~8 MiB of JSON is already a slow response on a support desk's link.
    viewStepBytes: 8 * MiB,
  },
};

export interface LimitOverrides {
  ingest?: Partial<IngestLimits>;
  read?: Partial<ReadLimits>;
}

/** Defaults overridden field by field (tests and the benchmark). */
export function resolveLimits(o: LimitOverrides = {}): CollectorLimits {
  return { ingest: { ...DEFAULT_LIMITS.ingest, ...o.ingest }, read: { ...DEFAULT_LIMITS.read, ...o.read } };
}
