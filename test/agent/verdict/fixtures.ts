// Builders of step results for the engine's tests, complete and valid against the step schemas
// (shared/steps/): every builder parses its result, so a fixture that drifts from what the checks
// produce fails loudly. The dns and path steps are judged by the checks' real assessments.
import { StepResult, type CheckId, type StepStatus } from "../../../shared/checks.js";
import type { DnsOutcome, DnsRcode, NsLookupResult } from "../../../shared/steps/dns.js";
import type { IpPingResult } from "../../../shared/steps/common.js";
import type { PathData } from "../../../shared/steps/path.js";
import { assessDns, resolverReport } from "../../../agent/checks/dns/assess.js";
import { assessPath } from "../../../agent/checks/path/assess.js";
import { isolateFault } from "../../../agent/verdict/isolate-fault.js";
import { Verdict } from "../../../shared/verdict.js";

export const GW = "10.77.0.1";
export const EDGE = "100.64.0.1";
export const PUBLIC = "198.51.100.53";
const ANCHORS = ["203.0.113.1", "203.0.113.2", "203.0.113.3"];

type Sev = "info" | "warn" | "fail";
const statusOf = (findings: { severity: Sev }[]): "ok" | "warn" | "fail" => (findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok");

/** Parses a step: a builder that produces something the schemas refuse is a broken fixture. */
function valid(s: unknown): StepResult {
  const r = StepResult.safeParse(s);
  if (!r.success) throw new Error(`fixture does not match the step schema: ${JSON.stringify(r.error.issues.slice(0, 3))}\n${JSON.stringify(s).slice(0, 600)}`);
  return r.data;
}

function measured(check: CheckId, data: unknown, findings: { code: string; severity: Sev; message?: string; subject?: string }[], status?: StepStatus): StepResult {
  const f = findings.map((x) => ({ code: x.code, severity: x.severity, message: x.message ?? x.code, ...(x.subject ? { subject: x.subject } : {}) }));
  return valid({ check, status: status ?? statusOf(f), startedAt: 0, durationMs: 1, findings: f, data });
}

/** A step with only the given data, not checked against the schemas: for code that reads steps generically (device state). */
export function looseStep(check: CheckId, status: StepStatus, data: Record<string, unknown> = {}, codes: string[] = []): StepResult {
  const findings = codes.map((code) => ({ code, severity: status === "fail" ? "fail" : "warn", message: code }));
  return { check, status, startedAt: 0, durationMs: 1, findings, data, ...(status === "skipped" ? { skipReason: "not measured" } : {}) } as unknown as StepResult;
}

/** A step that did not measure: skipped (with a reason) or error/timeout (with an error). */
export function step(check: CheckId, status: "skipped" | "error" | "timeout"): StepResult {
  const extra = status === "skipped" ? { skipReason: "not measured in this case" } : { error: { code: "TEST", message: "not measured" } };
  return valid({ check, status, startedAt: 0, durationMs: 1, findings: [], data: {}, ...extra });
}

// ---- host ----
const iface = (o: Partial<{ name: string; Status: "Up" | "Down" | "LowerLayerDown"; carrier: boolean; ipv4: string[]; apipa: boolean; wireless: boolean }> = {}) => ({
  name: o.name ?? "eth0",
  Status: o.Status ?? "Up",
  adminUp: (o.Status ?? "Up") !== "Down",
  operState: (o.Status ?? "Up") === "Up" ? "up" : "down",
  ...(o.Status !== "Down" ? { carrier: o.carrier ?? true } : {}),
  ...(o.wireless !== undefined ? { wireless: o.wireless } : {}),
  ipv4: (o.ipv4 ?? ["10.77.0.100"]).map((address) => ({ address, prefixLength: o.apipa ? 16 : 24, apipa: !!o.apipa })),
  ipv6: [],
});
const route = { defaultRoutes: [{ family: 4, gateway: GW, dev: "eth0" }], gateway: GW, gatewayDev: "eth0", gatewayOnLink: true };
const hostBreak = (i: ReturnType<typeof iface>, segment: "host" | "lan", code: string) =>
  measured("host", { interfaces: [i], primary: i.name, primaryReason: "only-interface", defaultRoutes: [], resolvers: [GW], faultSegment: segment, blockedBy: code }, [{ code, severity: "fail" }]);

export const host = {
  ok: () => measured("host", { interfaces: [iface()], primary: "eth0", primaryReason: "default-route", ...route, resolvers: [GW] }, []),
  adminDown: () => hostBreak(iface({ Status: "Down" }), "host", "NIC_ADMIN_DOWN"),
  noCarrier: () => hostBreak(iface({ Status: "LowerLayerDown", carrier: false }), "lan", "NO_CARRIER"),
  apipa: () => hostBreak(iface({ ipv4: ["169.254.7.7"], apipa: true }), "host", "APIPA_ADDRESS"),
  noAddress: () => hostBreak(iface({ ipv4: [] }), "host", "NO_IPV4_ADDRESS"),
  weakWifi: () =>
    measured("host", { interfaces: [iface({ name: "wlan0", wireless: true })], primary: "wlan0", primaryReason: "default-route", ...route, gatewayDev: "wlan0", resolvers: [GW], wifi: [{ iface: "wlan0", quality: 18 }] }, [{ code: "WIFI_WEAK_SIGNAL", severity: "warn" }]),
};

// ---- gateway ----
const gwPing = (received: number, lossPct: number) => ({ Status: "Complete", SuccessCount: received, FailureCount: 5 - received, lossPct, ...(received ? { AverageResponseTime: 1 } : {}) });
export const gateway = {
  ok: (lossPct = 0) => {
    const received = Math.round(5 * (1 - lossPct / 100));
    return measured("gateway", { gateway: GW, dev: "eth0", family: 4, ping: gwPing(received, lossPct), neighbour: { state: "REACHABLE", verdict: "answered" }, tcp: { "80": { result: "open" } }, answeredBy: ["icmp", "tcp", "arp"], alive: true }, lossPct > 20 ? [{ code: "GATEWAY_LOSS", severity: "warn" }] : []);
  },
  icmpSilent: () =>
    measured("gateway", { gateway: GW, dev: "eth0", family: 4, ping: gwPing(0, 100), neighbour: { state: "REACHABLE", verdict: "answered" }, tcp: { "80": { result: "refused" } }, answeredBy: ["tcp", "arp"], alive: true }, [{ code: "GATEWAY_ICMP_SILENT", severity: "info" }]),
  dead: () =>
    measured("gateway", { gateway: GW, dev: "eth0", family: 4, ping: gwPing(0, 100), neighbour: { state: "FAILED", verdict: "failed" }, tcp: { "80": { result: "timeout" } }, answeredBy: [], alive: false }, [{ code: "GATEWAY_ARP_FAILED", severity: "fail" }, { code: "GATEWAY_UNREACHABLE", severity: "fail" }]),
};

// ---- dhcp ----
const offer = (dns: string[]) => ({ type: "OFFER", DHCPServer: GW, from: GW, IPAddress: "10.77.0.150", SubnetMask: "255.255.255.0", IPRouters: [GW], DNSServers: dns, receivedAfterMs: 3 });
const probe = (offers: unknown[]) => ({ chaddr: "02:00:00:00:00:01", discoverSent: true, offers, servers: offers.length ? [GW] : [], sendErrors: [], malformedReplies: 0 });
export const dhcp = {
  ok: () => measured("dhcp", { interface: "eth0", leaseLookedAt: [], probe: probe([offer([GW])]) }, []),
  noOffer: () => measured("dhcp", { interface: "eth0", leaseLookedAt: [], probe: probe([]) }, [{ code: "DHCP_NO_OFFER", severity: "fail" }]),
  notRoot: () => step("dhcp", "skipped"),
  rogue: () => {
    const rogue = { ...offer([GW]), DHCPServer: "10.77.0.250", from: "10.77.0.250" };
    return measured("dhcp", { interface: "eth0", leaseLookedAt: [], probe: { ...probe([offer([GW]), rogue]), servers: [GW, "10.77.0.250"] } }, [{ code: "DHCP_ROGUE_SERVER", severity: "warn", subject: "10.77.0.250" }]);
  },
};
export const dhcpOffering = (dnsServers: string[]) => measured("dhcp", { interface: "eth0", leaseLookedAt: [], probe: probe([offer(dnsServers)]) }, []);

// ---- dns (the real assessment) ----
const RCODE: Partial<Record<DnsOutcome, DnsRcode>> = { answer: "NOERROR", nxdomain: "NXDOMAIN", nodata: "NOERROR", servfail: "SERVFAIL", refused: "REFUSED" };

export interface ResolverSpec {
  server: string;
  role: "configured" | "offered" | "public";
  outcome: DnsOutcome;
  /** The answer to a control question it answers by itself (localhost.): true = replied, false = silent; undefined = not asked. */
  alive?: boolean;
  slowMs?: number;
}

/** A dns step with any resolvers, judged by the real assessment (agent/checks/dns/assess.ts). */
export function dnsWith(rs: ResolverSpec[], dhcpResolvers?: string[]): StepResult {
  const reports = rs.map((r) => {
    const rcode = RCODE[r.outcome];
    const res: NsLookupResult = {
      hostName: "shop.test",
      dnsServerIP: r.server,
      status: r.outcome === "answer" ? "Success" : r.outcome === "timeout" ? "Error_Timeout" : "Error_HostNameNotResolved",
      outcome: r.outcome,
      ipAddresses: r.outcome === "answer" ? ["198.51.100.80"] : [],
      ...(rcode ? { rcode, responseTimeMs: r.slowMs ?? 12 } : {}),
    };
    const control = r.alive === undefined ? undefined : [{ query: "localhost. IN A" as const, outcome: r.alive ? ("reply" as const) : ("timeout" as const), ...(r.alive ? { rcode: "NOERROR" as const } : {}) }];
    return resolverReport(r.server, r.role, [res], { ...(control ? { control } : {}), ...(r.role === "offered" ? { offeredBy: ["offer" as const] } : {}) });
  });
  const { summary, findings } = assessDns(reports, ["shop.test"], dhcpResolvers);
  return measured("dns", { names: ["shop.test"], configuredSource: "system", resolvers: reports, ignoredResolvers: [], ...(dhcpResolvers ? { dhcpResolvers } : {}), summary }, findings);
}

type RState = "answering" | "name_failures" | "dead";
function dnsStep(configured: RState, pub: RState, opts: { viaGateway?: boolean; failKind?: DnsOutcome; slow?: boolean; relayAlive?: boolean } = {}): StepResult {
  const outcome = (s: RState): DnsOutcome => (s === "name_failures" ? (opts.failKind ?? "servfail") : s === "dead" ? "timeout" : "answer");
  const cServer = opts.viaGateway === false ? "100.64.0.53" : GW;
  const alive = opts.relayAlive ?? (configured === "dead" ? undefined : true);
  return dnsWith([
    { server: cServer, role: "configured", outcome: outcome(configured), ...(alive !== undefined ? { alive } : {}), ...(opts.slow ? { slowMs: 750 } : {}) },
    { server: PUBLIC, role: "public", outcome: outcome(pub), ...(opts.slow ? { slowMs: 750 } : {}) },
  ]);
}
export const dns = {
  ok: () => dnsStep("answering", "answering"),
  slow: () => dnsStep("answering", "answering", { slow: true }),
  /** The relay answers nothing, not even a query it answers by itself. */
  routerRelayDead: () => dnsStep("dead", "answering", { relayAlive: false }),
  /** The relay answers by itself but external names time out there: its upstream is dead. */
  relayUpstreamDead: () => dnsStep("dead", "answering", { relayAlive: true }),
  /** The relay times out on external names and its own liveness was not measured (an older agent). */
  relayTimesOutUnknown: () => dnsStep("dead", "answering"),
  ispResolverDead: () => dnsStep("dead", "answering", { viaGateway: false, relayAlive: false }),
  allDead: () => dnsStep("dead", "dead"),
  servfail: () => dnsStep("name_failures", "name_failures"),
  /** The router's relay replies SERVFAIL (its upstream is gone) and the public resolver is unreachable. */
  relayServfailPublicDead: () => dnsStep("name_failures", "dead"),
  nxdomain: () => dnsStep("name_failures", "name_failures", { failKind: "nxdomain" }),
};

// ---- path (the real assessment) ----
function pingOf(host: string, ok: boolean, lossPct = ok ? 0 : 100, avg = 20, icmpErrors: IpPingResult["icmpErrors"] = []): IpPingResult {
  const received = ok ? Math.round(5 * (1 - lossPct / 100)) : 0;
  return {
    Host: host,
    IPAddressUsed: host,
    DiagnosticsState: "Complete",
    NumberOfRepetitions: 5,
    Timeout: 1000,
    DataBlockSize: 56,
    SuccessCount: received,
    FailureCount: 5 - received,
    lossPct: ok ? lossPct : 100,
    ...(received ? { MinimumResponseTime: avg, AverageResponseTime: avg, MaximumResponseTime: avg } : {}),
    rttMs: Array.from({ length: received }, () => avg),
    icmpErrors,
  };
}

export interface PathSpec {
  gw?: boolean;
  hop?: { ok: boolean; loss?: number } | "none";
  anchors?: { ok: boolean; loss?: number; avg?: number };
  blackhole?: boolean;
  /** ICMP errors every anchor gets instead of replies. */
  icmpError?: { from: string; type: "net_unreachable" | "host_unreachable" | "admin_prohibited" };
}

/** A path step judged by the real assessment (agent/checks/path/assess.ts). */
export function path(o: PathSpec): StepResult {
  const hop = o.hop ?? { ok: true };
  const a = o.anchors ?? { ok: true };
  const err = o.icmpError ? [{ from: o.icmpError.from, type: o.icmpError.type, message: o.icmpError.type === "net_unreachable" ? "Destination Net Unreachable" : o.icmpError.type }] : [];
  const hops =
    o.icmpError !== undefined
      ? [
          ...(o.icmpError.from === GW ? [] : [{ ttl: 1, HostAddress: GW, reply: "time_exceeded" as const, RTTimes: [] }]),
          { ttl: o.icmpError.from === GW ? 1 : 2, HostAddress: o.icmpError.from, reply: "unreachable" as const, ErrorMessage: err[0]!.message, icmpError: o.icmpError.type, RTTimes: [] },
        ]
      : [];
  const data: PathData = {
    gateway: { address: GW, ping: pingOf(GW, o.gw ?? true, undefined, 1) },
    ispHop: hop === "none" ? { source: "not_found" } : { source: "discovered", address: EDGE, ttl: 2, ping: pingOf(EDGE, hop.ok, hop.loss, 8) },
    anchors: ANCHORS.map((h) => pingOf(h, a.ok, a.loss, a.avg ?? 20, err)),
    route: { Host: ANCHORS[0]!, MaxHopCount: 8, NumberOfTries: 1, RouteHops: hops, reached: a.ok, silentTtls: [] },
    ...(o.blackhole ? { mtu: { Host: ANCHORS[0]!, probes: [], largestPayloadBytes: 1372, pathMtu: 1400, blackHole: true } } : {}),
  };
  const outcome = assessPath(data);
  return measured("path", data, outcome.findings, outcome.status);
}

/** Anchors that get an ICMP error from `from` (e.g. Destination Net Unreachable from the ISP edge). */
export function pathIcmpError(from: string, type: "net_unreachable" | "host_unreachable" | "admin_prohibited"): StepResult {
  // An error from the gateway itself means nothing beyond it was reached: no ISP hop either.
  return path({ hop: from === GW ? "none" : { ok: true }, anchors: { ok: false }, icmpError: { from, type } });
}

// ---- service ----
export const service = (code: string) => measured("service", { target: "www.shop.test:443" }, code === "SERVICE_OK" ? [{ code, severity: "info" }] : [{ code, severity: "fail" }]);

/** A service step with its control probes: the same port on a control host and on the gateway. */
export function serviceWith(code: string, control?: boolean, gatewayPort?: boolean): StepResult {
  const result = (reached: boolean) => (reached ? "refused" : "timeout");
  const targets = [
    ...(control !== undefined ? [{ host: "203.0.113.50", role: "control", result: result(control) }] : []),
    ...(gatewayPort !== undefined ? [{ host: GW, role: "gateway", result: result(gatewayPort) }] : []),
  ];
  return measured("service", { target: "www.shop.test:443", ...(targets.length ? { control: { port: 443, targets } } : {}) }, [{ code, severity: "fail" }]);
}

// ---- snmp ----
const snmpDevice = (wan: Record<string, unknown>) => ({ host: GW, port: 161, version: "2c", reach: "answered", wan });
export const snmp = {
  wanUp: () => measured("snmp", { devices: [snmpDevice({ found: true, ifName: "dsl0", ifAdminStatus: "up", ifOperStatus: "up" })] }, []),
  wanDown: () => measured("snmp", { devices: [snmpDevice({ found: true, ifName: "dsl0", ifAdminStatus: "up", ifOperStatus: "down" })] }, [{ code: "WAN_LINK_DOWN", severity: "fail" }]),
  lineDegraded: () => measured("snmp", { devices: [snmpDevice({ found: true, ifName: "dsl0", ifAdminStatus: "up", ifOperStatus: "up" })] }, [{ code: "LINE_SNR_LOW", severity: "fail" }]),
  loopbackUpOnly: () => measured("snmp", { devices: [snmpDevice({ found: false })] }, [{ code: "WAN_NOT_IDENTIFIED", severity: "info" }]),
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

/** The verdict on a healthy diagnosis with some steps replaced (undefined: that check not run); it must parse. */
export function verdictWith(over: Record<string, StepResult | undefined>) {
  const steps = Object.values({ ...healthy(), ...over }).filter((s): s is StepResult => s !== undefined);
  const v = isolateFault(steps);
  const parsed = Verdict.safeParse(v);
  if (!parsed.success) throw new Error(`verdict does not parse: ${parsed.error.message}`);
  return v;
}
