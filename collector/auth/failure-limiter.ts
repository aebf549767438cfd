// Slows down credential guessing: after too many failed authentications from one address within a
// window, that address is refused (HTTP 429) until the window passes. In memory: per process.
export class FailureLimiter {
  private readonly fails = new Map<string, { count: number; since: number }>();
  constructor(
    private readonly maxFailures = 20,
    private readonly windowMs = 60_000,
  ) {}

  blocked(key: string, now: number): boolean {
    const f = this.fails.get(key);
    if (!f) return false;
    if (now - f.since > this.windowMs) {
      this.fails.delete(key);
      return false;
    }
    return f.count >= this.maxFailures;
  }

  fail(key: string, now: number): void {
    const f = this.fails.get(key);
    if (!f || now - f.since > this.windowMs) this.fails.set(key, { count: 1, since: now });
    else f.count++;
    // Bound memory under a spray from many addresses.
    if (this.fails.size > 10_000) this.fails.delete(this.fails.keys().next().value as string);
  }
}
