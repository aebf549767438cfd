// Delivers webhook events from the store's outbox (docs/webhooks.md, "Delivery"). One pass: the
// deadline sweep (once per sweep interval), fan-out of new events to the targets, then a lease on due
// deliveries per target and one signed POST each, every attempt recorded with its answer or error;
// a failure is tried again with exponential backoff and jitter (backoff.ts) until it is delivered or
// given up. A pass runs when the store commits a new event, when an attempt ends, and when the next
// delivery or sweep is due. Everything it needs to resume is in the store, so a restart loses nothing:
// start() ends the leases of the previous process and picks up whatever is due.
import type { Logger } from "../../shared/log.js";
import { signWebhook } from "../../shared/webhook-signature.js";
import type { ClaimedDelivery, FanOut } from "../store/webhook-store.js";
import type { Store } from "../store/types.js";
import { afterFailure } from "./backoff.js";
import type { WebhooksConfig } from "./config.js";
import { fanOut } from "./fan-out.js";
import { AttemptAborted, postWebhook } from "./post.js";
import type { ResolvedTarget } from "./targets.js";

/** Timers the dispatcher uses: the real ones, or a manual one in tests (no real waiting). */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // The collector's server keeps the process alive; a pending retry must not.
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface DispatcherOptions {
  store: Store;
  targets: readonly ResolvedTarget[];
  config: WebhooksConfig;
  log: Logger;
  now: () => number;
  scheduler?: Scheduler;
  random?: () => number;
  /** Sent as User-Agent. */
  userAgent?: string;
}

/** Attempts in flight per target: a slow receiver delays only its own deliveries. */
const PER_TARGET_IN_FLIGHT = 2;
/** Events fanned out per query. */
const EXPAND_BATCH = 100;
/** The deadline sweep's interval: a warning 15 min ahead goes out at most a minute late. */
export const DEADLINE_SWEEP_MS = 60_000;
/** A lease outlives its attempt's timeout by this much; a crashed process's leases are ended at start anyway. */
const LEASE_MARGIN_MS = 60_000;

/** A pass that failed on the store is tried again this much later (not in a tight loop). */
const ERROR_RETRY_MS = 5_000;

export const ORPHAN_REASON = "TARGET_REMOVED: the target is no longer in the configuration";

export class WebhookDispatcher {
  private readonly targets: Map<string, ResolvedTarget>;
  private readonly scheduler: Scheduler;
  private readonly random: () => number;
  private readonly inflight = new Map<string, { target: string; abort: AbortController; done: Promise<void> }>();
  private pass: Promise<void> | undefined;
  private again = false;
  private timer: unknown;
  private stopped = true;
  private nextSweepAt = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: DispatcherOptions) {
    this.targets = new Map(o.targets.map((t) => [t.name, t]));
    this.scheduler = o.scheduler ?? realScheduler;
    this.random = o.random ?? Math.random;
  }

  /** Resumes the queue: leases of an earlier process ended, deliveries to removed targets given up, a first pass. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.o.store.webhooks.releaseClaims();
    const orphans = await this.o.store.webhooks.failOrphans([...this.targets.keys()], this.o.now(), ORPHAN_REASON);
    if (orphans > 0) this.o.log.warn("webhook deliveries to targets no longer configured were given up", { count: orphans });
    this.unsubscribe = this.o.store.webhooks.onEnqueued(() => this.kick());
    this.kick();
  }

  /** Runs a pass now (or right after the one under way). */
  kick(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = (async () => {
      let failed = false;
      try {
        do {
          this.again = false;
          await this.runPass();
        } while (this.again && !this.stopped);
      } catch (e) {
        failed = true;
        this.o.log.error("webhook dispatch pass failed", { error: e instanceof Error ? e.message : String(e) });
      }
      // Whatever the outcome, come back when something is due (a store error is retried then too).
      try {
        if (!this.stopped) await this.schedule(failed);
      } finally {
        this.pass = undefined;
      }
      // A kick that came while the timer was being set.
      if (this.again) this.kick();
    })();
  }

  /** Resolves once no pass runs and no attempt is in flight (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.pass || this.inflight.size > 0) {
      await Promise.allSettled([this.pass, ...[...this.inflight.values()].map((a) => a.done)]);
    }
  }

  /** Stops: attempts in flight are aborted and recorded (due again at the next start), then nothing runs. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    for (const a of this.inflight.values()) a.abort.abort(new AttemptAborted("SHUTDOWN", "the collector is stopping; the delivery is due again when it starts"));
    await this.settled();
  }

  private async runPass(): Promise<void> {
    const hooks = this.o.store.webhooks;
    let now = this.o.now();
    if (now >= this.nextSweepAt) {
      const n = await hooks.enqueueDeadlineWarnings(now, this.o.config.deadlineWarningMs);
      if (n > 0) this.o.log.info("deadline warnings queued", { count: n });
      this.nextSweepAt = now + DEADLINE_SWEEP_MS;
    }
    for (;;) {
      const events = await hooks.unexpandedEvents(EXPAND_BATCH);
      const ready: FanOut[] = [];
      for (const ev of events) {
        // One event the store cannot read back now must not hold up the others; it stays queued.
        try {
          ready.push(await fanOut(this.o.store, [...this.targets.values()], ev, this.o.log));
        } catch (e) {
          this.o.log.error("webhook event not fanned out; tried again at the next pass", { eventId: ev.id, type: ev.type, error: e instanceof Error ? e.message : String(e) });
        }
      }
      // One transaction (one fsync) for the whole batch.
      await hooks.expandEvents(ready, this.o.now());
      if (events.length < EXPAND_BATCH || ready.length === 0) break;
    }
    now = this.o.now();
    for (const t of this.targets.values()) {
      if (this.stopped) return;
      const free = PER_TARGET_IN_FLIGHT - [...this.inflight.values()].filter((a) => a.target === t.name).length;
      if (free <= 0) continue;
      for (const d of await hooks.claimDue(t.name, now, this.o.config.timeoutMs + LEASE_MARGIN_MS, free)) this.attempt(t, d);
    }
  }

  /** Wakes up when the next delivery or the next sweep is due; after a store error, ERROR_RETRY_MS later. */
  private async schedule(failed: boolean): Promise<void> {
    let wake: number;
    try {
      const due = await this.o.store.webhooks.nextDueAt([...this.targets.keys()]);
      wake = Math.min(this.nextSweepAt, due ?? Infinity);
    } catch (e) {
      this.o.log.error("webhook scheduling failed", { error: e instanceof Error ? e.message : String(e) });
      failed = true;
      wake = 0;
    }
    // The failed pass is tried again whole (the sweep, fan-out, claims), once, a little later.
    if (failed) wake = this.o.now() + ERROR_RETRY_MS;
    if (this.stopped) return;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, Math.max(0, wake - this.o.now()));
  }

  /** One signed POST of a claimed delivery; its outcome is recorded, then another pass runs. */
  private attempt(t: ResolvedTarget, d: ClaimedDelivery): void {
    const abort = new AbortController();
    const timeoutMs = this.o.config.timeoutMs;
    const timer = this.scheduler.setTimeout(() => abort.abort(new AttemptAborted("TIMEOUT", `no answer within ${timeoutMs} ms`)), timeoutMs);
    const done = (async () => {
      const at = this.o.now();
      // Seconds, signed with the body: a receiver refuses a stale timestamp, so a captured request cannot be replayed later.
      const ts = Math.floor(at / 1000);
      const headers = {
        "user-agent": this.o.userAgent ?? "netdiag-collector",
        "x-netdiag-event": d.type,
        "x-netdiag-delivery": d.id,
        "x-netdiag-timestamp": String(ts),
        "x-netdiag-signature": signWebhook(t.secret, ts, d.body),
      };
      const r = await postWebhook(t.url, headers, d.body, { signal: abort.signal, ...(t.caPem !== undefined ? { caPem: t.caPem } : {}) });
      this.scheduler.clearTimeout(timer);
      const attempts = d.attempts + 1;
      const end = this.o.now();
      const outcome = r.ok
        ? ({ status: "delivered" } as const)
        : r.error?.code === "SHUTDOWN"
          ? ({ status: "pending", nextAt: end } as const)
          : afterFailure(this.o.config.retry, attempts, d.createdAt, end, this.random);
      const error = r.error ? `${r.error.code}: ${r.error.message}` : undefined;
      await this.o.store.webhooks.recordAttempt(
        d.id,
        { n: attempts, at, durationMs: r.durationMs, ...(r.statusCode !== undefined ? { statusCode: r.statusCode } : {}), ...(error !== undefined ? { error } : {}), ...(r.response !== undefined ? { response: r.response } : {}) },
        outcome,
      );
      const fields = { delivery: d.id, event: d.eventId, type: d.type, target: t.name, attempt: attempts, ...(r.statusCode !== undefined ? { status: r.statusCode } : {}) };
      if (outcome.status === "delivered") this.o.log.info("webhook delivered", fields);
      else if (outcome.status === "failed") this.o.log.error("webhook delivery given up", { ...fields, error });
      else this.o.log.warn("webhook attempt failed; retrying", { ...fields, error, nextAt: new Date(outcome.nextAt).toISOString() });
    })()
      .catch((e: unknown) => this.o.log.error("webhook attempt could not be recorded", { delivery: d.id, error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.scheduler.clearTimeout(timer);
        this.inflight.delete(d.id);
        this.kick();
      });
    this.inflight.set(d.id, { target: t.name, abort, done });
  }
}
