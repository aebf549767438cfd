// The agent's outbox: every run event is put here before it is sent and removed only when the
// collector acknowledges it, so a dropped link loses nothing. This interface has a memory version
// (for tests and `check`) and a durable file-backed one (link/file-outbox.ts).
import type { RunEvent } from "../../shared/protocol.js";

export interface Outbox {
  /** Durably records the event (resolves once it would survive a crash, for the durable kind). */
  append(ev: RunEvent): Promise<void>;
  /** The collector stored (runId, seq): forget it. */
  ack(runId: string, seq: number): Promise<void>;
  /** Everything not yet acknowledged, oldest first (replayed after every reconnect). */
  pending(): RunEvent[];
  /**
   * True when an event of this run was ever appended (remembered for the last KNOWN_RUNS_KEPT runs, past
   * acks and restarts for the durable kind): the agent never starts a run id twice, although the
   * collector re-sends a request until it holds the acknowledgement.
   */
  knows(runId: string): boolean;
  close(): Promise<void>;
}

/**
 * Run ids the outbox remembers after their events are acked. The collector re-sends only requests not
 * acknowledged within their pickup window (at most an hour), far fewer than this many runs.
 */
export const KNOWN_RUNS_KEPT = 1000;

/** Insertion-ordered set of run ids, trimmed to the newest `max`. */
export class KnownRuns {
  private readonly ids = new Set<string>();
  constructor(private readonly max = KNOWN_RUNS_KEPT) {}
  add(runId: string): void {
    if (this.ids.has(runId)) return;
    this.ids.add(runId);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
  }
  has(runId: string): boolean {
    return this.ids.has(runId);
  }
  list(): string[] {
    return [...this.ids];
  }
}

export class MemoryOutbox implements Outbox {
  private readonly items = new Map<string, RunEvent>();
  private readonly known = new KnownRuns();
  async append(ev: RunEvent): Promise<void> {
    this.items.set(`${ev.runId}\u0000${ev.seq}`, ev);
    this.known.add(ev.runId);
  }
  knows(runId: string): boolean {
    return this.known.has(runId);
  }
  async ack(runId: string, seq: number): Promise<void> {
    this.items.delete(`${runId}\u0000${seq}`);
  }
  pending(): RunEvent[] {
    return [...this.items.values()];
  }
  async close(): Promise<void> {}
}
