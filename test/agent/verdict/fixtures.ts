// Builders of synthetic step results in the shapes the real checks produce, for the engine's table tests.
import type { CheckId, Finding, StepResult, StepStatus } from "../../../shared/checks.js";
import { assessDns, resolverReport } from "../../../agent/checks/dns/assess.js";
import type { NsLookupResult } from "../../../agent/checks/dns/query.js";
import type { DnsOutcome } from "../../../agent/checks/dns/nslookup-status.js";
import { assessPath, type PathData } from "../../../agent/checks/path/assess.js";

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
/** A dns step judged by the real assessment (agent/checks/dns/assess.ts), so its findings are the real ones. */
function dnsStep(configured: RState, pub: RState, opts: { viaGateway?: boolean; failKind?: DnsOutcome; slow?: boolean; relayAlive?: boolean } = {}): StepResult {
  const cServer = opts.viaGateway === false ? "100.64.0.53" : GW;
  const result = (state: RState, server: string): NsLookupResult => {
    const outcome: DnsOutcome = state === "name_failures" ? (opts.failKind ?? "servfail") : state === "dead" ? "timeout" : "answer";
    return {
      hostName: "shop.test",
      dnsServerIP: server,
      status: outcome === "answer" ? "Success" : outcome === "timeout" ? "Error_Timeout" : "Error_HostNameNotResolved",
      outcome,
      ipAddresses: outcome === "answer" ? ["198.51.100.80"] : [],
      ...(outcome === "timeout" ? {} : { responseTimeMs: opts.slow ? 750 : 12 }),
    };
  };
  // `alive`: the answer to a query the server answers by itself (undefined = that control not measured).
  const resolvers = [
    { ...resolverReport(cServer, "configured", [result(configured, cServer)]), ...(opts.relayAlive !== undefined ? { alive: opts.relayAlive } : {}) },
    resolverReport("198.51.100.53", "public", [result(pub, "198.51.100.53")]),
  ];
  const { summary, findings } = assessDns(resolvers, ["shop.test"]);
  const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
  return { check: "dns", status, startedAt: 0, durationMs: 1, findings, data: { names: ["shop.test"], configuredSource: "system", resolvers, ignoredResolvers: [], summary } } as unknown as StepResult;
}
export const dns = {
  ok: () => dnsStep("answering", "answering"),
  slow: () => dnsStep("answering", "answering", { slow: true }),
  routerRelayDead: () => dnsStep("dead", "answering", { relayAlive: false }),
  /** The relay answers by itself but external names time out there: its upstream is dead. */
  relayUpstreamDead: () => dnsStep("dead", "answering", { relayAlive: true }),
  /** The relay times out on external names and its own liveness was not measured. */
  relayTimesOutUnknown: () => dnsStep("dead", "answering"),
  ispResolverDead: () => dnsStep("dead", "answering", { viaGateway: false, relayAlive: false }),
  allDead: () => dnsStep("dead", "dead"),
  servfail: () => dnsStep("name_failures", "name_failures"),
  /** The router's relay replies SERVFAIL (its upstream is gone) and the public resolver is unreachable. */
  relayServfailPublicDead: () => dnsStep("name_failures", "dead"),
  nxdomain: () => dnsStep("name_failures", "name_failures", { failKind: "nxdomain" }),
};

const anchorPing = (host: string, ok: boolean, lossPct = ok ? 0 : 100, avg = 20) => ({ Host: host, IPAddressUsed: host, NumberOfRepetitions: 5, Timeout: 1000, DataBlockSize: 56, ...ping(ok, lossPct, avg) });

/** A path step judged by the real assessment (agent/checks/path/assess.ts). */
export const path = (o: { gw?: boolean; hop?: { ok: boolean; loss?: number } | "none"; anchors?: { ok: boolean; loss?: number; avg?: number }; blackhole?: boolean }) => {
  const hop = o.hop ?? { ok: true };
  const a = o.anchors ?? { ok: true };
  const data = {
    gateway: { address: GW, ping: anchorPing(GW, o.gw ?? true, undefined, 1) },
    ispHop: hop === "none" ? ({ source: "not_found" } as const) : ({ source: "discovered", address: "100.64.0.1", ping: anchorPing("100.64.0.1", hop.ok, hop.loss, 8) } as const),
    anchors: ["203.0.113.1", "203.0.113.2", "203.0.113.3"].map((h) => anchorPing(h, a.ok, a.loss, a.avg ?? 20)),
    route: { Host: "203.0.113.1", MaxHopCount: 8, NumberOfTries: 1, RouteHops: [], reached: a.ok, silentTtls: [] },
    ...(o.blackhole ? { mtu: { Host: "203.0.113.1", blackHole: true, pathMtu: 1400 } } : {}),
  };
  const outcome = assessPath(data as unknown as PathData);
  return { ...step("path", outcome.status, data), findings: outcome.findings } as unknown as StepResult;
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

// ---- evidence the control probes add (typed step data of the dns, path and service checks) ----

/** A dns step with resolvers of every role, judged by the real assessment. */
export function dnsWith(rs: { server: string; role: "configured" | "public" | "offered"; outcome: DnsOutcome; alive?: boolean }[]): StepResult {
  const reports = rs.map((r) => {
    const res: NsLookupResult = {
      hostName: "shop.test",
      dnsServerIP: r.server,
      status: r.outcome === "answer" ? "Success" : r.outcome === "timeout" ? "Error_Timeout" : "Error_HostNameNotResolved",
      outcome: r.outcome,
      ipAddresses: r.outcome === "answer" ? ["198.51.100.80"] : [],
      ...(r.outcome === "timeout" ? {} : { responseTimeMs: 12 }),
    };
    // The assessment knows configured and public; an offered resolver is judged like a configured one.
    const rep = resolverReport(r.server, r.role === "public" ? "public" : "configured", [res]);
    return { ...rep, role: r.role, ...(r.alive !== undefined ? { alive: r.alive } : {}) };
  });
  const { summary, findings } = assessDns(
    reports.filter((r) => r.role !== "offered").map((r) => ({ ...r, role: r.role as "configured" | "public" })),
    ["shop.test"],
  );
  const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
  return { check: "dns", status, startedAt: 0, durationMs: 1, findings, data: { names: ["shop.test"], configuredSource: "system", resolvers: reports, ignoredResolvers: [], summary } } as unknown as StepResult;
}

/** Anchors that get an ICMP error from `from` (e.g. Destination Net Unreachable from the ISP edge). */
export function pathIcmpError(from: string, type: "net_unreachable" | "host_unreachable" | "filtered"): StepResult {
  // An error from the gateway itself means nothing beyond it was reached: no ISP hop either.
  const s = path({ hop: from === GW ? "none" : { ok: true }, anchors: { ok: false } });
  const d = s.data as { anchors: Record<string, unknown>[]; route: { RouteHops: unknown[] } };
  for (const a of d.anchors) a["icmpErrors"] = [{ from, type }];
  const error = { HostAddress: from, reply: "unreachable", ErrorMessage: type === "net_unreachable" ? "Destination Net Unreachable" : type, RTTimes: [] };
  d.route.RouteHops = from === GW ? [{ ttl: 1, ...error }] : [{ ttl: 1, HostAddress: GW, reply: "time_exceeded", RTTimes: [] }, { ttl: 2, ...error }];
  return s;
}

/** A service step with its control probes: the same port on a control host and on the gateway. */
export function serviceWith(code: string, control?: boolean, gatewayPort?: boolean): StepResult {
  const s = service(code);
  s.data = {
    target: "www.shop.test:443",
    ...(control !== undefined ? { control: { host: "control.test", reached: control, outcome: control ? "connected" : "timeout" } } : {}),
    ...(gatewayPort !== undefined ? { gatewayTcp: { port: 443, answered: gatewayPort } } : {}),
  };
  return s;
}

export const dhcpOffering = (dnsServers: string[]) => step("dhcp", "ok", { probe: { offers: [{ DHCPServer: GW, DNSServers: dnsServers, IPRouters: [GW] }], servers: [GW] } });
