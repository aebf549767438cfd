// The fault-isolation engine: a pure function from step results to one verdict, walking the chain
// host → lan → router → wan → isp → dns → service (DOMAIN.md §3). Rules of evidence:
//  - a segment is judged on what was measured; "not measured" is never "failed";
//  - one silent probe type is not proof: a silent ICMP target is only blamed when nothing else
//    (TCP, DNS, a second target) shows the path working;
//  - degraded (loss, latency) is located at the first segment where it appears;
//  - the first faulty segment wins; failures after it are listed as its consequences.
import type { StepResult } from "../../shared/checks.js";
import type { Evidence, Segment, Verdict } from "../../shared/verdict.js";
import { CAUSES, type Cause } from "./causes.js";
import { observe } from "./extract.js";
import type { Fact, Observations } from "./observations.js";

/** DOMAIN.md §3: a probe set where more than 20% of probes fail is a problem. */
export const LOSS_PROBLEM_PCT = 20;
/** DOMAIN.md §3: gateway ping average above 1500 ms is a problem. */
export const GATEWAY_SLOW_MS = 1500;
/**
 * Loss beyond the ISP edge: pooled over all anchors, 10% with at least two probes lost. Lower than
 * the LAN's 20% (Wi-Fi is lossy by nature): on a wired ISP path even a few percent hurts, and two lost
 * probes out of ~15 is not one dropped echo.
 */
export const ISP_LOSS_PCT = 10;
export const ISP_LOSS_MIN_LOST = 2;
/** Internet anchors: an average RTT above this is "high latency" (a transcontinental path is ~250 ms). */
export const ANCHOR_SLOW_MS = 300;

type State = "fault" | "degraded" | "good" | "unknown";

/** Symptoms that packet loss or latency earlier in the chain can produce on their own. */
const EXPLAINED_BY_DEGRADATION = new Set<Cause>(["SERVICE_TIMEOUT", "SERVICE_DNS_FAILED", "SERVICE_UNREACHABLE", "SERVICE_RESET", "DNS_TIMEOUT", "DNS_SLOW", "SERVICE_SLOW", "ISP_PACKET_LOSS", "ISP_HIGH_LATENCY"]);

interface Judgement {
  segment: Segment;
  state: State;
  cause?: Cause;
  evidence: Evidence[];
}

const CHAIN: readonly Exclude<Segment, "none">[] = ["host", "lan", "router", "wan", "isp", "dns", "service"];

const ev = (...facts: (Fact<unknown> | undefined)[]): Evidence[] => facts.filter((f): f is Fact<unknown> => f !== undefined).map((f) => f.evidence);

/** What later probes prove about earlier segments: a reply from beyond a segment means it forwards. */
function reach(o: Observations) {
  const dnsPublicAnswered = o.dnsPublic?.value === "ok" || o.dnsPublic?.value === "partial";
  const serviceReached = o.service !== undefined && ["SERVICE_OK", "SERVICE_REFUSED", "SERVICE_HTTP_ERROR", "SERVICE_RESET", "SERVICE_TLS_ERROR"].includes(o.service.value);
  const internet = (o.anchors?.value.reachable ?? 0) > 0 || dnsPublicAnswered || (serviceReached && o.service?.value !== "SERVICE_REFUSED");
  const ispHop = internet || o.ispHop?.value.reachable === true;
  const gateway = ispHop || o.gatewayAlive?.value === true;
  return { internet, ispHop, gateway, dnsPublicAnswered };
}

type Reach = ReturnType<typeof reach>;

const judges: Record<Exclude<Segment, "none">, (o: Observations, r: Reach) => Omit<Judgement, "segment">> = {
  host(o, r) {
    const b = o.hostBreak?.value;
    if (b?.segment === "host") {
      const addressProblem = b.code === "NO_IPV4_ADDRESS" || b.code === "APIPA_ADDRESS";
      // No address because the router's DHCP server is silent: that is the router's fault.
      if (addressProblem && o.dhcpAnswered?.value === false) return { state: "good", evidence: [] };
      const map: Record<string, Cause> = { NIC_ADMIN_DOWN: "NIC_ADMIN_DOWN", NO_INTERFACE_UP: "NO_INTERFACE_UP", NO_IPV4_ADDRESS: "NO_IP_ADDRESS", APIPA_ADDRESS: "NO_IP_ADDRESS", NO_DEFAULT_ROUTE: "NO_DEFAULT_ROUTE", GATEWAY_NOT_ON_LINK: "GATEWAY_NOT_ON_LINK" };
      return { state: "fault", cause: map[b.code] ?? "NO_IP_ADDRESS", evidence: ev(o.hostBreak, o.apipa) };
    }
    if (b?.segment === "lan") return { state: "good", evidence: [] }; // lan's to judge
    // Link up, address and route fine, yet the gateway answers nothing at all (DOMAIN.md §3: host).
    if (o.hostOk && o.gatewayAlive?.value === false && !r.gateway) return { state: "fault", cause: "GATEWAY_NO_ARP", evidence: ev(o.hostOk, o.gatewayAlive) };
    return { state: o.hostOk || r.gateway ? "good" : "unknown", evidence: [] };
  },
  lan(o, r) {
    if (o.hostBreak?.value.segment === "lan") return { state: "fault", cause: "NO_CARRIER", evidence: ev(o.hostBreak) };
    const g = o.gatewayLink?.value;
    if (g && g.reachable && g.lossPct > LOSS_PROBLEM_PCT) return { state: "degraded", cause: "GATEWAY_LOSS", evidence: ev(o.gatewayLink) };
    if (g && g.reachable && g.avgMs !== undefined && g.avgMs > GATEWAY_SLOW_MS) return { state: "degraded", cause: "GATEWAY_LOSS", evidence: ev(o.gatewayLink) };
    if (o.wifiWeak) return { state: "degraded", cause: "WIFI_WEAK_SIGNAL", evidence: ev(o.wifiWeak) };
    // A second DHCP server on the customer's LAN hands out wrong settings at random: a fault waiting to happen.
    if (o.dhcpRogue) return { state: "degraded", cause: "DHCP_ROGUE_SERVER", evidence: ev(o.dhcpRogue) };
    return { state: r.gateway ? "good" : "unknown", evidence: [] };
  },
  router(o, r) {
    if (o.dhcpAnswered?.value === false && (r.gateway || o.hostBreak?.value.code === "APIPA_ADDRESS" || o.hostBreak?.value.code === "NO_IPV4_ADDRESS")) {
      return { state: "fault", cause: "DHCP_NO_OFFER", evidence: ev(o.dhcpAnswered, o.gatewayAlive, o.apipa) };
    }
    const c = o.dnsConfigured?.value;
    // The relay is the router's: blame it only when something shows DNS/IP beyond the router working.
    if (c?.viaGateway && c.state === "dead" && (r.dnsPublicAnswered || r.internet)) {
      return { state: "fault", cause: "ROUTER_DNS_DEAD", evidence: ev(o.dnsConfigured, o.dnsPublic, o.anchors) };
    }
    if (o.dhcpAnswered?.value === true || (c?.viaGateway && c.state !== "dead")) return { state: "good", evidence: [] };
    return { state: r.internet ? "good" : r.gateway ? "good" : "unknown", evidence: [] };
  },
  wan(o, r) {
    // The CPE's own word on its WAN, unless traffic demonstrably crosses it (then SNMP looked at the wrong interface).
    if (o.wanDown && !r.internet) {
      return { state: "fault", cause: o.wanDown.value, evidence: ev(o.wanDown, o.lineDegraded, o.ispHop, o.anchors) };
    }
    const hop = o.ispHop?.value;
    if (hop && !hop.reachable && !r.internet && r.gateway) {
      return { state: "fault", cause: "ISP_HOP_UNREACHABLE", evidence: ev(o.ispHop, o.gatewayAlive, o.anchors, o.dnsPublic) };
    }
    // No ISP hop was found at all, nothing beyond the router answers, and the CPE does not vouch for its WAN.
    if (!hop && o.anchors && o.anchors.value.reachable === 0 && !r.internet && r.gateway && !o.wanUp) {
      return { state: "fault", cause: "ISP_HOP_UNREACHABLE", evidence: ev(o.anchors, o.gatewayAlive, o.dnsPublic) };
    }
    const gwClean = !o.gatewayLink || o.gatewayLink.value.lossPct <= LOSS_PROBLEM_PCT;
    if (o.lineDegraded) return { state: "degraded", cause: "LINE_DEGRADED", evidence: ev(o.lineDegraded, o.ispHop) };
    if (hop && hop.reachable && hop.lossPct > LOSS_PROBLEM_PCT && gwClean) return { state: "degraded", cause: "WAN_PACKET_LOSS", evidence: ev(o.ispHop, o.gatewayLink) };
    return { state: r.ispHop || o.wanUp ? "good" : "unknown", evidence: [] };
  },
  isp(o, r) {
    const a = o.anchors?.value;
    if (a && a.reachable === 0 && !r.internet && r.ispHop) {
      return { state: "fault", cause: "ISP_UPSTREAM_UNREACHABLE", evidence: ev(o.ispHop, o.anchors, o.dnsPublic, o.routerPingOk) };
    }
    if (o.pmtuBlackhole) return { state: "fault", cause: "PMTU_BLACKHOLE", evidence: ev(o.pmtuBlackhole) };
    const hop = o.ispHop?.value;
    const hopClean = !hop || hop.lossPct <= LOSS_PROBLEM_PCT;
    if (a && a.reachable > 0 && a.lossPct >= ISP_LOSS_PCT && a.lost >= ISP_LOSS_MIN_LOST && hopClean) return { state: "degraded", cause: "ISP_PACKET_LOSS", evidence: ev(o.anchors, o.ispHop) };
    const hopFast = !hop || hop.avgMs === undefined || hop.avgMs < ANCHOR_SLOW_MS;
    if (a && a.avgMs !== undefined && a.avgMs > ANCHOR_SLOW_MS && hopFast) return { state: "degraded", cause: "ISP_HIGH_LATENCY", evidence: ev(o.anchors, o.ispHop) };
    return { state: r.internet ? "good" : "unknown", evidence: [] };
  },
  dns(o, r) {
    // Judge names only when IP is shown to work beyond the ISP edge; otherwise failures are consequences.
    const ipFine = r.internet || (o.anchors?.value.reachable ?? 0) > 0;
    const f = o.dnsNamesFail?.value;
    if (f && ipFine) {
      const cause: Cause = f.kind === "servfail" ? "DNS_SERVFAIL" : f.kind === "nxdomain" ? "DNS_NXDOMAIN" : "DNS_TIMEOUT";
      return { state: "fault", cause, evidence: ev(o.dnsNamesFail, o.anchors, o.dnsConfigured, o.dnsPublic) };
    }
    const c = o.dnsConfigured?.value;
    if (c && !c.viaGateway && c.state === "dead" && r.dnsPublicAnswered) return { state: "fault", cause: "DNS_RESOLVER_DEAD", evidence: ev(o.dnsConfigured, o.dnsPublic) };
    if (o.dnsSlow && ipFine) return { state: "degraded", cause: "DNS_SLOW", evidence: ev(o.dnsSlow) };
    if (o.dnsConfigured || o.dnsPublic) return { state: ipFine || o.dnsAnyReplied ? "good" : "unknown", evidence: [] };
    return { state: "unknown", evidence: [] };
  },
  service(o, r) {
    const s = o.service?.value;
    if (!s) return { state: "unknown", evidence: [] };
    if (s === "SERVICE_LOCAL_BLOCKED") return { state: "fault", cause: "LOCAL_FIREWALL_BLOCKS", evidence: ev(o.service) };
    if (s === "SERVICE_OK") return o.serviceSlow ? { state: "degraded", cause: "SERVICE_SLOW", evidence: ev(o.serviceSlow) } : { state: "good", evidence: [] };
    const map: Record<string, Cause> = {
      SERVICE_DNS_FAILED: "SERVICE_DNS_FAILED",
      SERVICE_REFUSED: "SERVICE_REFUSED",
      SERVICE_TIMEOUT: "SERVICE_TIMEOUT",
      SERVICE_RESET: "SERVICE_RESET",
      SERVICE_TLS_ERROR: "SERVICE_TLS_ERROR",
      SERVICE_HTTP_ERROR: "SERVICE_HTTP_ERROR",
      SERVICE_UNREACHABLE: "SERVICE_UNREACHABLE",
      SERVICE_FAILED: "SERVICE_UNREACHABLE",
    };
    const cause = map[s];
    if (!cause) return { state: "good", evidence: [] };
    // A refusal (RST) or an HTTP error is an answer from the service itself: proof enough on its own.
    // Silence or unreachability is blamed on the service only when the internet is shown reachable.
    const selfEvident = s === "SERVICE_REFUSED" || s === "SERVICE_HTTP_ERROR" || s === "SERVICE_TLS_ERROR" || s === "SERVICE_RESET";
    if (!selfEvident && !r.internet) return { state: "unknown", evidence: ev(o.service) };
    if (s === "SERVICE_DNS_FAILED" && o.dnsNamesFail) return { state: "unknown", evidence: ev(o.service) };
    return { state: "fault", cause, evidence: ev(o.service, o.anchors) };
  },
};

export function judgeChain(o: Observations): Judgement[] {
  const r = reach(o);
  return CHAIN.map((segment) => ({ segment, ...judges[segment](o, r) }));
}

/** Pure: the verdict for a set of step results. */
export function isolateFault(steps: readonly StepResult[]): Verdict {
  const obs = observe(steps);
  const chain = judgeChain(obs);
  const firstFault = chain.find((j) => j.state === "fault");
  const firstDegraded = chain.find((j) => j.state === "degraded");
  // Loss and latency upstream explain timeouts downstream: a degraded segment before a fault of that
  // kind is the cause, the timeout its consequence. A refusal or an error answer is not explained so.
  const explained = firstFault && firstDegraded && chain.indexOf(firstDegraded) < chain.indexOf(firstFault) && EXPLAINED_BY_DEGRADATION.has(firstFault.cause!);
  const pick = explained ? firstDegraded : (firstFault ?? firstDegraded);
  const unknown = (upTo: number) => chain.slice(0, upTo).filter((j) => j.state === "unknown").map((j) => j.segment);

  if (!pick) {
    const unverified = unknown(chain.length);
    const cause: Cause = obs.measured.size === 0 || unverified.length === chain.length ? "UNDETERMINED" : "NONE";
    return build(cause, [], [], unverified, obs);
  }
  const idx = chain.indexOf(pick);
  return build(pick.cause!, pick.evidence, consequencesOf(steps, pick.evidence), unknown(idx), obs, pick.state === "degraded");
}

/** Every other failing or warning step: explained by the verdict's fault, listed so nobody chases them. */
function consequencesOf(steps: readonly StepResult[], evidence: Evidence[]): Evidence[] {
  const cited = new Set(evidence.map((e) => e.check));
  return steps
    .filter((s) => (s.status === "fail" || s.status === "warn") && !cited.has(s.check))
    .map((s) => {
      const f = s.findings.find((x) => x.severity === "fail") ?? s.findings.find((x) => x.severity === "warn");
      return { check: s.check, code: f?.code ?? s.status.toUpperCase(), detail: (f?.message ?? `${s.check} ${s.status}`).slice(0, 1000) };
    });
}

function build(cause: Cause, evidence: Evidence[], consequences: Evidence[], unverified: Segment[], obs: Observations, degraded = false): Verdict {
  const spec = CAUSES[cause];
  const engineer: string[] = [...spec.engineer];
  if (unverified.length && cause !== "UNDETERMINED") {
    engineer.push(`Not verified (not measured): ${unverified.join(", ")}. ${cause === "NONE" ? "Run the missing checks to be sure." : "The verdict holds only if these are healthy: check them first."}`);
  }
  if (obs.dhcpRogue && cause !== "DHCP_ROGUE_SERVER") engineer.push(`Also seen: ${obs.dhcpRogue.evidence.detail}`);
  return {
    segment: spec.segment,
    cause,
    summary: `${degraded ? "degraded: " : ""}${spec.title}`,
    evidence,
    consequences,
    unverified,
    next_steps: { customer: [...spec.customer], engineer },
  };
}
