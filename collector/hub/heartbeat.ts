// The collector's side of dead-link detection: every connection is pinged once per interval and dropped
// when it did not answer the previous ping, so a silently dead link is found within 1-2 intervals.
// One timer for the whole fleet, not one per connection: connections sit in `slices` groups and each
// tick (interval / slices) visits one group, so 19k agents cost `slices` wakeups per interval and the
// pings are spread evenly over it whatever the pattern of (re)connects (docs/delivery.md, "Dead links").

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
  /** Groups visited one per tick; more = smoother but more wakeups. */
  slices?: number;
  /** Called once per full round (every intervalMs), e.g. for the expiry sweep. */
  onRound?: () => void;
  timers?: SweepTimers;
}

/** 10 ticks per interval: at 5 s, a wakeup every 500 ms visiting a tenth of the fleet. */
export const DEFAULT_SLICES = 10;

export class HeartbeatSweep<P extends HeartbeatPeer> {
  private readonly groups: Set<P>[];
  private readonly where = new Map<P, Set<P>>();
  private readonly timer: unknown;
  private readonly timers: SweepTimers;
  private tick = 0;
  /** Timer callbacks run so far (a wakeup each), for the bench and tests. */
  ticks = 0;

  constructor(private readonly o: HeartbeatSweepOptions) {
    const slices = Math.max(1, Math.min(o.slices ?? DEFAULT_SLICES, o.intervalMs));
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
    }
    if (this.tick === 0) this.o.onRound?.();
  }
}
