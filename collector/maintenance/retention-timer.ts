// Runs the retention prune on a schedule inside the collector (collector/server.ts starts it): a
// sweep prunes what retention.ts says is due, in the store's small batches, and audits what it
// removed (actor "system", action "retention.prune", with the counts). One sweep at a time; stop()
// ends a sweep between two batches and waits for it, so the store can close right after.
import type { Logger } from "../../shared/log.js";
import type { PruneReport } from "../store/maintenance-store.js";
import type { Store } from "../store/types.js";
import type { RetentionConfig } from "./config.js";
import { pruneBefore, sweepDelayMs } from "./retention.js";

export interface RetentionDeps {
  store: Store;
  log: Logger;
  now: () => number;
  config: RetentionConfig;
  /** Step results per transaction (default: the store's). */
  batchSize?: number;
  /** Told the outcome of every sweep (tests wait on it; metrics can count it). */
  onSweep?: (o: SweepOutcome) => void;
}

export type SweepOutcome =
  | { kind: "off" }
  | { kind: "pruned"; before: number; report: PruneReport }
  | { kind: "failed"; error: string };

export interface Retention {
  /** One sweep now (the timer runs the same); a sweep already running is joined, not doubled. */
  sweep(): Promise<SweepOutcome>;
  /** No more sweeps; a running one stops after its current batch. */
  stop(): Promise<void>;
}

export function startRetention(d: RetentionDeps): Retention {
  const abort = new AbortController();
  let running: Promise<SweepOutcome> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function prune(): Promise<SweepOutcome> {
    const now = d.now();
    const before = pruneBefore(d.config, now);
    if (before === undefined) return { kind: "off" };
    try {
      const report = await d.store.maintenance.pruneStepResults({ before, now, signal: abort.signal, ...(d.batchSize ? { batchSize: d.batchSize } : {}) });
      if (report.steps > 0) {
        const detail = { stepResultsDays: d.config.stepResultsDays, before, ...report };
        d.log.info("retention: step results pruned", detail);
        await d.store.appendAudit({ at: d.now(), actor: "system", action: "retention.prune", outcome: "ok", detail });
      }
      return { kind: "pruned", before, report };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      d.log.error("retention: prune failed", { before, error });
      await d.store.appendAudit({ at: d.now(), actor: "system", action: "retention.prune", outcome: "error", detail: { before, error } }).catch(() => {});
      return { kind: "failed", error };
    }
  }

  function sweep(): Promise<SweepOutcome> {
    running ??= prune().then((o) => {
      running = undefined;
      d.onSweep?.(o);
      return o;
    });
    return running;
  }

  function schedule(first: boolean): void {
    if (stopped) return;
    timer = setTimeout(() => void sweep().then(() => schedule(false)), sweepDelayMs(d.config, first));
    // A pending sweep never keeps the process alive on its own.
    timer.unref();
  }

  if (d.config.stepResultsDays !== undefined) schedule(true);
  return {
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running;
    },
  };
}
