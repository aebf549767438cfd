// Live viewers of runs another node changes: on a run.changed signal this node re-reads the run from
// the store and publishes what is new since its last read to the local bus (steps after the last seq
// it published, the verdict once, the state when it changed), in that order, so a stream ends only
// after the steps before its final state. One read per run per signal burst, however many viewers;
// signals arriving during a read only mark the run for one more read. The SSE routes drop anything
// they already wrote (a step by seq, the verdict, an unchanged state), so a change that reaches them
// twice (published here and re-read) still goes out once.
import type { Logger } from "../../shared/log.js";
import type { RunBus } from "../run-bus.js";
import { stateDeadline } from "../runs/run-state.js";
import type { Store, StepPage } from "../store/types.js";

interface Cursor {
  /** Largest step seq published (-1: none yet). */
  lastSeq: number;
  verdict: boolean;
  /** state|reason|until last published. */
  state: string;
}

/** Cursors kept for runs only ticket watchers follow; beyond this the oldest is forgotten (it is re-read whole). */
const MAX_CURSORS = 10_000;

export class RunFeed {
  private readonly cursors = new Map<string, Cursor>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(private readonly o: { store: Pick<Store, "getRun">; bus: RunBus; log: Logger; page: StepPage }) {}

  /** Re-reads these runs (a signal said they changed) for the viewers here. */
  refresh(runIds: readonly string[]): Promise<void> {
    return Promise.all(runIds.map((id) => this.refreshOne(id))).then(() => undefined);
  }

  /** Every run someone watches here (after missed signals: a reconnect, a node found dead). */
  refreshWatched(): Promise<void> {
    return this.refresh(this.o.bus.watchedRuns());
  }

  /** Resolves when no read is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.reading.size > 0) await Promise.allSettled([...this.reading.values()]);
  }

  private refreshOne(runId: string): Promise<void> {
    const busy = this.reading.get(runId);
    if (busy) {
      this.again.add(runId);
      return busy;
    }
    const p = (async () => {
      do {
        this.again.delete(runId);
        try {
          await this.read(runId);
        } catch (e) {
          this.o.log.warn("re-reading a run changed on another node failed", { runId, error: String(e) });
        }
      } while (this.again.has(runId));
    })();
    this.reading.set(runId, p);
    void p.finally(() => this.reading.delete(runId));
    return p;
  }

  private async read(runId: string): Promise<void> {
    const bus = this.o.bus;
    const full = bus.watches(runId);
    if (!full && !bus.watchesAll()) {
      this.cursors.delete(runId);
      return;
    }
    const cur = this.cursors.get(runId) ?? { lastSeq: -1, verdict: false, state: "" };
    // A ticket's watchers need only the state: one small page.
    let run = await this.o.store.getRun(runId, full ? { ...this.o.page, afterSeq: cur.lastSeq } : { maxSteps: 1, maxBytes: 1 });
    if (!run) return;
    if (full) {
      for (;;) {
        for (const s of run.steps) {
          if (s.seq <= cur.lastSeq) continue;
          cur.lastSeq = s.seq;
          bus.publishRemote(runId, { type: "step", seq: s.seq, result: s.result });
        }
        if (run.nextAfterSeq === undefined) break;
        const next = await this.o.store.getRun(runId, { ...this.o.page, afterSeq: run.nextAfterSeq });
        if (!next) return;
        run = next;
      }
      if (run.verdict && !cur.verdict) {
        cur.verdict = true;
        bus.publishRemote(runId, { type: "verdict", verdict: run.verdict });
      }
    }
    const until = stateDeadline(run);
    const key = `${run.state}|${run.reason ?? ""}|${until ?? ""}`;
    if (key !== cur.state) {
      cur.state = key;
      bus.publishRemote(runId, { type: "state", state: run.state, ...(run.reason ? { reason: run.reason } : {}), ...(until !== undefined ? { until } : {}) });
    }
    this.cursors.delete(runId);
    this.cursors.set(runId, cur);
    if (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value as string);
  }
}
