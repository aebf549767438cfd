// Slows down credential guessing without locking out the people who hold a valid credential.
//
// Failures are counted per key within a window; a key at the limit is refused (HTTP 429, Retry-After)
// until its window ends. In memory, per process: a restart forgives, which is fine for a rate limit.
// The keys, and who is charged for a failure (SECURITY.md, "Failed authentications"):
// - a guess (an unknown token, code or agent, a wrong secret) is charged to the ADDRESS it came from;
// - a real but stale credential (a revoked or expired token, a used or expired code, a revoked agent)
//   is charged to THAT CREDENTIAL, so one client retrying an old token behind a NAT blocks that token,
//   not everyone else on the address;
// - each kind of credential (token, agent, enroll) has its own keys: bad API tokens from an address
//   never block enrollments or agents from it.
// Tokens and agent secrets (256-bit, not guessable) are checked first and a valid one always passes;
// only a failed request meets the limit. Enrollment codes are short enough to guess, so a guessing
// address is refused BEFORE its code is checked; the attempt is reserved synchronously, before any
// await, so a burst of concurrent guesses cannot all pass the check before the first one is counted.

/** "login": web console password sign-ins (per address and per username: passwords can be guessed). */
export type CredentialKind = "token" | "agent" | "enroll" | "login";

export const addressKey = (kind: CredentialKind, remote: string): string => `${kind}:addr:${remote}`;
/** `id`: an agent id, or a hash (never a raw token or code: this map must not hold secrets). */
export const credentialKey = (kind: CredentialKind, id: string): string => `${kind}:cred:${id}`;

/** One reserved attempt: settle it exactly once (later calls do nothing). */
export interface Reservation {
  /** The attempt failed: it counts. */
  fail(): void;
  /** The attempt succeeded, or never got to check a credential: it does not count. */
  release(): void;
}

interface Entry {
  failures: number;
  /** Reserved attempts not settled yet: they count against the limit until they are. */
  pending: number;
  since: number;
}

/** Bounds memory under a spray from many addresses or credentials. */
const MAX_TRACKED = 10_000;

export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();

  /**
   * 20 failures a minute: a person mistyping a code or a script with an old token stays well below;
   * a guesser is held to ~29,000 tries a day per address against a ~50-bit, one-day code.
   */
  constructor(
    private readonly maxFailures = 20,
    private readonly windowMs = 60_000,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string, now: number): number {
    const e = this.current(key, now);
    if (!e || e.failures + e.pending < this.maxFailures) return 0;
    // Only pending attempts: the next settlement decides; tell the client to come back shortly.
    return e.failures >= this.maxFailures ? Math.max(1, e.since + this.windowMs - now) : 1000;
  }

  /** The longest wait among `keys` (0 when every key may try now). */
  retryAfterMsAny(keys: readonly string[], now: number): number {
    return Math.max(0, ...keys.map((k) => this.retryAfterMs(k, now)));
  }

  /**
   * Reserves one attempt on every key, synchronously. Undefined (nothing reserved) when any key is at
   * its limit, counting attempts still in flight.
   */
  reserve(keys: readonly string[], now: number): Reservation | undefined {
    if (this.retryAfterMsAny(keys, now) > 0) return undefined;
    const held = keys.map((k) => this.entry(k, now));
    for (const e of held) e.pending++;
    let settled = false;
    const settle = (failed: boolean) => {
      if (settled) return;
      settled = true;
      for (const e of held) {
        e.pending--;
        if (failed) e.failures++;
      }
    };
    return { fail: () => settle(true), release: () => settle(false) };
  }

  /** Counts one failure on every key (a request that was checked without a reservation). */
  fail(keys: readonly string[], now: number): void {
    for (const k of keys) this.entry(k, now).failures++;
  }

  private current(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && now - e.since > this.windowMs && e.pending === 0) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private entry(key: string, now: number): Entry {
    let e = this.current(key, now);
    if (e && now - e.since > this.windowMs) {
      // The window passed while attempts were in flight: start a new one, keep them pending.
      e.failures = 0;
      e.since = now;
    }
    if (!e) {
      e = { failures: 0, pending: 0, since: now };
      this.entries.set(key, e);
      if (this.entries.size > MAX_TRACKED) this.entries.delete(this.entries.keys().next().value as string);
    }
    return e;
  }
}
