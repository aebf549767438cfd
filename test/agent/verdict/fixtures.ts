// Builders of synthetic step results in the shapes the real checks produce, for the engine's table tests.
import type { CheckId, Finding, StepResult, StepStatus } from "../../../shared/checks.js";

export function step(check: CheckId, status: StepStatus, data: Record<string, unknown> = {}, codes: string[] = []): StepResult {
  const findings: Finding[] = codes.map((code) => ({ code, severity: status === "fail" ? "fail" : "warn", message: code }));
  // Loose on purpose: the engine's table tests give only the fields a rule reads (the lead rewrites these).
  const extra = status === "skipped" ? { skipReason: "not measured in this case" } : status === "error" || status === "timeout" ? { error: { code: "TEST", message: "not measured" } } : {};
  return { check, status, startedAt: 0, durationMs: 1, findings, data, ...extra } as unknown as StepResult;
}

const ping = (ok: boolean, lossPct = ok ? 0 : 100, avg = 5) => ({
  DiagnosticsState: "Complete",
  SuccessCount: ok ? Math.round(5 * (1 - lossPct / 100)) : 0,
  FailureCount: ok ? Math.round((5 * lossPct) / 100) : 5,
  lossPct,
  ...(ok ? { AverageResponseTime: avg } : {}),
});

export const GW = "10.77.0.1";

export const host = {
  ok: () => step("host", "ok", { primary: "eth0", gateway: GW }),
  adminDown: () => step("host", "fail", { faultSegment: "host", blockedBy: "NIC_ADMIN_DOWN" }, ["NIC_ADMIN_DOWN"]),
  noCarrier: () => step("host", "fail", { faultSegment: "lan", blockedBy: "NO_CARRIER" }, ["NO_CARRIER"]),
  apipa: () => step("host", "fail", { faultSegment: "host", blockedBy: "APIPA_ADDRESS" }, ["APIPA_ADDRESS"]),
  weakWifi: () => step("host", "warn", { primary: "wlan0", gateway: GW, wifi: [{ iface: "wlan0", quality: 18 }] }, ["WIFI_WEAK_SIGNAL"]),
};

export const gateway = {
  ok: (lossPct = 0) => step("gateway", "ok", { gateway: GW, alive: true, answeredBy: ["icmp", "arp"], ping: { Status: "Complete", SuccessCount: 5, FailureCount: 0, lossPct, AverageResponseTime: 1 } }),
  icmpSilent: () => step("gateway", "ok", { gateway: GW, alive: true, answeredBy: ["tcp", "arp"], ping: { Status: "Complete", SuccessCount: 0, FailureCount: 5, lossPct: 100 } }),
  dead: () => step("gateway", "fail", { gateway: GW, alive: false, answeredBy: [], ping: { Status: "Complete", SuccessCount: 0, FailureCount: 5, lossPct: 100 } }, ["GATEWAY_UNREACHABLE"]),
};

export const dhcp = {
  ok: () => step("dhcp", "ok", { probe: { offers: [{ DHCPServer: GW }] } }),
  noOffer: () => step("dhcp", "fail", { probe: { offers: [] } }, ["DHCP_NO_OFFER"]),
  notRoot: () => step("dhcp", "skipped", {}, ["DHCP_BIND_DENIED"]),
};

type RState = "answering" | "name_failures" | "dead";
function dnsStep(configured: RState, pub: RState, opts: { viaGateway?: boolean; failKind?: string; slow?: boolean } = {}): ReturnType<typeof step> {
  const cServer = opts.viaGateway === false ? "100.64.0.53" : GW;
  const result = (state: RState, server: string) => ({
    server,
    role: server === "198.51.100.53" ? "public" : "configured",
    state,
    results: state === "name_failures" ? [{ hostName: "shop.test", outcome: opts.failKind ?? "servfail" }] : state === "dead" ? [{ hostName: "shop.test", outcome: "timeout" }] : [{ hostName: "shop.test", outcome: "answer" }],
  });
  const group = (s: RState) => (s === "dead" ? "dead" : "ok");
  const failing = [configured, pub].every((s) => s !== "answering") && [configured, pub].some((s) => s === "name_failures");
  return step(
    "dns",
    configured === "answering" && pub === "answering" ? (opts.slow ? "warn" : "ok") : "fail",
    {
      resolvers: [result(configured, cServer), result(pub, "198.51.100.53")],
      summary: { configured: group(configured), public: group(pub), anyResolverReplied: configured !== "dead" || pub !== "dead", namesFailingEverywhere: failing ? ["shop.test"] : [], namesFailingSomewhere: [] },
    },
    opts.slow ? ["DNS_SLOW"] : [],
  );
}
export const dns = {
  ok: () => dnsStep("answering", "answering"),
  slow: () => {
    const s = dnsStep("answering", "answering", { slow: true });
    s.findings = [{ code: "DNS_SLOW", severity: "warn", message: "750 ms" }];
    return s;
  },
  routerRelayDead: () => dnsStep("dead", "answering"),
  ispResolverDead: () => dnsStep("dead", "answering", { viaGateway: false }),
  allDead: () => dnsStep("dead", "dead"),
  servfail: () => dnsStep("name_failures", "name_failures"),
  /** The router's relay replies SERVFAIL (its upstream is gone) and the public resolver is unreachable. */
  relayServfailPublicDead: () => dnsStep("name_failures", "dead"),
  nxdomain: () => dnsStep("name_failures", "name_failures", { failKind: "nxdomain" }),
};

export const path = (o: { gw?: boolean; hop?: { ok: boolean; loss?: number } | "none"; anchors?: { ok: boolean; loss?: number; avg?: number }; blackhole?: boolean }) => {
  const hop = o.hop ?? { ok: true };
  const a = o.anchors ?? { ok: true };
  const codes = [...(o.blackhole ? ["PMTU_BLACKHOLE"] : []), ...(a.ok ? [] : ["ANCHORS_UNREACHABLE"])];
  return step(
    "path",
    codes.length ? "fail" : "ok",
    {
      gateway: { address: GW, ping: ping(o.gw ?? true) },
      ispHop: hop === "none" ? { source: "not_found" } : { source: "discovered", address: "100.64.0.1", ping: ping(hop.ok, hop.loss, 8) },
      anchors: [0, 1, 2].map(() => ping(a.ok, a.loss, a.avg ?? 20)),
    },
    codes,
  );
};

export const service = (code: string) => step("service", code === "SERVICE_OK" ? "ok" : "fail", {}, code === "SERVICE_OK" ? [] : [code]);

export const snmp = {
  wanUp: () => step("snmp", "ok", { devices: [{ wan: { found: true, ifName: "dsl0", ifOperStatus: "up" }, interfaces: [{ ifOperStatus: "up" }] }] }),
  wanDown: () => step("snmp", "fail", { devices: [{ wan: { found: true, ifName: "dsl0", ifOperStatus: "down" } }] }, ["WAN_LINK_DOWN"]),
  lineDegraded: () => step("snmp", "fail", { devices: [{ wan: { found: true, ifName: "dsl0", ifOperStatus: "up" } }] }, ["LINE_SNR_LOW"]),
  loopbackUpOnly: () => step("snmp", "ok", { devices: [{ wan: { found: false }, interfaces: [{ ifName: "lo", ifOperStatus: "up" }] }] }),
};

/** A healthy full diagnosis; each case replaces the steps it breaks. */
export function healthy(): Record<string, StepResult> {
  return {
    host: host.ok(),
    gateway: gateway.ok(),
    dhcp: dhcp.ok(),
    dns: dns.ok(),
    path: path({}),
    service: service("SERVICE_OK"),
    snmp: snmp.wanUp(),
  };
}
