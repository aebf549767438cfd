// In-process fan-out of run updates to live viewers (SSE). Storage is the source of truth; the bus
// only tells viewers that something new was stored, in the order it was stored.
import { EventEmitter } from "node:events";
import type { RunStreamEvent } from "../shared/api.js";

/** The channel every run's updates also go to (a ticket's watchers listen there). */
const ANY = Symbol("any run");

export class RunBus {
  private readonly ee = new EventEmitter();
  constructor() {
    // Many engineers may watch one run; the default limit of 10 would only print a warning.
    this.ee.setMaxListeners(0);
  }
  publish(runId: string, ev: RunStreamEvent): void {
    this.ee.emit(runId, ev);
    this.ee.emit(ANY, runId, ev);
  }
  subscribe(runId: string, fn: (ev: RunStreamEvent) => void): () => void {
    this.ee.on(runId, fn);
    return () => this.ee.off(runId, fn);
  }
  /** Every update of every run, with its run id. */
  subscribeAll(fn: (runId: string, ev: RunStreamEvent) => void): () => void {
    this.ee.on(ANY, fn);
    return () => this.ee.off(ANY, fn);
  }
}
