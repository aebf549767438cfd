// Turns step results into Observations: one extractor per check, in one literal map. Extractors read
// the check's data defensively (it crossed the wire as JSON) and cite the step they read.
import type { CheckId, StepResult } from "../../shared/checks.js";
import type { HostData } from "../checks/host/assess-host.js";
import type { GatewayData } from "../checks/gateway/assess-gateway.js";
import type { DnsData } from "../checks/dns.js";
import type { PathData } from "../checks/path/assess.js";
import type { IpPingResult } from "../checks/path/ip-ping.js";
import type { Fact, LinkFigures, Observations } from "./observations.js";

const USABLE = new Set(["ok", "warn", "fail"]);

function fact<T>(step: StepResult, value: T, code: string, detail: string): Fact<T> {
  return { value, evidence: { check: step.check, code, detail: detail.slice(0, 1000) } };
}

function has(step: StepResult, code: string): boolean {
  return step.findings.some((f) => f.code === code);
}

function findingMsg(step: StepResult, code: string): string {
  return step.findings.find((f) => f.code === code)?.message ?? code;
}

function figures(p: IpPingResult | undefined): LinkFigures | undefined {
  if (!p || p.DiagnosticsState !== "Complete") return undefined;
  return { reachable: p.SuccessCount > 0, lossPct: p.lossPct, ...(p.AverageResponseTime !== undefined ? { avgMs: p.AverageResponseTime } : {}) };
}

type Extractor = (step: StepResult, obs: Observations) => void;

const extractors: Record<CheckId, Extractor> = {
  host(step, obs) {
    const d = step.data as Partial<HostData>;
    if (d.gateway) obs.gatewayAddress = d.gateway;
    if (d.faultSegment && d.blockedBy) {
      obs.hostBreak = fact(step, { segment: d.faultSegment, code: d.blockedBy }, d.blockedBy, findingMsg(step, d.blockedBy));
    } else {
      obs.hostOk = fact(step, true, "HOST_OK", `primary interface ${d.primary ?? "?"} up with an address and a default route via ${d.gateway ?? "?"}`);
    }
    if (has(step, "APIPA_ADDRESS")) obs.apipa = fact(step, true, "APIPA_ADDRESS", findingMsg(step, "APIPA_ADDRESS"));
    if (has(step, "WIFI_WEAK_SIGNAL")) {
      const q = d.wifi?.find((w) => w.quality !== undefined)?.quality ?? 0;
      obs.wifiWeak = fact(step, q, "WIFI_WEAK_SIGNAL", findingMsg(step, "WIFI_WEAK_SIGNAL"));
    }
  },
  gateway(step, obs) {
    const d = step.data as Partial<GatewayData>;
    if (typeof d.alive !== "boolean") return;
    obs.gatewayAddress ??= d.gateway;
    obs.gatewayAlive = fact(step, d.alive, d.alive ? "GATEWAY_ALIVE" : "GATEWAY_UNREACHABLE", d.alive ? `gateway ${d.gateway} answered by ${(d.answeredBy ?? []).join(", ")}` : `gateway ${d.gateway} answered no ARP, ping or TCP probe`);
    if (d.ping && d.ping.Status === "Complete") {
      obs.gatewayLink = fact(step, { reachable: d.ping.SuccessCount > 0, lossPct: d.ping.lossPct, ...(d.ping.AverageResponseTime !== undefined ? { avgMs: d.ping.AverageResponseTime } : {}) }, "GATEWAY_PING", `gateway ping loss ${d.ping.lossPct}% avg ${d.ping.AverageResponseTime ?? "-"} ms`);
    }
  },
  dhcp(step, obs) {
    // Only an unanswered DISCOVER shows the server dead: many routers ignore INFORM (RFC 2131 allows it).
    const probe = (step.data as { probe?: { offers?: unknown[]; informReply?: { type?: string } } }).probe;
    if (has(step, "DHCP_NO_OFFER")) obs.dhcpAnswered = fact(step, false, "DHCP_NO_OFFER", findingMsg(step, "DHCP_NO_OFFER"));
    else if ((probe?.offers?.length ?? 0) > 0 || probe?.informReply?.type === "ACK") obs.dhcpAnswered = fact(step, true, "DHCP_ANSWERED", "the DHCP server answered the probe");
    if (has(step, "DHCP_ROGUE_SERVER")) obs.dhcpRogue = fact(step, [], "DHCP_ROGUE_SERVER", findingMsg(step, "DHCP_ROGUE_SERVER"));
  },
  dns(step, obs) {
    const d = step.data as Partial<DnsData>;
    if (!d.summary || !d.resolvers) return;
    const gw = obs.gatewayAddress;
    const configured = d.resolvers.filter((r) => r.role === "configured");
    const viaGateway = gw !== undefined && configured.some((r) => r.server === gw || r.server.startsWith(`${gw}:`));
    const cState = d.summary.configured;
    obs.dnsConfigured = fact(step, { state: cState, viaGateway }, `CONFIGURED_${cState.toUpperCase()}`, `configured resolvers ${configured.map((r) => `${r.server}=${r.state}`).join(", ") || "none"}`);
    const pub = d.resolvers.filter((r) => r.role === "public");
    obs.dnsPublic = fact(step, d.summary.public, `PUBLIC_${d.summary.public.toUpperCase()}`, `public resolvers ${pub.map((r) => `${r.server}=${r.state}`).join(", ") || "none"}`);
    obs.dnsAnyReplied = d.summary.anyResolverReplied;
    const failing = d.summary.namesFailingEverywhere;
    if (failing.length) {
      const outcomes = d.resolvers.filter((r) => r.state !== "dead").flatMap((r) => r.results.filter((x) => failing.includes(x.hostName)).map((x) => x.outcome));
      const kind = outcomes.includes("servfail") ? "servfail" : outcomes.includes("nxdomain") ? "nxdomain" : outcomes.includes("timeout") ? "timeout" : "other";
      obs.dnsNamesFail = fact(step, { names: failing, kind }, `NAME_${kind.toUpperCase()}`, `${failing.join(", ")} fail at every live resolver (${kind})`);
    }
    const slow = step.findings.find((f) => f.code === "DNS_SLOW" && f.severity === "warn");
    if (slow) obs.dnsSlow = fact(step, 0, "DNS_SLOW", slow.message);
  },
  ping() {
    // The plain ping check is for engineers' ad-hoc targets; the path check carries the chain's evidence.
  },
  path(step, obs) {
    const d = step.data as Partial<PathData>;
    if (d.ispHop?.address && d.ispHop.ping) {
      const f = figures(d.ispHop.ping);
      if (f) obs.ispHop = fact(step, { ...f, address: d.ispHop.address }, f.reachable ? "ISP_HOP_PING" : "ISP_HOP_UNREACHABLE", `first ISP hop ${d.ispHop.address}: loss ${f.lossPct}%${f.avgMs !== undefined ? ` avg ${f.avgMs} ms` : ""}`);
    }
    if (!obs.gatewayLink && d.gateway) {
      const f = figures(d.gateway.ping);
      if (f) obs.gatewayLink = fact(step, f, "GATEWAY_PING", `gateway ${d.gateway.address}: loss ${f.lossPct}%`);
    }
    // Pool the anchors' probes: five echoes per target are too few to tell 25% loss from 20%, but the
    // pooled set of all anchors is large enough, and loss beyond the ISP edge hits them all alike.
    const complete = (d.anchors ?? []).filter((p) => p.DiagnosticsState === "Complete");
    if (complete.length) {
      const reached = complete.filter((p) => p.SuccessCount > 0).length;
      const sent = complete.reduce((n, p) => n + p.SuccessCount + p.FailureCount, 0);
      const lost = complete.reduce((n, p) => n + p.FailureCount, 0);
      const lossPct = sent ? Math.round((lost / sent) * 1000) / 10 : 0;
      const avgs = complete.map((p) => p.AverageResponseTime).filter((x): x is number => x !== undefined);
      const avgMs = avgs.length ? Math.round((avgs.reduce((n, x) => n + x, 0) / avgs.length) * 10) / 10 : undefined;
      obs.anchors = fact(step, { total: complete.length, reachable: reached, lossPct, lost, sent, ...(avgMs !== undefined ? { avgMs } : {}) }, reached ? "ANCHORS_PING" : "ANCHORS_UNREACHABLE", `${reached}/${complete.length} internet anchors reachable, ${lost}/${sent} probes lost (${lossPct}%)${avgMs !== undefined ? `, avg ${avgMs} ms` : ""}`);
    }
    if (has(step, "PMTU_BLACKHOLE")) obs.pmtuBlackhole = fact(step, true, "PMTU_BLACKHOLE", findingMsg(step, "PMTU_BLACKHOLE"));
  },
  service(step, obs) {
    const code = step.findings.find((f) => f.code.startsWith("SERVICE_") && f.code !== "SERVICE_SLOW" && f.code !== "SERVICE_OK" && f.severity !== "info")?.code;
    obs.service = fact(step, code ?? "SERVICE_OK", code ?? "SERVICE_OK", code ? findingMsg(step, code) : "the service answered");
    if (has(step, "SERVICE_SLOW")) obs.serviceSlow = fact(step, 0, "SERVICE_SLOW", findingMsg(step, "SERVICE_SLOW"));
  },
  snmp: cpeExtractor,
  routeros(step, obs) {
    cpeExtractor(step, obs);
    if (has(step, "ROUTER_PING_FAILED")) obs.routerPingOk = fact(step, false, "ROUTER_PING_FAILED", findingMsg(step, "ROUTER_PING_FAILED"));
  },
};

/** snmp and routeros both report the CPE's WAN state and line quality with the same codes. */
function cpeExtractor(step: StepResult, obs: Observations): void {
  const wanCodes = { WAN_LINK_DOWN: "WAN_LINK_DOWN", WAN_ADMIN_DOWN: "WAN_ADMIN_DOWN", WAN_DISABLED: "WAN_ADMIN_DOWN", WAN_DHCP_NOT_BOUND: "WAN_DHCP_NOT_BOUND" } as const;
  for (const [code, cause] of Object.entries(wanCodes)) {
    if (has(step, code) && !obs.wanDown) obs.wanDown = fact(step, cause, code, findingMsg(step, code));
  }
  const line = ["LINE_SNR_LOW", "LINE_ERRORS", "LINE_ATTENUATION_HIGH", "WAN_ERRORS", "LINE_POWER_OUT_OF_RANGE"].find((c) => has(step, c));
  if (line && !obs.lineDegraded) obs.lineDegraded = fact(step, line, line, findingMsg(step, line));
  // snmp: devices[].wan.ifOperStatus; routeros: devices[].wan.running.
  const devices = (step.data as { devices?: { wan?: { ifOperStatus?: string; running?: boolean; ifName?: string; name?: string } }[] }).devices ?? [];
  const up = devices.find((d) => d.wan?.ifOperStatus === "up" || d.wan?.running === true);
  if (up && !obs.wanDown && !obs.wanUp) obs.wanUp = fact(step, true, "WAN_UP", `the CPE reports its WAN interface ${up.wan?.ifName ?? up.wan?.name ?? ""} up`);
}

/** Builds the observations from every usable step (skipped, error and timeout steps are "not measured"). */
export function observe(steps: readonly StepResult[]): Observations {
  const obs: Observations = { measured: new Set() };
  // host first: later extractors (dns) read the gateway address it found.
  const ordered = [...steps].sort((a, b) => (a.check === "host" ? -1 : b.check === "host" ? 1 : a.check === "gateway" ? -1 : b.check === "gateway" ? 1 : 0));
  for (const s of ordered) {
    if (!USABLE.has(s.status)) continue;
    obs.measured.add(s.check);
    extractors[s.check](s, obs);
  }
  return obs;
}
