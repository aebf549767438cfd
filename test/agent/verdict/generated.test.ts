// Generated step sets against the rules of evidence themselves: thousands of combinations of the
// states each check can report, judged by properties that must hold on any network, not by outcomes
// tuned to one lab. Deterministic (seeded), so a failure reproduces.
import { describe, expect, test } from "vitest";
import type { CheckId, StepResult } from "../../../shared/checks.js";
import { Verdict } from "../../../shared/verdict.js";
import { isolateFault } from "../../../agent/verdict/isolate-fault.js";
import { observe } from "../../../agent/verdict/extract.js";
import { dhcp, dhcpOffering, dns, dnsWith, gateway, GW, host, path, pathIcmpError, service, serviceWith, snmp, step } from "./fixtures.js";
import { prng } from "../../helpers/prng.js";

const rng = prng;

const PUBLIC = "198.51.100.53";
/** Every state each check can be in, as the checks report it; undefined = the check did not run. */
const POOL: Record<Exclude<CheckId, "ping" | "routeros">, (() => StepResult | undefined)[]> = {
  host: [host.ok, host.ok, host.adminDown, host.noCarrier, host.apipa, host.weakWifi, () => undefined, () => step("host", "skipped")],
  gateway: [gateway.ok, gateway.ok, gateway.icmpSilent, gateway.dead, () => gateway.ok(45), () => undefined],
  dhcp: [dhcp.ok, dhcp.noOffer, dhcp.notRoot, () => dhcpOffering([GW]), () => undefined],
  dns: [
    dns.ok, dns.ok, dns.slow, dns.routerRelayDead, dns.relayUpstreamDead, dns.relayTimesOutUnknown, dns.ispResolverDead, dns.allDead, dns.servfail, dns.nxdomain, dns.relayServfailPublicDead,
    () => dnsWith([{ server: "10.99.99.99", role: "configured", outcome: "timeout", alive: false }, { server: GW, role: "offered", outcome: "answer", alive: true }, { server: PUBLIC, role: "public", outcome: "answer" }]),
    () => dnsWith([{ server: GW, role: "configured", outcome: "answer", alive: true }, { server: PUBLIC, role: "public", outcome: "timeout" }]),
    () => dnsWith([{ server: GW, role: "configured", outcome: "refused", alive: true }, { server: PUBLIC, role: "public", outcome: "timeout" }]),
    () => undefined,
  ],
  path: [
    () => path({}), () => path({}), () => path({ gw: false }), () => path({ hop: "none", anchors: { ok: false } }), () => path({ hop: { ok: false }, anchors: { ok: false } }),
    () => path({ hop: { ok: true }, anchors: { ok: false } }), () => path({ anchors: { ok: true, loss: 40 } }), () => path({ hop: { ok: true, loss: 40 }, anchors: { ok: true, loss: 40 } }),
    () => path({ anchors: { ok: true, avg: 600 } }), () => path({ blackhole: true }), () => path({ hop: { ok: false } }),
    () => pathIcmpError("100.64.0.1", "net_unreachable"), () => pathIcmpError(GW, "net_unreachable"), () => path({ gw: false, hop: "none", anchors: { ok: false } }), () => undefined,
  ],
  service: [
    () => service("SERVICE_OK"), () => service("SERVICE_OK"), () => service("SERVICE_REFUSED"), () => service("SERVICE_TIMEOUT"), () => service("SERVICE_UNREACHABLE"), () => service("SERVICE_DNS_FAILED"),
    () => service("SERVICE_TLS_ERROR"), () => service("SERVICE_HTTP_ERROR"), () => service("SERVICE_RESET"), () => serviceWith("SERVICE_TIMEOUT", true), () => serviceWith("SERVICE_TIMEOUT", false, false),
    () => serviceWith("SERVICE_TIMEOUT", false, true), () => service("SERVICE_LOCAL_BLOCKED"), () => undefined,
  ],
  snmp: [snmp.wanUp, snmp.wanDown, snmp.lineDegraded, snmp.loopbackUpOnly, () => undefined, () => step("snmp", "skipped")],
};

function generate(r: () => number): StepResult[] {
  return Object.values(POOL).flatMap((options) => {
    const s = options[Math.floor(r() * options.length)]!();
    return s ? [s] : [];
  });
}

const CASES = 3000;
const sets = (() => {
  const r = rng(0x5eed);
  return Array.from({ length: CASES }, () => generate(r));
})();

const label = (steps: StepResult[]) => steps.map((s) => `${s.check}:${s.status}[${s.findings.filter((f) => f.severity !== "info").map((f) => f.code).join(",")}]`).join(" ");

describe(`rules of evidence over ${CASES} generated step sets`, () => {
  test("every verdict parses, and a fault or an undetermined verdict never names the segment none", () => {
    for (const steps of sets) {
      const v = isolateFault(steps);
      expect(Verdict.safeParse(v).success, label(steps)).toBe(true);
      if (v.cause !== "NONE") expect(v.segment === "none" && v.cause !== "UNDETERMINED", `${v.cause} on none: ${label(steps)}`).toBe(false);
    }
  });

  test("NONE only when every failed observation is explained by a named harmless reason", () => {
    let nones = 0;
    for (const steps of sets) {
      const v = isolateFault(steps);
      if (v.cause !== "NONE") continue;
      nones++;
      const explained = new Set((v.explained ?? []).flatMap((e) => e.failures.map((f) => `${f.check}:${f.code}`)));
      for (const f of observe(steps).failures) expect(explained.has(`${f.evidence.check}:${f.evidence.code}`), `${f.evidence.check}:${f.evidence.code} unexplained in NONE: ${label(steps)}`).toBe(true);
    }
    expect(nones).toBeGreaterThan(10); // the generator does produce healthy-looking sets
  });

  test("a negative answer from the network (refused, SERVFAIL, reset, TLS, 5xx, no carrier, disabled NIC) never yields NONE", () => {
    for (const steps of sets) {
      const failures = observe(steps).failures.filter((f) => f.kind === "answer" || ["NO_CARRIER", "NIC_ADMIN_DOWN", "DHCP_NO_OFFER", "PMTU_BLACKHOLE"].includes(f.evidence.code));
      if (!failures.length) continue;
      expect(isolateFault(steps).cause, label(steps)).not.toBe("NONE");
    }
  });

  test("every failure is the cause's evidence, its consequence, a further fault, or harmless; else UNDETERMINED", () => {
    for (const steps of sets) {
      const v = isolateFault(steps);
      if (v.cause === "UNDETERMINED") continue;
      const accounted = new Set(
        [...v.evidence, ...v.consequences, ...(v.also ?? []).flatMap((a) => a.evidence), ...(v.explained ?? []).flatMap((e) => e.failures)].map((e) => `${e.check}:${e.code}`),
      );
      for (const f of observe(steps).failures) {
        const key = `${f.evidence.check}:${f.evidence.code}`;
        expect(accounted.has(key), `${key} not accounted for in ${v.cause}: ${label(steps)}`).toBe(true);
      }
    }
  });

  test("more evidence never weakens a verdict: a healthy SNMP report added to a failing set never turns it into NONE", () => {
    for (const steps of sets) {
      const without = steps.filter((s) => s.check !== "snmp");
      const before = isolateFault(without);
      if (before.cause === "NONE") continue;
      const after = isolateFault([...without, snmp.wanUp()]);
      expect(after.cause, `${before.cause} → NONE with a healthy SNMP report: ${label(without)}`).not.toBe("NONE");
    }
  });

  test("the CPE's own report can accuse but not acquit: a healthy SNMP report never moves the verdict off a segment traffic blames", () => {
    for (const steps of sets) {
      const without = steps.filter((s) => s.check !== "snmp");
      const before = isolateFault(without);
      if (before.cause === "NONE" || before.cause === "UNDETERMINED") continue;
      expect(isolateFault([...without, snmp.wanUp()]).cause, label(without)).toBe(before.cause);
    }
  });

  test("the order of steps does not matter", () => {
    const r = rng(7);
    for (const steps of sets.slice(0, 500)) {
      const shuffled = [...steps].sort(() => r() - 0.5);
      expect(isolateFault(shuffled).cause, label(steps)).toBe(isolateFault(steps).cause);
    }
  });
});
