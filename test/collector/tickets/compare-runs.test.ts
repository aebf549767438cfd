// The verify-fix comparison on real step results: a line that was down beside the same site after the
// repair (fixed rows, cleared codes, healthy), a repair that did not take (still failing), a check that
// breaks anew, checks not measured on one side, and what "healthy" needs.
import { describe, expect, test } from "vitest";
import { RunComparison } from "../../../shared/ticket.js";
import { compareRuns, isHealthyRun } from "../../../collector/tickets/compare-runs.js";
import { dhcp, host, snmp, step } from "../../agent/verdict/fixtures.js";
import { LINE_DOWN, REPAIRED, judge, runOf } from "./desk-fixtures.js";

const TK = "tk_desk000001";

describe("compareRuns", () => {
  const failing = runOf("run_failing1", 1000, LINE_DOWN());

  test("the line repaired: the broken checks are fixed, their codes cleared, the rest still ok, healthy", () => {
    const after = runOf("run_verify01", 2000, REPAIRED());
    const c = RunComparison.parse(compareRuns(TK, failing, after));
    expect(c.before).toEqual({ runId: "run_failing1", createdAt: 1000, segment: "wan", cause: "WAN_LINK_DOWN" });
    expect(c.after).toEqual({ runId: "run_verify01", createdAt: 2000, state: "completed", segment: "none", cause: "NONE" });
    const row = (check: string) => c.rows.find((r) => r.check === check);
    expect(c.rows.map((r) => `${r.check}:${r.before}->${r.after}:${r.change}`)).toEqual([
      "host:ok->ok:still_ok",
      "gateway:ok->ok:still_ok",
      "dhcp:ok->ok:still_ok",
      "dns:fail->ok:fixed",
      "path:fail->ok:fixed",
      "service:fail->ok:fixed",
      "snmp:fail->ok:fixed",
    ]);
    expect(row("snmp")).toMatchObject({ cleared: ["WAN_LINK_DOWN"], remaining: [], appeared: [] });
    expect(row("dns")?.cleared).toEqual(expect.arrayContaining(["ALL_RESOLVERS_DEAD", "PUBLIC_RESOLVER_DEAD"]));
    // An info finding is a remark, not a problem: ISP_HOP_NOT_FOUND is never "cleared".
    expect(row("path")?.cleared).toEqual(["ANCHORS_UNREACHABLE"]);
    expect(c.healthy).toBe(true);
  });

  test("a repair that did not take: still failing with the codes that remain; not healthy", () => {
    const after = runOf("run_verify02", 2000, LINE_DOWN());
    const c = compareRuns(TK, failing, after);
    expect(c.rows.filter((r) => r.change === "still_failing").map((r) => r.check)).toEqual(["dns", "path", "service", "snmp"]);
    expect(c.rows.find((r) => r.check === "snmp")).toMatchObject({ remaining: ["WAN_LINK_DOWN"], cleared: [], appeared: [] });
    expect(c.healthy).toBe(false);
  });

  test("a check that breaks anew, one not measured after, one only in one run", () => {
    const { dhcp: _dropped, ...withoutDhcp } = REPAIRED();
    const after = runOf("run_verify03", 2000, { ...withoutDhcp, host: host.weakWifi(), snmp: step("snmp", "skipped") });
    const c = compareRuns(TK, failing, after);
    const row = (check: string) => c.rows.find((r) => r.check === check)!;
    expect(row("host")).toMatchObject({ before: "ok", after: "warn", change: "new_failure", appeared: ["WIFI_WEAK_SIGNAL"] });
    expect(row("snmp")).toMatchObject({ before: "fail", after: "skipped", change: "not_compared", cleared: ["WAN_LINK_DOWN"] });
    expect(row("dhcp")).toEqual({ check: "dhcp", before: "ok", change: "not_compared", cleared: [], remaining: [], appeared: [] });
    const reverse = compareRuns(TK, after, failing);
    expect(reverse.rows.find((r) => r.check === "dhcp")).toMatchObject({ after: "ok", change: "not_compared" });
  });

  test("healthy needs a completed run whose verdict found nothing, and nothing still failing", () => {
    // A verdict of nothing wrong while a check that failed before still fails (a degradation left over).
    const leftover = runOf("run_verify04", 2000, { ...REPAIRED(), snmp: snmp.wanDown() }, { verdict: judge(REPAIRED()) });
    expect(compareRuns(TK, failing, leftover).healthy).toBe(false);
    const running = runOf("run_verify05", 2000, REPAIRED(), { state: "running", verdict: null });
    expect(compareRuns(TK, failing, running)).toMatchObject({ healthy: false, after: { state: "running" } });
    const cancelled = runOf("run_verify06", 2000, REPAIRED(), { state: "cancelled" });
    expect(compareRuns(TK, failing, cancelled).healthy).toBe(false);
    const undetermined = runOf("run_verify07", 2000, REPAIRED(), { verdict: { ...judge(REPAIRED()), cause: "UNDETERMINED" } });
    expect(isHealthyRun(undetermined)).toBe(false);
    expect(compareRuns(TK, failing, undetermined).healthy).toBe(false);
    expect(isHealthyRun(runOf("run_verify08", 2000, { dhcp: dhcp.ok() }))).toBe(true);
  });
});
