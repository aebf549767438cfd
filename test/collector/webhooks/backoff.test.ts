// The retry schedule (collector/webhooks/backoff.ts): doubling from firstDelayMs up to maxDelayMs, equal
// jitter (never under half the step), given up at maxAttempts or at maxAgeMs.
import { describe, expect, test } from "vitest";
import { afterFailure, retryDelayMs } from "../../../collector/webhooks/backoff.js";
import { WebhookRetryPolicy } from "../../../collector/webhooks/config.js";

const P = WebhookRetryPolicy.parse({});
const S = 1_000;

describe("retry schedule", () => {
  test("defaults: 10 s doubling to 1 h, 20 attempts, 24 h", () => {
    expect(P).toEqual({ firstDelayMs: 10 * S, maxDelayMs: 3_600 * S, maxAttempts: 20, maxAgeMs: 86_400 * S });
  });

  test.each([
    [1, 10 * S],
    [2, 20 * S],
    [3, 40 * S],
    [9, 2_560 * S],
    [10, 3_600 * S],
    [30, 3_600 * S],
    [1000, 3_600 * S],
  ])("after %i failed attempts the step is %i ms; jitter keeps the wait in [step/2, step]", (n, step) => {
    expect(retryDelayMs(P, n, () => 0)).toBe(step / 2);
    expect(retryDelayMs(P, n, () => 0.999999)).toBe(Math.round(step / 2 + (step / 2) * 0.999999));
    expect(retryDelayMs(P, n, () => 0.5)).toBe((step * 3) / 4);
  });

  test("pending with the next time until the attempts are used up", () => {
    const created = 0;
    expect(afterFailure(P, 1, created, 0, () => 0.5)).toEqual({ status: "pending", nextAt: 7_500 });
    expect(afterFailure(P, 19, created, 1_000, () => 0)).toEqual({ status: "pending", nextAt: 1_000 + 1_800 * S });
    expect(afterFailure(P, 20, created, 1_000, () => 0)).toEqual({ status: "failed" });
  });

  test("given up at the age limit; the last attempt before it is placed at the limit", () => {
    const day = P.maxAgeMs;
    expect(afterFailure(P, 5, 0, day - 60 * S, () => 1)).toEqual({ status: "pending", nextAt: day });
    expect(afterFailure(P, 5, 0, day, () => 1)).toEqual({ status: "failed" });
  });

  test("a policy whose longest delay is shorter than its first is refused", () => {
    expect(WebhookRetryPolicy.safeParse({ firstDelayMs: 60_000, maxDelayMs: 10_000 }).success).toBe(false);
  });
});
