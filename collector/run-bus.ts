// In-process fan-out of run updates to live viewers (SSE). Storage is the source of truth; the bus
// only tells viewers that something new was stored, in the order it was stored. With several
// collectors (collector/cluster/) every local publish is also announced to the other nodes (run ids
// only), and a node re-reads a run another node changed and publishes the difference with
// publishRemote, which announces nothing.
import { EventEmitter } from "node:events";
import type { RunStreamEvent } from "../shared/api.js";

/** The channel every run's updates also go to (a ticket's watchers listen there). */
const ANY = Symbol("any run");

export class RunBus {
  private readonly ee = new EventEmitter();
  /** Called with the run id of every local publish (collector/cluster/node.ts coalesces them into signals). */
  onLocalPublish: ((runId: string) => void) | undefined;
  constructor() {
    // Many engineers may watch one run; the default limit of 10 would only print a warning.
    this.ee.setMaxListeners(0);
  }
  publish(runId: string, ev: RunStreamEvent): void {
    this.emit(runId, ev);
    this.onLocalPublish?.(runId);
  }
  /** What another node stored, re-read from the store here: viewers get it, nobody is told again. */
  publishRemote(runId: string, ev: RunStreamEvent): void {
    this.emit(runId, ev);
  }
  private emit(runId: string, ev: RunStreamEvent): void {
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
  /** Runs someone watches here (their own stream), e.g. to refresh after missed signals. */
  watchedRuns(): string[] {
    return this.ee.eventNames().filter((n): n is string => typeof n === "string");
  }
  watches(runId: string): boolean {
    return this.ee.listenerCount(runId) > 0;
  }
  /** Whether someone watches every run (a ticket's watchers). */
  watchesAll(): boolean {
    return this.ee.listenerCount(ANY) > 0;
  }
}
