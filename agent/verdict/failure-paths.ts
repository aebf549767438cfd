// Every finding code a check can emit with severity warn/fail, and what its failure means for the
// verdict: the points its probe needs (so a fault at any of them explains it) and its kind. `null`
// marks a finding about the measurement itself (no SNMP access, not privileged): not a network fault.
// A code missing here is treated as a failure nothing but a device fault explains, so the verdict
// can never read an unknown failure as healthy.
import type { CheckId, Finding, StepResult } from "../../shared/checks.js";
import type { FindingCodeOf } from "../../shared/steps/index.js";
import type { Failure, Observations, ResolverObs } from "./observations.js";
import { PATHS, type Point } from "./points.js";

type Shape = { path: readonly Point[]; kind: Failure["kind"] } | null;
type Rule = Shape | ((f: Finding, o: Observations, step: StepResult) => Shape);

const silence = (path: readonly Point[]): Shape => ({ path, kind: "silence" });
const answer = (path: readonly Point[]): Shape => ({ path, kind: "answer" });
const degraded = (path: readonly Point[]): Shape => ({ path, kind: "degraded" });
const report = (path: readonly Point[]): Shape => ({ path, kind: "report" });

/** The path of a query to one resolver, by what that resolver is. */
export function resolverPath(r: Pick<ResolverObs, "role" | "isGateway"> & { onLan?: boolean }, external: boolean): readonly Point[] {
  // A resolver on the device's own subnet is reached like the router's relay (it usually is one).
  const base: readonly Point[] = r.isGateway || (r.onLan && r.role !== "public") ? (external ? PATHS.relayExternal : PATHS.relayLocal) : r.role === "public" ? PATHS.publicResolver : external ? PATHS.ispResolverExternal : PATHS.ispResolver;
  return r.role === "configured" ? [...base, "configured_resolver"] : base;
}

function resolverFor(f: Finding, o: Observations): ResolverObs | undefined {
  return o.resolvers.find((r) => r.server === f.subject);
}

/** Exhaustive per check: a finding code added to a check's schema fails to compile until it has a rule here. */
const RULES: { [C in CheckId]: Record<FindingCodeOf<C>, Rule> } = {
  host: {
    // With one interface, no carrier leaves none up: the link explains it as well as the device.
    NO_INTERFACE_UP: silence(PATHS.link),
    NIC_ADMIN_DOWN: silence(PATHS.device),
    NO_CARRIER: silence(PATHS.link),
    // No address can be the device's DHCP client or the network's DHCP server.
    NO_IPV4_ADDRESS: silence([...PATHS.dhcp]),
    APIPA_ADDRESS: silence([...PATHS.dhcp]),
    NO_DEFAULT_ROUTE: silence(PATHS.device),
    GATEWAY_NOT_ON_LINK: silence(PATHS.device),
    NO_RESOLVERS: silence(["device", "configured_resolver"]),
    WIFI_WEAK_SIGNAL: degraded(PATHS.link),
    DUPLEX_HALF: degraded(PATHS.link),
  },
  gateway: {
    NO_GATEWAY: silence(PATHS.device),
    GATEWAY_ARP_FAILED: silence(PATHS.gateway),
    GATEWAY_UNREACHABLE: silence(PATHS.gateway),
    GATEWAY_ICMP_SILENT: silence(PATHS.gateway),
    GATEWAY_LOSS: degraded(PATHS.gateway),
    GATEWAY_SLOW: degraded(PATHS.gateway),
  },
  dhcp: {
    DHCP_NO_OFFER: silence(PATHS.dhcp),
    // Many servers ignore INFORM (RFC 2131 allows it): not a fault on its own.
    DHCP_INFORM_NO_ACK: null,
    DHCP_ROGUE_SERVER: report(PATHS.link),
    DHCP_LEASE_EXPIRING: silence(PATHS.dhcp),
    DHCP_NO_LEASE: null,
    DHCP_BIND_DENIED: null,
  },
  dns: {
    NO_RESOLVER_CONFIGURED: silence(["device", "configured_resolver"]),
    CONFIGURED_RESOLVER_DEAD: (f, o) => silence(deadResolverPath(resolverFor(f, o) ?? { role: "configured", isGateway: false })),
    ALL_CONFIGURED_RESOLVERS_DEAD: (_f, o) => silence(groupPath(o, ["configured"])),
    PUBLIC_RESOLVER_DEAD: silence(PATHS.publicResolver),
    ALL_RESOLVERS_DEAD: (_f, o) => silence(groupPath(o, ["configured", "offered", "public"])),
    NAME_SERVFAIL: (f, o) => answer(namePath(f, o)),
    NAME_NXDOMAIN: (f, o) => answer(namePath(f, o)),
    NAME_NODATA: (f, o) => answer(namePath(f, o)),
    NAME_TIMEOUT: (f, o) => silence(namePath(f, o)),
    NAME_REFUSED: (f, o) => answer(namePath(f, o)),
    NAME_LOOKUP_ERROR: (f, o) => silence(namePath(f, o)),
    RESOLVERS_DISAGREE: answer(["configured_resolver", "isp_resolver", "relay", "names"]),
    OFFERED_RESOLVER_DEAD: (f, o) => silence(deadResolverPath(resolverFor(f, o) ?? { role: "offered", isGateway: false })),
    // Alive (it answers its control questions) but resolves nothing: its upstream, beyond it.
    RESOLVER_UPSTREAM_FAILING: (f, o) => silence(resolverPath(resolverFor(f, o) ?? { role: "configured", isGateway: true }, true)),
    RESOLVERS_DIFFER_FROM_DHCP: null,
    DNS_SLOW: (f, o) => degraded(namePath(f, o)),
  },
  ping: {
    TARGET_UNREACHABLE: silence(PATHS.internet),
    TARGET_UNRESOLVED: silence([...PATHS.internet, "names"]),
    TARGET_LOSS: degraded(PATHS.internet),
    TARGET_SLOW: degraded(PATHS.internet),
  },
  path: {
    ISP_HOP_UNREACHABLE: silence(PATHS.ispEdge),
    ISP_HOP_LOSS: degraded(PATHS.ispEdge),
    ISP_HOP_NOT_FOUND: null,
    ANCHORS_UNREACHABLE: silence(PATHS.internet),
    ANCHOR_UNREACHABLE: silence(PATHS.internet),
    ANCHOR_LOSS: degraded(PATHS.internet),
    ANCHOR_SLOW: degraded(PATHS.internet),
    PMTU_BLACKHOLE: silence(PATHS.internet),
    PMTU_REDUCED: null,
    HOP_LIST_INCOMPLETE: null,
  },
  service: {
    SERVICE_OK: null,
    SERVICE_REDIRECT: null,
    SERVICE_DNS_FAILED: silence([...PATHS.internet, "names", "service"]),
    SERVICE_REFUSED: answer(PATHS.service),
    SERVICE_RESET: answer(PATHS.service),
    SERVICE_TIMEOUT: silence(PATHS.service),
    SERVICE_TLS_ERROR: answer(PATHS.service),
    SERVICE_LOCAL_BLOCKED: answer(["device_filter", "service"]),
    SERVICE_UNREACHABLE: silence(PATHS.service),
    SERVICE_HTTP_ERROR: answer(PATHS.service),
    SERVICE_HTTP_CLIENT_ERROR: answer(["service"]),
    SERVICE_SLOW: degraded(PATHS.service),
    SERVICE_FAILED: silence(PATHS.service),
  },
  snmp: {
    SNMP_NO_RESPONSE: null,
    SNMP_AUTH_FAILED: null,
    SNMP_ERROR: null,
    DEVICE_REBOOTED_RECENTLY: null,
    WAN_NOT_IDENTIFIED: null,
    WAN_LINK_DOWN: report(["uplink"]),
    WAN_ADMIN_DOWN: report(["uplink"]),
    WAN_ERRORS: degraded(["uplink"]),
    LINE_SNR_LOW: degraded(["uplink"]),
    LINE_ATTENUATION_HIGH: degraded(["uplink"]),
    LINE_ERRORS: degraded(["uplink"]),
    LINE_POWER_OUT_OF_RANGE: degraded(["uplink"]),
  },
  routeros: {
    ROUTEROS_UNREACHABLE: null,
    ROUTEROS_AUTH_FAILED: null,
    WAN_LINK_DOWN: report(["uplink"]),
    WAN_DISABLED: report(["uplink"]),
    WAN_DHCP_NOT_BOUND: report(["uplink"]),
    NO_DEFAULT_ROUTE_ON_ROUTER: report(["uplink"]),
    ROUTER_PING_FAILED: report(["uplink", "isp_edge", "internet"]),
    INTERFACE_ERRORS: degraded(["uplink"]),
    ROUTER_REBOOTED_RECENTLY: null,
  },
};

/**
 * A resolver that served no query: when a control query proved it silent (alive === false) only the
 * way to it is in question; otherwise its timeouts on external names may be its upstream's.
 */
function deadResolverPath(r: Pick<ResolverObs, "role" | "isGateway" | "alive">): readonly Point[] {
  return resolverPath(r, r.alive !== false);
}

function groupPath(o: Observations, roles: ResolverObs["role"][]): readonly Point[] {
  const rs = o.resolvers.filter((r) => roles.includes(r.role));
  // Points every resolver of the group needs: a dead group is explained by what they share.
  const paths = rs.map((r) => deadResolverPath(r));
  if (!paths.length) return ["device", "configured_resolver"];
  return paths.reduce((a, b) => a.filter((p) => b.includes(p)));
}

/** A name failure: the points every resolver that replied without resolving needs for an external name. */
function namePath(f: Finding, o: Observations): readonly Point[] {
  const r = resolverFor(f, o);
  if (r) return resolverPath(r, true);
  const failing = o.resolvers.filter((x) => x.alive !== false && !x.resolves).map((x) => resolverPath(x, true));
  if (!failing.length) return ["device", "link", "names"];
  return failing.reduce((a, b) => a.filter((p) => b.includes(p)));
}

/** A finding as evidence text: the same words wherever the verdict cites it, so a citation matches its failure. */
export function findingDetail(f: Pick<Finding, "subject" | "message">): string {
  return f.subject ? `${f.subject}: ${f.message}` : f.message;
}

/** The failures of one usable step: one per warn/fail finding, or one for a failed step that has none. */
export function failuresOf(step: StepResult, o: Observations): Failure[] {
  const rules: Record<string, Rule> = RULES[step.check];
  const out: Failure[] = [];
  for (const f of step.findings) {
    if (f.severity === "info") continue;
    const rule = Object.hasOwn(rules, f.code) ? rules[f.code] : undefined;
    const shape = rule === undefined ? silence(PATHS.unknown) : typeof rule === "function" ? rule(f, o, step) : rule;
    if (!shape) continue;
    out.push({ evidence: { check: step.check, code: f.code, detail: findingDetail(f).slice(0, 1000) }, ...shape });
  }
  if (step.status === "fail" && !step.findings.some((f) => f.severity === "fail")) {
    out.push({ evidence: { check: step.check, code: "STEP_FAILED", detail: `${step.check} failed without a finding` }, path: PATHS.unknown, kind: "silence" });
  }
  return out;
}
