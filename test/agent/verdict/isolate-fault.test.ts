// Table tests of the fault-isolation engine over synthetic step results, including partial and
// conflicting evidence (the rules of evidence in DOMAIN.md §3).
import { describe, expect, test } from "vitest";
import type { StepResult } from "../../../shared/checks.js";
import { CAUSES } from "../../../agent/verdict/causes.js";
import { isolateFault } from "../../../agent/verdict/isolate-fault.js";
import { dhcp, dns, gateway, host, path, service, snmp, step , verdictWith } from "./fixtures.js";

const run = verdictWith;

describe("the lab's fault table, from synthetic evidence", () => {
  test.each([
    ["healthy", {}, "none", "NONE"],
    ["PC interface administratively down", { host: host.adminDown(), gateway: gateway.dead(), dhcp: dhcp.notRoot(), dns: dns.allDead(), path: path({ gw: false, hop: "none", anchors: { ok: false } }), service: service("SERVICE_UNREACHABLE") }, "host", "NIC_ADMIN_DOWN"],
    ["cable unplugged", { host: host.noCarrier(), gateway: gateway.dead(), dns: dns.allDead(), path: path({ gw: false, hop: "none", anchors: { ok: false } }), service: service("SERVICE_UNREACHABLE") }, "lan", "NO_CARRIER"],
    ["router DHCP dead, lease kept", { dhcp: dhcp.noOffer() }, "router", "DHCP_NO_OFFER"],
    ["router DNS relay dead, public resolver fine", { dns: dns.routerRelayDead(), service: service("SERVICE_DNS_FAILED") }, "router", "ROUTER_DNS_DEAD"],
    ["access line down (SNMP)", { snmp: snmp.wanDown(), dns: dns.allDead(), path: path({ hop: "none", anchors: { ok: false } }), service: service("SERVICE_DNS_FAILED") }, "wan", "WAN_LINK_DOWN"],
    ["line degraded: poor SNR, loss from the first hop", { snmp: snmp.lineDegraded(), path: path({ hop: { ok: true, loss: 40 }, anchors: { ok: true, loss: 40 } }) }, "wan", "LINE_DEGRADED"],
    ["ISP upstream down, edge answers", { dns: dns.allDead(), path: path({ hop: { ok: true }, anchors: { ok: false } }), service: service("SERVICE_DNS_FAILED") }, "isp", "ISP_UPSTREAM_UNREACHABLE"],
    ["25% loss beyond the ISP edge", { path: path({ hop: { ok: true }, anchors: { ok: true, loss: 25 } }) }, "isp", "ISP_PACKET_LOSS"],
    ["authoritative SERVFAIL, IP fine", { dns: dns.servfail(), service: service("SERVICE_DNS_FAILED") }, "dns", "DNS_SERVFAIL"],
    ["web service down (TCP refused)", { service: service("SERVICE_REFUSED") }, "service", "SERVICE_REFUSED"],
  ] as const)("%s → %s", (_name, over, segment, cause) => {
    const v = run(over as Record<string, StepResult>);
    expect(v.segment).toBe(segment);
    expect(v.cause).toBe(cause);
    if (segment !== "none") expect(v.evidence.length).toBeGreaterThan(0);
  });
});

describe("rules of evidence", () => {
  test("later failures are listed as consequences of the first faulty segment", () => {
    const v = run({ host: host.noCarrier(), gateway: gateway.dead(), dns: dns.allDead(), path: path({ gw: false, hop: "none", anchors: { ok: false } }), service: service("SERVICE_UNREACHABLE") });
    expect(v.segment).toBe("lan");
    expect(v.consequences.length).toBeGreaterThan(0);
    expect(v.evidence.map((e) => e.code)).toContain("NO_CARRIER");
  });

  test("a gateway that drops ICMP but answers TCP/ARP is not a fault", () => {
    const v = run({ gateway: gateway.icmpSilent(), path: path({ gw: false }) });
    expect(v.segment).toBe("none");
  });

  test("anchors silent to ping while public DNS and the service work: ICMP filtered, not an ISP fault", () => {
    const v = run({ path: path({ hop: { ok: false }, anchors: { ok: false } }) });
    expect(v.segment).toBe("none");
  });

  test("a silent first ISP hop while anchors answer is not a WAN fault", () => {
    expect(run({ path: path({ hop: { ok: false } }) }).segment).toBe("none");
  });

  test("SNMP claims WAN down but traffic crosses it: not blamed (wrong interface watched)", () => {
    expect(run({ snmp: snmp.wanDown() }).segment).toBe("none");
  });

  test("not measured is not failed: everything skipped gives UNDETERMINED with every segment unverified", () => {
    const v = isolateFault(["host", "gateway", "dns", "path"].map((c) => step(c as never, "skipped")));
    expect(v.cause).toBe("UNDETERMINED");
    expect(v.segment).toBe("none");
    expect(v.unverified).toEqual(["host", "lan", "router", "wan", "isp", "dns", "service"]);
  });

  test("errors and timeouts are not evidence either", () => {
    const v = run({ host: step("host", "error"), dhcp: step("dhcp", "timeout") });
    expect(v.segment).toBe("none");
  });

  test("an APIPA address with a silent DHCP server is the router's fault, not the host's", () => {
    const v = run({ host: host.apipa(), gateway: gateway.dead(), dhcp: dhcp.noOffer(), dns: dns.allDead(), path: path({ gw: false, hop: "none", anchors: { ok: false } }), service: service("SERVICE_UNREACHABLE") });
    expect(v.segment).toBe("router");
    expect(v.cause).toBe("DHCP_NO_OFFER");
  });

  test("an APIPA address with DHCP not measured is undetermined between the device and the router's DHCP, and says which probe decides", () => {
    const v = run({ host: host.apipa(), gateway: gateway.dead(), dhcp: dhcp.notRoot(), dns: dns.allDead(), path: path({ gw: false, hop: "none", anchors: { ok: false } }), service: service("SERVICE_UNREACHABLE") });
    expect(v.cause).toBe("UNDETERMINED");
    expect(v.candidates?.map((c) => `${c.segment}/${c.cause}`)).toEqual(["host/NO_IP_ADDRESS", "router/DHCP_NO_OFFER"]);
    expect(v.decider).toMatch(/DHCP probe/);
  });

  test("a public resolver answering (even SERVFAIL) proves the internet reachable: names failing everywhere is dns", () => {
    const v = run({ dns: dns.servfail(), path: path({ hop: "none", anchors: { ok: false } }), snmp: undefined, service: service("SERVICE_DNS_FAILED") });
    expect(v.segment).toBe("dns");
  });

  test("a dead router DNS relay is not blamed when nothing shows the internet reachable", () => {
    const v = run({ dns: dns.allDead(), path: path({ hop: { ok: true }, anchors: { ok: false } }), service: service("SERVICE_DNS_FAILED") });
    expect(v.segment).toBe("isp");
  });

  test("an ISP resolver (not the router) dead while public ones answer is a dns fault", () => {
    const v = run({ dns: dns.ispResolverDead() });
    expect(v.segment).toBe("dns");
    expect(v.cause).toBe("DNS_RESOLVER_DEAD");
  });

  test("names failing while nothing beyond the router answers are a consequence, not a dns fault", () => {
    const v = run({ dns: dns.relayServfailPublicDead(), path: path({ hop: "none", anchors: { ok: false } }), snmp: undefined, service: service("SERVICE_DNS_FAILED") });
    expect(v.segment).toBe("wan");
    expect(v.cause).toBe("ISP_HOP_UNREACHABLE");
  });

  test("degraded is located at the first segment where it appears: weak Wi-Fi", () => {
    const v = run({ host: host.weakWifi() });
    expect(v.segment).toBe("lan");
    expect(v.cause).toBe("WIFI_WEAK_SIGNAL");
    expect(v.summary).toMatch(/^degraded/);
  });

  test("a hard fault further out wins over an earlier degradation", () => {
    const v = run({ host: host.weakWifi(), service: service("SERVICE_REFUSED") });
    expect(v.segment).toBe("service");
  });

  test("a degraded line upstream explains a service timeout downstream: the line is the verdict", () => {
    const v = run({ snmp: snmp.lineDegraded(), path: path({ hop: { ok: true, loss: 30 }, anchors: { ok: true, loss: 30 } }), service: service("SERVICE_DNS_FAILED") });
    expect(v.segment).toBe("wan");
    expect(v.cause).toBe("LINE_DEGRADED");
    expect(v.consequences.map((c) => c.check)).toContain("service");
  });

  test("a rogue DHCP server on the LAN is reported even when the PC works", () => {
    const v = run({ dhcp: dhcp.rogue() });
    expect(v.segment).toBe("lan");
    expect(v.cause).toBe("DHCP_ROGUE_SERVER");
  });

  test("loss that already starts at the gateway is a lan problem, not the ISP's", () => {
    const v = run({ gateway: gateway.ok(40), path: path({ hop: { ok: true, loss: 40 }, anchors: { ok: true, loss: 40 } }) });
    expect(v.segment).toBe("lan");
    expect(v.cause).toBe("GATEWAY_LOSS");
  });

  test.each([
    [60, "lan/GATEWAY_LOSS"],
    [50, "lan/GATEWAY_LOSS"],
    // Below heavy loss a relay that answers itself yet times out on names is its upstream's fault.
    [40, "dns/DNS_UPSTREAM_DEAD"],
  ])("loss %i percent to the gateway, the relay alive but its names timing out, the anchors lossy → %s", (loss, want) => {
    // At 50% loss a query and its answer both get through one time in four: the relay's silence on
    // names is what the loss does, not proof that its upstream is dead (lab scenario lan-loss, 60%).
    const v = run({ gateway: gateway.ok(loss), dns: dns.relayUpstreamDead(), path: path({ hop: { ok: true, loss }, anchors: { ok: true, loss } }) });
    expect(`${v.segment}/${v.cause}`).toBe(want);
  });

  test("60% of pings to the router lost but nothing beyond it lossy (a router rate-limiting pings to itself): the relay's silence stays a DNS fault", () => {
    const v = run({ gateway: gateway.ok(60), dns: dns.relayUpstreamDead(), path: path({ hop: { ok: true }, anchors: { ok: true } }) });
    expect(`${v.segment}/${v.cause}`).toBe("dns/DNS_UPSTREAM_DEAD");
  });

  test("a service timeout with the internet unreachable is not blamed on the service", () => {
    const v = run({ dns: dns.allDead(), path: path({ hop: "none", anchors: { ok: false } }), snmp: undefined, service: service("SERVICE_TIMEOUT") });
    expect(v.segment).not.toBe("service");
  });

  test("a local firewall blocking the service is the host's fault", () => {
    const v = run({ service: service("SERVICE_LOCAL_BLOCKED") });
    expect(v.segment).toBe("host");
    expect(v.cause).toBe("LOCAL_FIREWALL_BLOCKS");
  });

  test("a service whose own name fails while others resolve is the service's DNS", () => {
    expect(run({ service: service("SERVICE_DNS_FAILED") }).cause).toBe("SERVICE_DNS_FAILED");
  });

  test("a path-MTU black hole is an ISP fault", () => {
    expect(run({ path: path({ blackhole: true }) }).cause).toBe("PMTU_BLACKHOLE");
  });

  test("an SNMP device whose only up interface is loopback does not vouch for the WAN: router or wan, decided by the router's WAN state", () => {
    const v = run({ snmp: snmp.loopbackUpOnly(), dns: dns.allDead(), path: path({ hop: "none", anchors: { ok: false } }), service: service("SERVICE_TIMEOUT") });
    expect(v.cause).toBe("UNDETERMINED");
    expect(v.candidates?.map((c) => c.segment).sort()).toEqual(["router", "wan"]);
    expect(v.decider).toMatch(/WAN state/);
  });

  test("a fault after unmeasured segments names what was not verified", () => {
    const v = isolateFault([service("SERVICE_REFUSED")]);
    expect(v.segment).toBe("service");
    expect(v.unverified).toEqual(expect.arrayContaining(["host", "lan", "router", "wan", "isp", "dns"]));
    expect(v.next_steps.engineer.join(" ")).toMatch(/Not verified/);
  });
});

describe("causes", () => {
  test.each(Object.entries(CAUSES))("%s has customer texts in en and zh-CN and engineer steps", (_c, spec) => {
    expect(spec.customer.length).toBeGreaterThan(0);
    for (const t of spec.customer) {
      expect(t.en.length).toBeGreaterThan(10);
      expect(t["zh-CN"]).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(spec.engineer.length).toBeGreaterThan(0);
  });
});
