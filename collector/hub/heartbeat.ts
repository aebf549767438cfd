// The collector's side of dead-link detection: every connection is pinged once per interval and dropped
// when it did not answer the previous ping, so a silently dead link is found within 1-2 intervals.
// One timer for the whole fleet, not one per connection: connections sit in `slices` groups and each
// tick (interval / slices, 20 ms by default) visits one group, so the fleet costs a fixed number of
// timer wakeups whatever its size, and the pings are spread evenly over the interval whatever the
// pattern of (re)connects: 19k agents at 5 s are 190 pings per tick (a few ms of the event loop), not
// 19k in one turn (docs/delivery.md, "Dead links").

export interface HeartbeatPeer {
  /** Set by the owner whenever the peer is heard from (a pong, or any frame). */
  alive: boolean;
  ping(): void;
  /** The peer missed its ping: end the connection. */
  kill(): void;
}

export interface SweepTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(t: unknown): void;
}

export interface HeartbeatSweepOptions {
  intervalMs: number;
  /** Groups visited one per tick; more = smoother but more wakeups. Default: one tick per TICK_MS. */
  slices?: number;
  /** Called once per full round (every intervalMs), e.g. for the expiry sweep. */
  onRound?: () => void;
  timers?: SweepTimers;
}

/**
 * Default tick: short enough that one tick's pings never stall the event loop for long. At 100 ms a
 * tick of 380 pings (19k agents) held the loop 6-12 ms, which showed in the trigger latency's p99; at
 * 20 ms the fleet's heartbeat CPU rose by a half (fewer pongs handled per wakeup). 50 ms is between
 * (docs/bench.md, "fleet").
 */
export const TICK_MS = 50;
/** Slices for an interval: one tick per TICK_MS (at 5 s, 100 groups), at least 1, at most 500. */
export const slicesFor = (intervalMs: number): number => Math.max(1, Math.min(500, Math.round(intervalMs / TICK_MS)));

export class HeartbeatSweep<P extends HeartbeatPeer> {
  private readonly groups: Set<P>[];
  private readonly where = new Map<P, Set<P>>();
  private readonly timer: unknown;
  private readonly timers: SweepTimers;
  private tick = 0;
  /** Timer callbacks run so far (a wakeup each) and pings sent, for the bench and tests. */
  ticks = 0;
  pings = 0;

  constructor(private readonly o: HeartbeatSweepOptions) {
    const slices = Math.max(1, Math.min(o.slices ?? slicesFor(o.intervalMs), o.intervalMs));
    this.groups = Array.from({ length: slices }, () => new Set<P>());
    this.timers = o.timers ?? { setInterval: (fn, ms) => setInterval(fn, ms).unref(), clearInterval: (t) => clearInterval(t as NodeJS.Timeout) };
    this.timer = this.timers.setInterval(() => this.visit(), o.intervalMs / slices);
  }

  get size(): number {
    return this.where.size;
  }

  /** Starts watching a peer; it goes to the smallest group so groups stay even as peers come and go. */
  add(p: P): void {
    if (this.where.has(p)) return;
    let g = this.groups[0]!;
    for (const x of this.groups) if (x.size < g.size) g = x;
    g.add(p);
    this.where.set(p, g);
  }

  remove(p: P): void {
    this.where.get(p)?.delete(p);
    this.where.delete(p);
  }

  stop(): void {
    this.timers.clearInterval(this.timer);
  }

  private visit(): void {
    this.ticks++;
    const g = this.groups[this.tick]!;
    this.tick = (this.tick + 1) % this.groups.length;
    for (const p of [...g]) {
      if (!p.alive) {
        this.remove(p);
        p.kill();
        continue;
      }
      p.alive = false;
      p.ping();
      this.pings++;
    }
    if (this.tick === 0) this.o.onRound?.();
  }
}
