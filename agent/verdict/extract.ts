// Turns step results into Observations: one extractor per check, in one literal map, each citing the
// step it read. Then every warn/fail finding becomes a Failure with the points it needs.
import { StepResult, type CheckId } from "../../shared/checks.js";
import type { IcmpErrorType, IpPingResult } from "../../shared/steps/common.js";
import { isMeasured, type MeasuredStepOf } from "../../shared/steps/index.js";
import { failuresOf, findingDetail } from "./failure-paths.js";
import { PATHS } from "./points.js";
import type { Fact, IcmpError, LinkFigures, Observations } from "./observations.js";

const USABLE = new Set(["ok", "warn", "fail"]);

function fact<T>(step: StepResult, value: T, code: string, detail: string): Fact<T> {
  return { value, evidence: { check: step.check, code, detail: detail.slice(0, 1000) } };
}

function has(step: StepResult, code: string): boolean {
  return step.findings.some((f) => f.code === code && f.severity !== "info");
}

function findingMsg(step: StepResult, code: string): string {
  const f = step.findings.find((x) => x.code === code);
  return f ? findingDetail(f) : code;
}

function figures(p: IpPingResult | undefined): LinkFigures | undefined {
  if (!p || p.DiagnosticsState !== "Complete") return undefined;
  return { reachable: p.SuccessCount > 0, lossPct: p.lossPct, ...(p.AverageResponseTime !== undefined ? { avgMs: p.AverageResponseTime } : {}) };
}

/** What an ICMP error says for locating the break (the probe classified it: shared/steps/common.ts). */
const ICMP_MEANING: Record<IcmpErrorType, IcmpError["type"]> = {
  net_unreachable: "net_unreachable",
  host_unreachable: "host_unreachable",
  admin_prohibited: "filtered",
  // Port/protocol unreachable come from the destination itself: it is alive, nothing stops on the way.
  port_unreachable: "other",
  protocol_unreachable: "other",
  other: "other",
};

/** One extractor per check, each reading that check's typed data (shared/steps/<id>.ts). */
const extractors: { [C in CheckId]: (step: MeasuredStepOf<C>, obs: Observations) => void } = {
  host(step, obs) {
    const d = step.data;
    if (d.gateway) obs.gatewayAddress = d.gateway;
    if (d.placement === "router") obs.placement = "router";
    obs.localNets = d.interfaces.flatMap((i) => i.ipv4.filter((a) => !a.apipa).map((a) => ({ address: a.address, prefixLength: a.prefixLength })));
    if (d.faultSegment && d.blockedBy) {
      obs.hostBreak = fact(step, { point: d.faultSegment === "lan" ? "link" : "device", code: d.blockedBy }, d.blockedBy, findingMsg(step, d.blockedBy));
    } else if (d.primary) {
      obs.hostOk = fact(step, true, "HOST_OK", `primary interface ${d.primary} up with an address and a default route via ${d.gateway ?? "?"}`);
    }
    if (has(step, "WIFI_WEAK_SIGNAL")) {
      const q = d.wifi?.find((w) => w.quality !== undefined)?.quality ?? 0;
      obs.wifiWeak = fact(step, q, "WIFI_WEAK_SIGNAL", findingMsg(step, "WIFI_WEAK_SIGNAL"));
    }
  },
  gateway(step, obs) {
    const d = step.data;
    obs.gatewayAddress ??= d.gateway;
    obs.gatewayAlive = fact(step, d.alive, d.alive ? "GATEWAY_ALIVE" : "GATEWAY_UNREACHABLE", d.alive ? `gateway ${d.gateway} answered by ${(d.answeredBy ?? []).join(", ")}` : `gateway ${d.gateway} answered no ARP, ping or TCP probe`);
    obs.gatewayTcp = d.answeredBy.includes("tcp");
    if (d.ping && d.ping.Status === "Complete") {
      obs.gatewayLink = fact(step, { reachable: d.ping.SuccessCount > 0, lossPct: d.ping.lossPct, ...(d.ping.AverageResponseTime !== undefined ? { avgMs: d.ping.AverageResponseTime } : {}) }, "GATEWAY_PING", `gateway ping loss ${d.ping.lossPct}% avg ${d.ping.AverageResponseTime ?? "-"} ms`);
    }
  },
  dhcp(step, obs) {
    const d = step.data;
    const probe = d.probe;
    // Only an unanswered DISCOVER shows the server dead: many routers ignore INFORM (RFC 2131 allows it).
    if (has(step, "DHCP_NO_OFFER")) obs.dhcpAnswered = fact(step, false, "DHCP_NO_OFFER", findingMsg(step, "DHCP_NO_OFFER"));
    else if ((probe?.offers?.length ?? 0) > 0 || probe?.informReply?.type === "ACK") obs.dhcpAnswered = fact(step, true, "DHCP_ANSWERED", `the DHCP server ${probe?.servers?.join(", ") ?? ""} answered the probe`);
    const answers = [...(probe?.offers ?? []), ...(probe?.informReply ? [probe.informReply] : [])];
    if (answers.length) obs.dhcpRouters = [...new Set(answers.flatMap((a) => [...a.IPRouters, a.DHCPServer]))];
    const offered = answers.flatMap((a) => a.DNSServers);
    const fromLease = d.lease?.DNSServers ?? [];
    const all = [...new Set([...offered, ...fromLease])];
    if (all.length) obs.dhcpOfferedResolvers = all;
    if (has(step, "DHCP_ROGUE_SERVER")) obs.dhcpRogue = fact(step, true, "DHCP_ROGUE_SERVER", findingMsg(step, "DHCP_ROGUE_SERVER"));
  },
  dns(step, obs) {
    const d = step.data;
    const gw = obs.gatewayAddress;
    for (const r of d.resolvers) {
      const host = r.server.replace(/^\[(.*)\](:\d+)?$/, "$1").replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, "$1");
      const outcomes = r.results.map((x) => x.outcome);
      const resolves = outcomes.includes("answer");
      const fails = resolves ? undefined : outcomes.includes("servfail") ? "servfail" : outcomes.includes("nxdomain") ? "nxdomain" : outcomes.includes("refused") ? "refused" : outcomes.includes("timeout") ? "timeout" : "other";
      obs.resolvers.push({
        server: r.server,
        role: r.role,
        isGateway: gw !== undefined && host === gw,
        onLan: obs.localNets.some((n) => inSubnet(host, n.address, n.prefixLength)),
        resolves,
        answers: Object.fromEntries(r.results.filter((x) => x.outcome === "answer" && x.ipAddresses.length).map((x) => [x.hostName, [...x.ipAddresses, ...(x.ipv6Addresses ?? [])]])),
        // Silence to external names alone does not show a relay dead (its upstream may be): only a
        // control question it answers by itself, unanswered, does.
        ...(r.alive === true ? { alive: true } : r.alive === false && r.control?.length ? { alive: false } : {}),
        ...(fails ? { fails } : {}),
        ...(r.medianResponseMs !== undefined ? { medianMs: r.medianResponseMs } : {}),
      });
    }
    if (d.dhcpResolvers) obs.dhcpOfferedResolvers = [...new Set([...(obs.dhcpOfferedResolvers ?? []), ...d.dhcpResolvers])];
    const desc = obs.resolvers.map((r) => `${r.server} (${r.role}${r.isGateway ? ", the router" : ""}): ${r.resolves ? "resolves" : r.alive ? `alive, names ${r.fails}` : r.alive === false ? "no reply" : `names ${r.fails}`}`).join("; ");
    obs.dnsFact = fact(step, desc, step.status === "ok" ? "DNS_OK" : "DNS_RESULTS", desc);
    const failing = d.summary.namesFailingEverywhere;
    if (failing.length) {
      const outcomes = d.resolvers.filter((r) => r.state !== "dead").flatMap((r) => r.results.filter((x) => failing.includes(x.hostName)).map((x) => x.outcome));
      const kind = outcomes.includes("servfail") ? "servfail" : outcomes.includes("nxdomain") ? "nxdomain" : outcomes.includes("timeout") ? "timeout" : "other";
      obs.dnsNamesFail = fact(step, { names: failing, kind }, `NAME_${kind.toUpperCase()}`, `${failing.join(", ")} fail at every live resolver (${kind})`);
    }
    if (has(step, "DNS_SLOW")) obs.dnsSlow = fact(step, true, "DNS_SLOW", findingMsg(step, "DNS_SLOW"));
  },
  ping() {
    // The plain ping check is for engineers' ad-hoc targets; the path check carries the chain's evidence.
  },
  path(step, obs) {
    const d = step.data;
    const gw = obs.gatewayAddress ?? d.gateway?.address;
    // A first hop in 192.168/16 is a second box at home (the ISP's modem in router mode: double NAT),
    // not the ISP's edge (docs/verdict.md): it proves the home router forwards, not that the ISP answers.
    if (d.ispHop?.address && d.ispHop.ping && !isHomeAddress(d.ispHop.address)) {
      const f = figures(d.ispHop.ping);
      if (f) obs.ispHop = fact(step, { ...f, address: d.ispHop.address }, f.reachable ? "ISP_HOP_PING" : "ISP_HOP_UNREACHABLE", `first ISP hop ${d.ispHop.address}: loss ${f.lossPct}%${f.avgMs !== undefined ? ` avg ${f.avgMs} ms` : ""}`);
    }
    if (!obs.gatewayLink && d.gateway) {
      const f = figures(d.gateway.ping);
      if (f) obs.gatewayLink = fact(step, f, "GATEWAY_PING", `gateway ${d.gateway.address}: loss ${f.lossPct}%`);
    }
    for (const hop of d.route.RouteHops) {
      if (!hop.HostAddress) continue;
      if (hop.HostAddress !== gw && (hop.reply === "time_exceeded" || hop.reply === "echo_reply")) obs.hopsBeyondGateway.push(hop.HostAddress);
      if (hop.reply === "unreachable") obs.icmpErrors.push(fact(step, { from: hop.HostAddress, type: ICMP_MEANING[hop.icmpError ?? "other"] }, "ICMP_ERROR", `${hop.HostAddress} answered: ${hop.ErrorMessage ?? "unreachable"}`));
    }
    if (d.ispHop?.source === "discovered" && d.ispHop.address && !obs.hopsBeyondGateway.includes(d.ispHop.address)) obs.hopsBeyondGateway.push(d.ispHop.address);
    // Pool the anchors' probes: five echoes per target are too few to tell 25% loss from 20%, but the
    // pooled set of all anchors is large enough, and loss beyond the ISP edge hits them all alike.
    const anchors = d.anchors;
    for (const a of anchors) {
      for (const e of a.icmpErrors) {
        if (!e.from) continue;
        obs.icmpErrors.push(fact(step, { from: e.from, type: ICMP_MEANING[e.type] }, "ICMP_ERROR", `${a.Host}: ${e.message} from ${e.from}`));
      }
    }
    const complete = anchors.filter((p) => p.DiagnosticsState === "Complete");
    const fam = (v6: boolean) => {
      const xs = complete.filter((p) => (p.IPAddressUsed ?? p.Host).includes(":") === v6);
      return { total: xs.length, reachable: xs.filter((p) => p.SuccessCount > 0).length };
    };
    if (complete.length) obs.anchorsByFamily = { v4: fam(false), v6: fam(true) };
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
    if (has(step, "SERVICE_SLOW")) obs.serviceSlow = fact(step, true, "SERVICE_SLOW", findingMsg(step, "SERVICE_SLOW"));
    // TLS control: the same untrusted issuer on a known-good host means a local interceptor.
    const issuer = step.data.probe?.tls?.peerIssuerDn;
    const tlsControl = step.data.tlsControl;
    if (tlsControl?.length) {
      const same = tlsControl.filter((t) => t.tls === "untrusted" && issuer !== undefined && t.peerIssuerDn === issuer);
      const verified = tlsControl.filter((t) => t.tls === "ok");
      if (same.length) obs.tlsIntercepted = fact(step, true, "TLS_SAME_UNTRUSTED_ISSUER", `control host ${same.map((t) => t.host).join(", ")} presents a certificate from the same untrusted issuer (${issuer})`);
      else if (verified.length) obs.tlsIntercepted = fact(step, false, "TLS_CONTROL_VERIFIED", `control host ${verified.map((t) => t.host).join(", ")} presents a certificate that verifies`);
    }
    // Control probes: the same port on known-good hosts and on the gateway (any answer: reached).
    const control = step.data.control;
    if (control) {
      const answered = (t: { result: string }) => t.result === "open" || t.result === "refused";
      const hosts = control.targets.filter((t) => t.role === "control");
      const gw = control.targets.filter((t) => t.role === "gateway");
      const list = (ts: typeof hosts) => ts.map((t) => `${t.host} ${t.result}`).join(", ");
      if (hosts.length) {
        const reached = hosts.some(answered);
        obs.serviceControl = fact(step, reached, reached ? "CONTROL_REACHED" : "CONTROL_FAILED", `port ${control.port} on control hosts: ${list(hosts)}`);
      }
      if (gw.length) {
        const reached = gw.some(answered);
        obs.serviceGatewayTcp = fact(step, reached, reached ? "GATEWAY_PORT_ANSWERED" : "GATEWAY_PORT_SILENT", `port ${control.port} on the gateway: ${list(gw)}`);
      }
    }
  },
  snmp: cpeExtractor,
  routeros(step, obs) {
    cpeExtractor(step, obs);
    if (has(step, "ROUTER_PING_FAILED")) obs.routerPing = fact(step, false, "ROUTER_PING_FAILED", findingMsg(step, "ROUTER_PING_FAILED"));
    else {
      const ping = step.data.devices.find((x) => x.ping)?.ping;
      if (ping && ping.received > 0) obs.routerPing = fact(step, true, "ROUTER_PING_OK", "the router's own ping beyond itself gets replies");
    }
  },
};

/** snmp and routeros both report the CPE's WAN state and line quality with the same codes. */
function cpeExtractor(step: MeasuredStepOf<"snmp"> | MeasuredStepOf<"routeros">, obs: Observations): void {
  const wanCodes = { WAN_LINK_DOWN: "WAN_LINK_DOWN", WAN_ADMIN_DOWN: "WAN_ADMIN_DOWN", WAN_DISABLED: "WAN_ADMIN_DOWN", WAN_DHCP_NOT_BOUND: "WAN_DHCP_NOT_BOUND" } as const;
  for (const [code, cause] of Object.entries(wanCodes)) {
    if (has(step, code) && !obs.wanDown) obs.wanDown = fact(step, cause, code, findingMsg(step, code));
  }
  const line = ["LINE_SNR_LOW", "LINE_ERRORS", "LINE_ATTENUATION_HIGH", "WAN_ERRORS", "LINE_POWER_OUT_OF_RANGE"].find((c) => has(step, c));
  if (line && !obs.lineDegraded) obs.lineDegraded = fact(step, line, line, findingMsg(step, line));
  // snmp: devices[].wan.ifOperStatus; routeros: devices[].wan.running.
  const name = step.check === "snmp" ? step.data.devices.map((d) => d.wan?.found && d.wan.ifOperStatus === "up" ? (d.wan.ifName ?? "?") : undefined).find((x) => x) : step.data.devices.map((d) => (d.wan?.running ? d.wan.name : undefined)).find((x) => x);
  if (name && !obs.wanDown && !obs.wanUp) obs.wanUp = fact(step, true, "WAN_UP", `the CPE reports its WAN interface ${name} up`);
}

function ipv4ToInt(a: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  return m ? ((+m[1]! << 24) | (+m[2]! << 16) | (+m[3]! << 8) | +m[4]!) >>> 0 : undefined;
}

/** Whether IPv4 `a` lies in net/prefix (false for anything else). */
export function inSubnet(a: string, net: string, prefix: number): boolean {
  const x = ipv4ToInt(a);
  const n = ipv4ToInt(net);
  if (x === undefined || n === undefined || prefix <= 0 || prefix > 32) return false;
  const mask = prefix === 32 ? 0xffffffff : (~(0xffffffff >>> prefix)) >>> 0;
  return ((x & mask) >>> 0) === ((n & mask) >>> 0);
}

/** 192.168/16 and link-local: addresses of home equipment (consumer modems), never an ISP's edge. */
export function isHomeAddress(a: string): boolean {
  return /^192\.168\.|^169\.254\./.test(a);
}

/** Steps already checked against their schema (steps are not mutated once produced). */
const checked = new WeakSet<StepResult>();
function readable(s: StepResult): boolean {
  if (checked.has(s)) return true;
  const ok = StepResult.safeParse(s).success;
  if (ok) checked.add(s);
  return ok;
}

/** Builds the observations from every usable step (skipped, error and timeout steps are "not measured"). */
export function observe(steps: readonly StepResult[]): Observations {
  const obs: Observations = { measured: new Set(), placement: "pc", localNets: [], failures: [], resolvers: [], hopsBeyondGateway: [], icmpErrors: [] };
  // host and gateway first: later extractors (dns, path) read the gateway address.
  const rank = (c: CheckId) => (c === "host" ? 0 : c === "gateway" ? 1 : 2);
  // A step whose data does not match its check's schema (a bug in a check) is not measured, but its
  // failure, if it reports one, is not forgotten: it stays a failure nothing but a device fault explains.
  const usable: StepResult[] = [];
  for (const s of steps) {
    if (!USABLE.has(s.status)) continue;
    if (readable(s)) usable.push(s);
    else if (s.status !== "ok") obs.failures.push({ evidence: { check: s.check, code: "STEP_UNREADABLE", detail: `${s.check} reported ${s.status} with data that does not match its schema` }, path: PATHS.unknown, kind: "silence" });
  }
  usable.sort((a, b) => rank(a.check) - rank(b.check));
  for (const s of usable) {
    obs.measured.add(s.check);
    if (isMeasured(s, s.check)) (extractors[s.check] as (step: StepResult, o: Observations) => void)(s, obs);
  }
  for (const s of usable) obs.failures.push(...failuresOf(s, obs));
  return obs;
}
