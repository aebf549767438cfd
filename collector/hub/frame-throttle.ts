// Frames per second per agent: a token bucket, and a throttle that holds frames beyond it instead of
// refusing them. When the bucket is empty the socket is paused (TCP backpressure slows the sender)
// and the frames ws had already read wait in a small backlog, delivered in order as tokens come back.
// A flood is slowed to the rate and nothing is lost; only a backlog past its byte limit (a peer that
// keeps sending although the socket is paused) ends the connection. Clock and timers are injectable.

/** Refills `ratePerS` tokens a second up to `burst`; starts full. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one token is available (0 when one is now). */
  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerS) * 1000);
  }

  /** Full again: nothing to remember about this agent. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    // A clock that steps back refills nothing (and takes nothing back).
    const elapsed = Math.max(0, now - this.at);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerS) / 1000);
    this.at = Math.max(this.at, now);
  }
}

export interface ThrottleHooks {
  /** A frame within the rate, in arrival order. */
  deliver(data: Buffer, isBinary: boolean): void;
  /** Stop reading the socket / read it again. */
  pause(): void;
  resume(): void;
  /** The backlog went past maxBacklogBytes: close the connection (called once; the throttle stops). */
  overflow(): void;
}

export class FrameThrottle {
  private readonly backlog: { data: Buffer; isBinary: boolean }[] = [];
  private backlogBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly maxBacklogBytes: number,
    private readonly now: () => number,
    private readonly hooks: ThrottleHooks,
  ) {}

  /** Frames waiting for a token. */
  get waiting(): number {
    return this.backlog.length;
  }

  push(data: Buffer, isBinary: boolean): void {
    if (this.stopped) return;
    // Behind a backlog a frame waits its turn even if a token is free: order is kept.
    if (this.backlog.length === 0 && this.bucket.take(this.now())) return this.hooks.deliver(data, isBinary);
    this.backlog.push({ data, isBinary });
    this.backlogBytes += data.length;
    if (this.backlogBytes > this.maxBacklogBytes) {
      this.stop();
      return this.hooks.overflow();
    }
    if (this.backlog.length === 1) this.hooks.pause();
    this.schedule();
  }

  /** Drops the backlog and the timer (the connection is gone). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.backlog.length = 0;
    this.backlogBytes = 0;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.max(1, this.bucket.msUntilToken(this.now())));
    this.timer.unref();
  }

  private drain(): void {
    while (!this.stopped && this.backlog.length > 0 && this.bucket.take(this.now())) {
      const f = this.backlog.shift()!;
      this.backlogBytes -= f.data.length;
      this.hooks.deliver(f.data, f.isBinary);
    }
    if (this.stopped) return;
    if (this.backlog.length > 0) this.schedule();
    else this.hooks.resume();
  }
}
