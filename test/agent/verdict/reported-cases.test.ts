// The six misjudgements reported from an independently built lab (issue 9), as synthetic evidence in
// the shapes the checks produce, and what a good engineer concludes from each.
import { describe, expect, test } from "vitest";
import { StepResult } from "../../../shared/checks.js";
import { isolateFault } from "../../../agent/verdict/isolate-fault.js";
import { dhcp, dhcpOffering, dnsWith, gateway, GW, healthy, host, path, service, pathIcmpError, serviceWith, snmp, step , verdictWith } from "./fixtures.js";

const EDGE = "100.64.0.1";
const PUBLIC = "198.51.100.53";

const run = verdictWith;

describe("reported misjudgements", () => {
  test("1. the ISP edge's uplink is down: the edge answers ping, says Net Unreachable, DNS is REFUSED → isp", () => {
    const v = run({
      path: pathIcmpError(EDGE, "net_unreachable"),
      dns: dnsWith([
        { server: GW, role: "configured", outcome: "refused", alive: true },
        { server: PUBLIC, role: "public", outcome: "timeout" },
      ]),
      service: serviceWith("SERVICE_UNREACHABLE", false),
    });
    expect(`${v.segment}/${v.cause}`).toBe("isp/ISP_NO_ROUTE");
    expect(v.evidence.map((e) => e.detail).join(" ")).toContain(EDGE);
  });

  test("2. NAT gone on the router: its own DNS forwarding resolves, SNMP says WAN up, nothing beyond answers the PC → router", () => {
    const v = run({
      dns: dnsWith([
        { server: GW, role: "configured", outcome: "answer", alive: true },
        { server: PUBLIC, role: "public", outcome: "timeout" },
      ]),
      path: path({ hop: "none", anchors: { ok: false } }),
      service: serviceWith("SERVICE_TIMEOUT", false, true),
      snmp: snmp.wanUp(),
    });
    expect(`${v.segment}/${v.cause}`).toBe("router/ROUTER_NAT_FAILED");
    expect(v.evidence.map((e) => e.code)).toContain("RELAY_RESOLVES");
  });

  test("2b. a relay slow under load beside the NAT failure is a lesser problem reported with it, not a reason for doubt", () => {
    const v = run({
      dns: dnsWith([
        { server: GW, role: "configured", outcome: "answer", alive: true, slowMs: 900 },
        { server: PUBLIC, role: "public", outcome: "timeout" },
      ]),
      path: path({ hop: "none", anchors: { ok: false } }),
      service: serviceWith("SERVICE_TIMEOUT", false, true),
    });
    expect(`${v.segment}/${v.cause}`).toBe("router/ROUTER_NAT_FAILED");
    expect(v.also?.map((a) => a.cause)).toContain("DNS_SLOW");
  });

  test("3. the router's DHCP server is off and the PC has no address; the probe runs without one → router", () => {
    const v = run({
      host: host.noAddress(),
      gateway: step("gateway", "skipped"),
      dhcp: dhcp.noOffer(),
      dns: dnsWith([{ server: GW, role: "configured", outcome: "timeout" }, { server: PUBLIC, role: "public", outcome: "timeout" }]),
      path: path({ gw: false, hop: "none", anchors: { ok: false } }),
      service: serviceWith("SERVICE_UNREACHABLE"),
    });
    expect(`${v.segment}/${v.cause}`).toBe("router/DHCP_NO_OFFER");
  });

  test("4. the ISP resolver is down: the relay is alive but times out, the ISP resolver refuses, a public one works → dns", () => {
    const v = run({
      dns: dnsWith([
        { server: GW, role: "configured", outcome: "timeout", alive: true },
        { server: "100.64.0.53", role: "configured", outcome: "refused", alive: true },
        { server: PUBLIC, role: "public", outcome: "answer" },
      ]),
      service: serviceWith("SERVICE_DNS_FAILED"),
    });
    expect(`${v.segment}/${v.cause}`).toBe("dns/DNS_UPSTREAM_DEAD");
  });

  test("5. a hand-set resolver where nothing answers while the DHCP-offered one (the router) works → host", () => {
    const v = run({
      dhcp: dhcpOffering([GW]),
      dns: dnsWith([
        { server: "10.99.99.99", role: "configured", outcome: "timeout", alive: false },
        { server: GW, role: "offered", outcome: "answer", alive: true },
        { server: PUBLIC, role: "public", outcome: "answer" },
      ]),
      service: serviceWith("SERVICE_DNS_FAILED"),
    });
    expect(`${v.segment}/${v.cause}`).toBe("host/DNS_LOCAL_MISCONFIGURED");
  });

  test("6. the PC's firewall drops outbound TCP 443: the service, a control host and the router's port all silent, ping and DNS fine → host", () => {
    const v = run({ service: serviceWith("SERVICE_TIMEOUT", false, false), gateway: gateway.ok() });
    expect(`${v.segment}/${v.cause}`).toBe("host/LOCAL_FIREWALL_DROPS");
  });

  test("6b. the same port fails everywhere but reaches the router: the device is cleared, the filter is beyond it", () => {
    const v = run({ service: serviceWith("SERVICE_TIMEOUT", false, true) });
    expect(v.cause).toBe("UNDETERMINED");
    expect(v.candidates?.map((c) => c.cause)).toContain("PORT_BLOCKED_UPSTREAM");
  });

  test("a service timeout while the same port on a control host works is the service's", () => {
    expect(run({ service: serviceWith("SERVICE_TIMEOUT", true) }).cause).toBe("SERVICE_TIMEOUT");
  });
});

describe("the break located by an ICMP error or the router's own traffic", () => {
  test("Net Unreachable from the home router itself: it has no route out (its WAN session is down) → wan", () => {
    const v = run({ path: pathIcmpError(GW, "net_unreachable"), dns: dnsWith([{ server: GW, role: "configured", outcome: "servfail", alive: true }, { server: PUBLIC, role: "public", outcome: "timeout" }]), service: serviceWith("SERVICE_UNREACHABLE", false) });
    expect(`${v.segment}/${v.cause}`).toBe("wan/WAN_NO_ROUTE");
  });

  test("the relay alive but unable to resolve, nothing beyond the router answers → the router's own uplink: wan", () => {
    const v = run({
      dns: dnsWith([{ server: GW, role: "configured", outcome: "timeout", alive: true }, { server: PUBLIC, role: "public", outcome: "timeout" }]),
      path: path({ hop: "none", anchors: { ok: false } }),
      service: serviceWith("SERVICE_TIMEOUT", false),
    });
    expect(v.segment).toBe("wan");
  });

  test("traffic beats the device's report: SNMP says WAN down, but anchors answer → not a WAN fault, and the contradiction is named", () => {
    const v = run({ snmp: snmp.wanDown() });
    expect(v.cause).toBe("NONE");
    expect(v.explained?.map((e) => e.reason)).toContain("CPE_REPORT_CONTRADICTED");
  });

  test("a verdict of NONE names every harmless explanation it used", () => {
    const v = run({ gateway: gateway.icmpSilent(), path: path({ gw: false, hop: { ok: false }, anchors: { ok: false } }) });
    expect(v.cause, JSON.stringify(v)).toBe("NONE");
    expect(v.explained?.map((e) => e.reason).sort()).toEqual(["ANCHORS_FILTER_ICMP", "ISP_HOP_FILTERS_ICMP"]);
  });
});

test("a failed step whose data does not match its schema is not read, and its failure is never turned into NONE", () => {
  const broken = { ...service("SERVICE_REFUSED"), data: { target: 42 } } as unknown as StepResult;
  const v = isolateFault([...Object.values(healthy()).filter((s) => s.check !== "service"), broken]);
  expect(v.cause).toBe("UNDETERMINED");
  expect(v.segment).not.toBe("none");
});

describe("TLS: interception on the device vs the service's certificate", () => {
  const tlsStep = (control: "untrusted-same" | "ok") => {
    const issuer = "O=Local Security Proxy, CN=Local Security Proxy CA";
    const s = service("SERVICE_TLS_ERROR");
    const data = {
      target: "https://www.shop.test/",
      probe: { kind: "https", host: "www.shop.test", port: 443, resolution: "dns", addresses: ["198.51.100.80"], addressUsed: "198.51.100.80", failedStage: "tls", errorCode: "SELF_SIGNED_CERT_IN_CHAIN", tls: { peerIssuer: "Local Security Proxy CA", peerIssuerDn: issuer } },
      tlsControl: [control === "ok" ? { host: "203.0.113.1", port: 443, tls: "ok", peerIssuerDn: "O=Lab, CN=Lab Root" } : { host: "203.0.113.1", port: 443, tls: "untrusted", peerIssuerDn: issuer, errorCode: "SELF_SIGNED_CERT_IN_CHAIN" }],
    };
    return StepResult.parse({ ...s, data });
  };
  test("the service and a known-good host show the same untrusted issuer → host/TLS_INTERCEPTED", () => {
    expect(`${run({ service: tlsStep("untrusted-same") }).segment}/${run({ service: tlsStep("untrusted-same") }).cause}`).toBe("host/TLS_INTERCEPTED");
  });
  test("a known-good host verifies → the service's own certificate", () => {
    expect(run({ service: tlsStep("ok") }).cause).toBe("SERVICE_TLS_ERROR");
  });
});

describe("slowness is blamed only where it is not everywhere (issue 9 item 8: false blame on a loaded machine)", () => {
  test("the network's resolver slow, the public one fast → dns/DNS_SLOW", () => {
    const v = run({ dns: dnsWith([{ server: GW, role: "configured", outcome: "answer", alive: true, slowMs: 800 }, { server: PUBLIC, role: "public", outcome: "answer", slowMs: 20 }]) });
    expect(`${v.segment}/${v.cause}`).toBe("dns/DNS_SLOW");
  });
  test("every resolver slow, the public one too → not the resolver: NONE, with the reason named", () => {
    const v = run({ dns: dnsWith([{ server: GW, role: "configured", outcome: "answer", alive: true, slowMs: 800 }, { server: PUBLIC, role: "public", outcome: "answer", slowMs: 900 }]) });
    expect(v.cause).toBe("NONE");
    expect(v.explained?.map((e) => e.reason)).toContain("DNS_SLOW_EVERYWHERE");
  });
});
