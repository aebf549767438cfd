// Where the device's traffic stops: which points an answer proves alive, which corroborated silence
// or an ICMP error proves dead, and what the router's own traffic says about its uplink. Pure.
//  - Any answer proves its sender (and everything on the way to it) alive: echo reply, Time
//    Exceeded, TCP SYN-ACK or RST, any DNS reply (also REFUSED/SERVFAIL), an ICMP error.
//  - An ICMP "net/host unreachable" from X: X is alive and has no route onward.
//  - Silence counts only when corroborated: two kinds of probe (ICMP and UDP/TCP) got no answer.
import type { Evidence } from "../../shared/verdict.js";
import { isHomeAddress } from "./extract.js";
import type { Fact, IcmpError, Observations } from "./observations.js";

export type Liveness = "alive" | "dead" | "unknown";

export interface Reach {
  gateway: Liveness;
  /** The device's traffic crosses the router (some answer came from beyond the gateway). */
  beyondGateway: Liveness;
  ispEdge: Liveness;
  internet: Liveness;
  /** The router's own traffic over its uplink: works (its relay resolves, its own ping answers), broken (it says so, or it has no route), or unknown. */
  routerUplink: "works" | "broken" | "unknown";
  /** The evidence for each conclusion, to cite. */
  why: { beyondGateway: Evidence[]; ispEdge: Evidence[]; internet: Evidence[]; routerUplink: Evidence[]; gateway: Evidence[] };
  /** An ICMP error saying where traffic stops, nearest first. */
  stop?: Fact<IcmpError>;
}

const NO_ROUTE = new Set<IcmpError["type"]>(["net_unreachable", "host_unreachable"]);
const SERVICE_ANSWERED = new Set(["SERVICE_OK", "SERVICE_REFUSED", "SERVICE_HTTP_ERROR", "SERVICE_RESET", "SERVICE_TLS_ERROR"]);

export function locate(o: Observations): Reach {
  const gw = o.gatewayAddress;
  const why: Reach["why"] = { beyondGateway: [], ispEdge: [], internet: [], routerUplink: [], gateway: [] };

  // ---- internet: anything beyond the ISP edge answered ----
  const publicReplied = o.resolvers.filter((r) => r.role === "public" && r.alive === true);
  const anchorsReached = (o.anchors?.value.reachable ?? 0) > 0;
  const serviceAnswered = o.service !== undefined && SERVICE_ANSWERED.has(o.service.value);
  if (anchorsReached) why.internet.push(o.anchors!.evidence);
  if (publicReplied.length && o.dnsFact) why.internet.push({ ...o.dnsFact.evidence, code: "PUBLIC_RESOLVER_REPLIED", detail: `public resolver ${publicReplied.map((r) => r.server).join(", ")} replied` });
  if (serviceAnswered) why.internet.push(o.service!.evidence);
  if (o.serviceControl?.value === true) why.internet.push(o.serviceControl.evidence);
  const internetAlive = why.internet.length > 0;

  // ---- where an ICMP error says traffic stops ----
  const stops = o.icmpErrors.filter((e) => NO_ROUTE.has(e.value.type));
  const stopAtGateway = stops.find((e) => e.value.from === gw);
  const stopBeyond = stops.find((e) => e.value.from !== gw);
  const stop = stopAtGateway ?? stopBeyond;

  // ---- the ISP edge: it answered, or something beyond it did ----
  const edgeAnswered = o.ispHop?.value.reachable === true;
  if (edgeAnswered) why.ispEdge.push(o.ispHop!.evidence);
  if (stopBeyond) why.ispEdge.push(stopBeyond.evidence);
  if (internetAlive) why.ispEdge.push(...why.internet);
  const hopsBeyond = o.hopsBeyondGateway.filter((h) => h !== gw);
  // Home equipment beyond the router (a double-NAT modem) proves forwarding, not the ISP's edge.
  const ispHops = hopsBeyond.filter((h) => !isHomeAddress(h));
  if (ispHops.length) why.ispEdge.push({ check: "path", code: "HOPS_ANSWERED", detail: `routers beyond the home network answered TTL-limited probes: ${ispHops.join(", ")}` });

  // ---- the device's traffic crosses the router ----
  why.beyondGateway.push(...why.ispEdge);
  const homeHops = hopsBeyond.filter(isHomeAddress);
  if (homeHops.length) why.beyondGateway.push({ check: "path", code: "HOME_HOP_ANSWERED", detail: `home equipment beyond the router answered (${homeHops.join(", ")}): the router forwards` });
  // A resolver on the device's own subnet is reached without the gateway: its replies prove the link only.
  const ispResolverReplied = o.resolvers.filter((r) => r.role !== "public" && !r.isGateway && !r.onLan && r.alive === true);
  if (ispResolverReplied.length && o.dnsFact) why.beyondGateway.push({ ...o.dnsFact.evidence, code: "RESOLVER_REPLIED", detail: `resolver ${ispResolverReplied.map((r) => r.server).join(", ")} beyond the router replied` });
  const beyondAlive = why.beyondGateway.length > 0;

  // ---- the gateway ----
  if (o.gatewayAlive?.value) why.gateway.push(o.gatewayAlive.evidence);
  // A DHCP answer proves the gateway alive only when it comes from (or names) that gateway: a PC set
  // by hand to a wrong gateway still gets offers from the real router.
  if (o.dhcpAnswered?.value && (!gw || !o.dhcpRouters || o.dhcpRouters.includes(gw))) why.gateway.push(o.dhcpAnswered.evidence);
  const relayAlive = o.resolvers.filter((r) => r.isGateway && r.alive === true);
  if (relayAlive.length && o.dnsFact) why.gateway.push({ ...o.dnsFact.evidence, code: "RELAY_REPLIED", detail: `the router's DNS relay ${relayAlive[0]!.server} replied` });
  if (stopAtGateway) why.gateway.push(stopAtGateway.evidence);
  const gatewayAlive = why.gateway.length > 0 || beyondAlive;
  const gateway: Liveness = gatewayAlive ? "alive" : o.gatewayAlive?.value === false ? "dead" : "unknown";

  // ---- silence beyond the router, corroborated by two kinds of probe ----
  const silentKinds = new Set<string>();
  if (o.anchors && o.anchors.value.reachable === 0) silentKinds.add("icmp");
  if (o.ispHop && !o.ispHop.value.reachable) silentKinds.add("icmp");
  if (o.resolvers.some((r) => r.role === "public") && !publicReplied.length) silentKinds.add("udp");
  if (o.resolvers.some((r) => r.role !== "public" && !r.isGateway && !r.onLan) && !ispResolverReplied.length) silentKinds.add("udp");
  if (o.service && ["SERVICE_TIMEOUT", "SERVICE_UNREACHABLE", "SERVICE_FAILED"].includes(o.service.value)) silentKinds.add("tcp");
  if (o.serviceControl?.value === false) silentKinds.add("tcp");
  const corroborated = silentKinds.size >= 2;

  const beyondGateway: Liveness = beyondAlive ? "alive" : stopAtGateway || (gatewayAlive && corroborated) ? "dead" : "unknown";
  // Dead: nothing reached it, or silence corroborated where the edge is known (its ping) or where only
  // home equipment answered beyond the router.
  const ispEdge: Liveness = why.ispEdge.length
    ? "alive"
    : beyondGateway === "dead" || (corroborated && ((o.ispHop && !o.ispHop.value.reachable) || (beyondAlive && homeHops.length > 0))) ? "dead" : "unknown";
  const internet: Liveness = internetAlive ? "alive" : stop || corroborated ? "dead" : "unknown";

  // ---- the router's own uplink ----
  let routerUplink: Reach["routerUplink"] = "unknown";
  const relayResolves = o.resolvers.filter((r) => r.isGateway && r.resolves);
  if (beyondAlive) {
    routerUplink = "works";
    why.routerUplink.push(...why.beyondGateway.slice(0, 1));
  } else if (relayResolves.length && o.dnsFact) {
    routerUplink = "works";
    why.routerUplink.push({ ...o.dnsFact.evidence, code: "RELAY_RESOLVES", detail: `the router's own DNS forwarding resolves external names (${relayResolves[0]!.server}): the router itself reaches its upstream` });
  } else if (o.routerPing?.value === true) {
    routerUplink = "works";
    why.routerUplink.push(o.routerPing.evidence);
  }
  if (routerUplink === "unknown") {
    if (o.wanDown) why.routerUplink.push(o.wanDown.evidence);
    if (o.routerPing?.value === false) why.routerUplink.push(o.routerPing.evidence);
    if (stopAtGateway) why.routerUplink.push(stopAtGateway.evidence);
    // A relay that times out or SERVFAILs cannot reach its upstream. REFUSED is left out: it may be
    // the ISP resolver's own refusal forwarded (the ISP answers) or the relay's when it lost its
    // upstream list with the WAN: it tells nothing about the uplink either way.
    const relayFailsUpstream = o.resolvers.filter((r) => r.isGateway && r.alive === true && !r.resolves && (r.fails === "timeout" || r.fails === "servfail"));
    if (relayFailsUpstream.length && o.dnsFact) why.routerUplink.push({ ...o.dnsFact.evidence, code: "RELAY_UPSTREAM_FAILS", detail: `the router's relay ${relayFailsUpstream[0]!.server} is alive but cannot resolve external names (${relayFailsUpstream[0]!.fails})` });
    if (why.routerUplink.length) routerUplink = "broken";
  }

  return { gateway, beyondGateway, ispEdge, internet, routerUplink, why, ...(stop ? { stop } : {}) };
}
