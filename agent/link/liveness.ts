// The agent's side of dead-link detection: one timer per link, pushed back (Timeout.refresh, no new
// timer) whenever anything arrives from the collector, which pings every heartbeatMs. It fires only
// after a whole deadline of silence, so a healthy link costs no wakeups beyond the pings themselves
// (docs/delivery.md, "Dead links").

/** Silence, in heartbeat intervals, after which the link is dead: one lost ping is not enough. */
export const SILENT_HEARTBEATS = 2;
/** Until the welcome says the collector's interval, the first frame must come within this. */
export const WELCOME_DEADLINE_MS = 10_000;

export class SilenceDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onSilent: () => void) {}

  /** (Re)starts the deadline with a new length. */
  arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onSilent();
    }, ms);
    this.timer.unref?.();
  }

  /** Something arrived: the silence starts again from now. */
  heard(): void {
    this.timer?.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
