// Reconnect delays: exponential with FULL jitter and a cap (AWS architecture blog, "Exponential
// Backoff and Jitter"): delay = random(0, min(cap, base * 2^attempt)). Full jitter spreads a fleet
// that lost the collector at the same instant instead of reconnecting in synchronized waves.
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export function backoffDelayMs(attempt: number, o: BackoffOptions): number {
  const ceiling = Math.min(o.capMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor((o.random ?? Math.random)() * ceiling);
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 60_000 };
