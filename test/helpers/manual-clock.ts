// A clock and timer scheduler the test moves by hand (collector/webhooks/dispatcher.ts Scheduler):
// nothing waits for real time; `advance` runs every timer that falls due, in order.
import type { Scheduler } from "../../collector/webhooks/dispatcher.js";

export class ManualClock implements Scheduler {
  private timers: { id: number; due: number; fn: () => void }[] = [];
  private seq = 0;
  constructor(public t: number) {}

  readonly now = (): number => this.t;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ id, due: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }

  /** When the earliest pending timer is due (undefined: none). */
  nextDue(): number | undefined {
    return this.timers.length ? Math.min(...this.timers.map((x) => x.due)) : undefined;
  }

  /** Moves the clock forward by `ms` and runs the timers due by then, earliest first. */
  advance(ms: number): void {
    const to = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.due <= to).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = to;
  }
}
