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
  close(): Promise<void>;
}

export class MemoryOutbox implements Outbox {
  private readonly items = new Map<string, RunEvent>();
  async append(ev: RunEvent): Promise<void> {
    this.items.set(`${ev.runId}\u0000${ev.seq}`, ev);
  }
  async ack(runId: string, seq: number): Promise<void> {
    this.items.delete(`${runId}\u0000${seq}`);
  }
  pending(): RunEvent[] {
    return [...this.items.values()];
  }
  async close(): Promise<void> {}
}
