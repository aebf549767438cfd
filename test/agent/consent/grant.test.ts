// The pure grant rules: which refusal code a request gets, and how durations parse and cap.
import { describe, expect, test } from "vitest";
import { coveredChecks, evaluateGrants, grantStatus, parseDuration, type Grant } from "../../../agent/consent/grant.js";

const T0 = 1_700_000_000_000;
const H = 3600_000;
const g = (o: Partial<Grant>): Grant => ({ id: "grt_aaaaaaaa", agentId: "agt_1", ticketId: "tkt_one", checks: ["dns"], notBefore: T0, notAfter: T0 + H, createdAt: T0, createdBy: "customer", ...o });

describe("evaluateGrants", () => {
  test.each([
    ["no grant at all", [], ["dns"], T0 + 1, "NO_GRANT"],
    ["grant for another ticket", [g({ ticketId: "tkt_two" })], ["dns"], T0 + 1, "NO_GRANT"],
    ["grant for another agent", [g({ agentId: "agt_2" })], ["dns"], T0 + 1, "NO_GRANT"],
    ["grant not valid yet", [g({ notBefore: T0 + H, notAfter: T0 + 2 * H })], ["dns"], T0, "NO_GRANT"],
    ["grant expired", [g({})], ["dns"], T0 + H, "GRANT_EXPIRED"],
    ["grant revoked", [g({ revokedAt: T0 + 10 })], ["dns"], T0 + 20, "GRANT_REVOKED"],
    ["newest grant revoked after an older expired", [g({ notAfter: T0 + 5, createdAt: T0 }), g({ id: "grt_bbbbbbbb", createdAt: T0 + 1, revokedAt: T0 + 6 })], ["dns"], T0 + 10, "GRANT_REVOKED"],
    ["a check not granted", [g({})], ["dns", "ping"], T0 + 1, "CHECKS_NOT_GRANTED"],
    ["covered", [g({})], ["dns"], T0 + 1, "OK"],
    ["covered by two grants together", [g({}), g({ id: "grt_bbbbbbbb", checks: ["ping"] })], ["dns", "ping"], T0 + 1, "OK"],
    ["covered by the diagnosis group", [g({ checks: ["diagnosis"] })], ["host", "dns", "routeros"], T0 + 1, "OK"],
    ["valid grant wins over a revoked one", [g({ revokedAt: T0 }), g({ id: "grt_bbbbbbbb" })], ["dns"], T0 + 1, "OK"],
  ] as const)("%s → %s", (_name, grants, checks, now, code) => {
    const d = evaluateGrants(grants, { agentId: "agt_1", ticketId: "tkt_one", checks, now });
    expect(d.ok ? "OK" : d.code).toBe(code);
    if (!d.ok) expect(d.reason.length).toBeGreaterThan(10);
  });

  test("CHECKS_NOT_GRANTED names exactly the missing checks", () => {
    const d = evaluateGrants([g({ checks: ["dns", "host"] })], { agentId: "agt_1", ticketId: "tkt_one", checks: ["dns", "ping", "path"], now: T0 + 1 });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.missing).toEqual(["ping", "path"]);
  });

  test("the diagnosis group covers every check id the agent knows today", () => {
    expect([...coveredChecks({ checks: ["diagnosis"] })].sort()).toEqual(["dhcp", "dns", "gateway", "host", "path", "ping", "routeros", "service", "snmp"]);
  });

  test("status: revoked beats expired, window is [notBefore, notAfter)", () => {
    expect(grantStatus(g({ revokedAt: T0 }), T0 + 2 * H)).toBe("revoked");
    expect(grantStatus(g({}), T0 + H - 1)).toBe("active");
    expect(grantStatus(g({}), T0 + H)).toBe("expired");
    expect(grantStatus(g({}), T0 - 1)).toBe("pending");
  });
});

describe("parseDuration", () => {
  test.each([
    ["30m", 30 * 60_000],
    ["2h", 2 * H],
    ["1d", 24 * H],
    ["7d", 7 * 24 * H],
    ["45s", 45_000],
  ])("%s = %d ms", (s, ms) => expect(parseDuration(s)).toBe(ms));

  test.each(["8d", "169h", "0m", "2 hours", "-1h", "1.5h", "", "h"])("%j is refused", (s) => {
    expect(() => parseDuration(s)).toThrow(RangeError);
  });
});
