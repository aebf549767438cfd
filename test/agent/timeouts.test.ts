// How the agent's budgets relate (agent/timeouts.ts): every stage a check waits for fits inside that
// check's own budget, so the check reports which stage hung instead of being cut off by the runner,
// and the run's budget exceeds every check's.
import { describe, expect, test } from "vitest";
import { CheckId } from "../../shared/checks.js";
import { checks } from "../../agent/checks/index.js";
import { mtuReplyWaitMs } from "../../agent/checks/path/probes.js";
import { TIMEOUTS } from "../../agent/timeouts.js";

/** c-ares 1.34 with two tries gives up after about four attempt timeouts (measured; see timeouts.ts). */
const dnsGiveUpMs = (attemptMs: number) => 4 * attemptMs;

describe("agent budgets", () => {
  test("every registered check has a budget here and uses it", () => {
    for (const c of checks) expect(c.timeoutMs, c.id).toBe(TIMEOUTS.check[c.id]);
    expect(Object.keys(TIMEOUTS.check).sort()).toEqual([...CheckId.options].sort());
  });

  test("the run's budget exceeds every check's", () => {
    for (const [id, ms] of Object.entries(TIMEOUTS.check)) expect(TIMEOUTS.runMs, id).toBeGreaterThan(ms);
  });

  test("service: name lookup + connect + TLS/HTTP fit inside the check, and the lookup covers the resolver's own retries", () => {
    expect(TIMEOUTS.hostLookupMs + TIMEOUTS.tcpConnectMs + TIMEOUTS.httpMs).toBeLessThan(TIMEOUTS.check.service);
    expect(dnsGiveUpMs(TIMEOUTS.dnsQueryMs)).toBeLessThanOrEqual(TIMEOUTS.hostLookupMs);
  });

  test("service extras (TLS controls, the confirming second probe) are clamped to the check's budget minus its reserve", () => {
    expect(TIMEOUTS.serviceReserveMs).toBeGreaterThan(0);
    expect(TIMEOUTS.tlsControlMs + TIMEOUTS.serviceReserveMs).toBeLessThan(TIMEOUTS.check.service);
    expect(TIMEOUTS.tlsControlMs).toBeLessThanOrEqual(TIMEOUTS.tcpConnectMs + TIMEOUTS.httpMs);
  });

  test("dns: a dead resolver is given up on inside the check", () => {
    expect(dnsGiveUpMs(TIMEOUTS.dnsQueryMs)).toBeLessThan(TIMEOUTS.check.dns);
    expect(TIMEOUTS.dnsTries).toBeGreaterThanOrEqual(2);
  });

  test("dhcp: helper start + the whole collection window fit inside the check; the grace is shorter than the window", () => {
    expect(TIMEOUTS.dhcpHelperStartMs + TIMEOUTS.dhcpCollectMs).toBeLessThan(TIMEOUTS.check.dhcp);
    expect(TIMEOUTS.dhcpGraceAfterOfferMs).toBeLessThan(TIMEOUTS.dhcpCollectMs);
  });

  test("snmp: a dead device (every retry) is given up on inside the check, after the name", () => {
    expect(TIMEOUTS.hostLookupMs + TIMEOUTS.snmpRequestMs * (TIMEOUTS.snmpRetries + 1)).toBeLessThan(TIMEOUTS.check.snmp);
  });

  test("routeros: lookup + connect + a command fit inside the check", () => {
    expect(TIMEOUTS.hostLookupMs + TIMEOUTS.routerosConnectMs + TIMEOUTS.routerosCommandMs).toBeLessThan(TIMEOUTS.check.routeros);
  });

  test("ping: one target's whole exchange fits inside the ping check", () => {
    expect((TIMEOUTS.pingCount - 1) * TIMEOUTS.pingIntervalMs + TIMEOUTS.pingReplyMs).toBeLessThan(TIMEOUTS.check.ping);
  });

  test.each([
    ["nothing answered: the first round's wait", [], TIMEOUTS.pingReplyMs],
    ["a LAN (1 ms): the floor", [0.4, 1.1], TIMEOUTS.mtuReplyMinMs],
    ["a 120 ms path: four round trips", [80, 120], 480],
    ["a satellite link (600 ms): capped at the first round's wait", [600], TIMEOUTS.pingReplyMs],
  ])("path MTU reply wait, %s", (_name, rtts, want) => {
    expect(mtuReplyWaitMs(rtts)).toBe(want);
  });
});
