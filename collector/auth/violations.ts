// Counts protocol violations per agent (malformed, oversized or foreign frames). An agent that keeps
// misbehaving is cut off: its connection is closed and its upgrades are refused (429 + Retry-After)
// until the block expires, so a broken or hostile agent cannot make the collector parse garbage in a
// loop. In memory, per process: a restart forgives, which is fine for a rate limit.

export interface ViolationLimits {
  /** This many violations within windowMs blocks the agent. */
  maxViolations: number;
  windowMs: number;
  /** How long a blocked agent is refused. */
  blockMs: number;
}

/**
 * 5 in 10 min: one bad frame can be a bug after an upgrade (and closes the socket anyway); five means
 * the agent reconnects and repeats it. 15 min block: longer than the agent's backoff cap, short
 * enough that a fixed agent comes back without a human.
 */
export const DEFAULT_VIOLATION_LIMITS: ViolationLimits = { maxViolations: 5, windowMs: 10 * 60_000, blockMs: 15 * 60_000 };

/** Bounds memory when many agents misbehave at once (each entry is a few numbers). */
const MAX_TRACKED = 10_000;

export class ViolationTracker {
  private readonly seen = new Map<string, number[]>();
  private readonly blocked = new Map<string, number>();

  constructor(private readonly limits: ViolationLimits = DEFAULT_VIOLATION_LIMITS) {}

  /** Records one violation; returns the block end (epoch ms) when this one tipped the agent over. */
  record(agentId: string, now: number): number | undefined {
    if (this.blockedForMs(agentId, now) > 0) return undefined;
    const recent = (this.seen.get(agentId) ?? []).filter((t) => now - t < this.limits.windowMs);
    recent.push(now);
    if (recent.length >= this.limits.maxViolations) {
      this.seen.delete(agentId);
      const until = now + this.limits.blockMs;
      this.blocked.set(agentId, until);
      this.evict(this.blocked);
      return until;
    }
    this.seen.set(agentId, recent);
    this.evict(this.seen);
    return undefined;
  }

  /** Milliseconds this agent is still blocked for; 0 when it may connect. */
  blockedForMs(agentId: string, now: number): number {
    const until = this.blocked.get(agentId);
    if (until === undefined) return 0;
    if (until <= now) {
      this.blocked.delete(agentId);
      return 0;
    }
    return until - now;
  }

  private evict(m: Map<string, unknown>): void {
    if (m.size > MAX_TRACKED) m.delete(m.keys().next().value as string);
  }
}
