// Which run is the failing one and whether a healthy verification run follows it: what resolve writes
// into the resolution (verificationRunId, cause, segment) and what verify re-runs.
import { describe, expect, test } from "vitest";
import { failingRun, isFailingRun, newestRunAfter, resolutionFacts, verificationOf } from "../../../collector/tickets/verification.js";
import { snmp } from "../../agent/verdict/fixtures.js";
import { LINE_DOWN, REPAIRED, judge, runOf } from "./desk-fixtures.js";

const TK = "tk_desk000001";

describe("the failing run", () => {
  test("the newest completed run whose verdict found a fault; cancelled, running and healthy runs are not", () => {
    const old = runOf("run_old00001", 1000, LINE_DOWN());
    const healthy = runOf("run_ok000001", 2000, REPAIRED());
    const failing = runOf("run_fail0001", 3000, LINE_DOWN());
    const cancelled = runOf("run_cancel01", 4000, LINE_DOWN(), { state: "cancelled" });
    const running = runOf("run_running1", 5000, LINE_DOWN(), { state: "running", verdict: null });
    expect(failingRun([old, healthy, failing, cancelled, running])?.id).toBe("run_fail0001");
    expect(failingRun([healthy, cancelled])).toBeUndefined();
  });

  test("an UNDETERMINED verdict is a failing run even with segment none", () => {
    const v = { ...judge(LINE_DOWN()), segment: "none" as const, cause: "UNDETERMINED" };
    expect(isFailingRun(runOf("run_undet001", 1000, LINE_DOWN(), { verdict: v }))).toBe(true);
  });
});

describe("verification", () => {
  const failing = runOf("run_fail0001", 3000, LINE_DOWN());

  test("a healthy run after the failing one verifies it; the facts carry its id and the failing verdict's cause", () => {
    const verify = runOf("run_verify01", 4000, REPAIRED());
    const v = verificationOf(TK, [failing, verify]);
    expect(v.failing?.id).toBe("run_fail0001");
    expect(v.verification?.id).toBe("run_verify01");
    expect(v.comparison?.healthy).toBe(true);
    expect(resolutionFacts(TK, [failing, verify])).toEqual({ verificationRunId: "run_verify01", cause: "WAN_LINK_DOWN", segment: "wan" });
  });

  test("a healthy run before the failing one does not verify it", () => {
    const before = runOf("run_ok000001", 2000, REPAIRED());
    expect(verificationOf(TK, [before, failing])).toEqual({ failing });
    expect(resolutionFacts(TK, [before, failing])).toEqual({ cause: "WAN_LINK_DOWN", segment: "wan" });
  });

  test("a later run with a check still failing does not verify it; an older healthy one after the failure still does", () => {
    const good = runOf("run_verify01", 4000, REPAIRED());
    const leftover = runOf("run_verify02", 5000, { ...REPAIRED(), snmp: snmp.wanDown() }, { verdict: judge(REPAIRED()) });
    expect(verificationOf(TK, [failing, leftover]).verification).toBeUndefined();
    expect(verificationOf(TK, [failing, good, leftover]).verification?.id).toBe("run_verify01");
  });

  test("no failing run on record: the newest healthy run is the verification, with no cause", () => {
    const a = runOf("run_ok000001", 1000, REPAIRED());
    const b = runOf("run_ok000002", 2000, REPAIRED());
    expect(resolutionFacts(TK, [a, b])).toEqual({ verificationRunId: "run_ok000002" });
    expect(resolutionFacts(TK, [])).toEqual({});
  });

  test("the newest run after a run, in the ticket's order (created, then id)", () => {
    const x = runOf("run_aaaa0001", 4000, REPAIRED());
    const y = runOf("run_bbbb0001", 4000, REPAIRED(), { state: "requested", verdict: null });
    expect(newestRunAfter([failing, x, y], failing)?.id).toBe("run_bbbb0001");
    expect(newestRunAfter([failing, x, y], x)?.id).toBe("run_bbbb0001");
    expect(newestRunAfter([failing, x, y], y)).toBeUndefined();
  });
});
