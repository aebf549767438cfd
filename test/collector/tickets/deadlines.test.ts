// Response and resolution deadlines on a fake clock: stamped at intake from the severity and the
// configured policy, then time left, overdue, met and met late as the clock moves.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { DEFAULT_DEADLINES, DeadlinePolicyConfig, deadlinePolicy, deadlineStatus, deadlinesFor } from "../../../collector/tickets/deadlines.js";

const T0 = Date.UTC(2024, 0, 1, 9, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the policy", () => {
  test("defaults per severity: severe 30 min / 8 h, important 2 h / 24 h, general 4 h / 72 h", () => {
    expect(DEFAULT_DEADLINES).toEqual({
      severe: { respondMs: 30 * MIN, resolveMs: 8 * HOUR },
      important: { respondMs: 2 * HOUR, resolveMs: 24 * HOUR },
      general: { respondMs: 4 * HOUR, resolveMs: 72 * HOUR },
    });
    expect(deadlinesFor(deadlinePolicy(undefined), "severe", Date.now())).toEqual({ respondBy: T0 + 30 * MIN, resolveBy: T0 + 8 * HOUR });
  });

  test("a configured severity replaces its default; the others keep theirs", () => {
    const cfg = DeadlinePolicyConfig.parse({ severe: { respondMs: 15 * MIN, resolveMs: 4 * HOUR } });
    const p = deadlinePolicy(cfg);
    expect(deadlinesFor(p, "severe", Date.now())).toEqual({ respondBy: T0 + 15 * MIN, resolveBy: T0 + 4 * HOUR });
    expect(deadlinesFor(p, "general", Date.now())).toEqual({ respondBy: T0 + 4 * HOUR, resolveBy: T0 + 72 * HOUR });
  });

  test("a config below a minute, with an unknown severity or field, is refused", () => {
    expect(DeadlinePolicyConfig.safeParse({ severe: { respondMs: 1000, resolveMs: HOUR } }).success).toBe(false);
    expect(DeadlinePolicyConfig.safeParse({ urgent: { respondMs: HOUR, resolveMs: HOUR } }).success).toBe(false);
    expect(DeadlinePolicyConfig.safeParse({ severe: { respondMs: HOUR } }).success).toBe(false);
    expect(DeadlinePolicyConfig.safeParse({ severe: { respondMs: HOUR, resolveMs: HOUR, warnMs: 1 } }).success).toBe(false);
  });
});

describe("time left or overdue as the clock moves", () => {
  const ticket = { ...deadlinesFor(DEFAULT_DEADLINES, "severe", T0) };

  test("time left, then due (not yet overdue), then overdue by the time past", () => {
    expect(deadlineStatus(ticket, Date.now()).respond).toEqual({ due: T0 + 30 * MIN, leftMs: 30 * MIN, overdue: false });
    vi.advanceTimersByTime(30 * MIN);
    expect(deadlineStatus(ticket, Date.now()).respond).toEqual({ due: T0 + 30 * MIN, leftMs: 0, overdue: false });
    vi.advanceTimersByTime(1);
    expect(deadlineStatus(ticket, Date.now()).respond).toEqual({ due: T0 + 30 * MIN, leftMs: -1, overdue: true });
    vi.advanceTimersByTime(8 * HOUR);
    const s = deadlineStatus(ticket, Date.now());
    expect(s.resolve).toMatchObject({ overdue: true, leftMs: -(30 * MIN + 1) });
  });

  test("a met deadline stays met whatever the clock says; met late shows by how much", () => {
    const answered = { ...ticket, firstResponseAt: T0 + 10 * MIN };
    vi.advanceTimersByTime(100 * HOUR);
    expect(deadlineStatus(answered, Date.now()).respond).toEqual({ due: T0 + 30 * MIN, metAt: T0 + 10 * MIN, leftMs: 20 * MIN, overdue: false });
    const late = { ...answered, resolvedAt: T0 + 9 * HOUR };
    expect(deadlineStatus(late, Date.now()).resolve).toEqual({ due: T0 + 8 * HOUR, metAt: T0 + 9 * HOUR, leftMs: -HOUR, overdue: false });
  });
});
