// When a failed delivery is tried again, and when it is given up (docs/webhooks.md, "Retries"). Pure:
// the dispatcher passes the clock and the random source.
import type { AttemptOutcome } from "../store/webhook-store.js";
import type { WebhookRetryPolicy } from "./config.js";

/**
 * The wait after the n-th failed attempt: firstDelayMs doubled per earlier failure, capped at
 * maxDelayMs, with "equal jitter" (half of it fixed, half random): receivers that came back after an
 * outage are not hit by every collector's retries in the same second, and no wait is ever under half
 * the schedule. Defaults: ~10 s, 20 s, 40 s ... 1 h, then hourly.
 */
export function retryDelayMs(p: WebhookRetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const exp = Math.min(p.maxDelayMs, p.firstDelayMs * 2 ** Math.min(Math.max(0, failedAttempts - 1), 30));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/**
 * After a failed attempt (`attempts` made so far, this one included): pending with the next attempt's
 * time, or failed when the attempts are used up or the delivery is past maxAgeMs. The last attempt
 * before the age limit is placed at the limit rather than skipped.
 */
export function afterFailure(p: WebhookRetryPolicy, attempts: number, createdAt: number, now: number, random: () => number = Math.random): AttemptOutcome {
  const giveUpAt = createdAt + p.maxAgeMs;
  if (attempts >= p.maxAttempts || now >= giveUpAt) return { status: "failed" };
  return { status: "pending", nextAt: Math.min(now + retryDelayMs(p, attempts, random), giveUpAt) };
}
