// Named harmless explanations of failed observations: each says why a failure is not a fault
// ("the router drops ping; ARP and TCP prove it alive") and applies only when other traffic proves
// the point alive. A failure neither the cause nor one of these explains makes the verdict UNDETERMINED.
import { slowEverywhere } from "./judge.js";
import type { Reach } from "./locate.js";
import type { Failure, Observations } from "./observations.js";

export interface Benign {
  reason: string;
  detail: string;
  explains(f: Failure): boolean;
}

const is = (f: Failure, check: string, ...codes: string[]) => f.evidence.check === check && codes.includes(f.evidence.code);

export function benignExplanations(o: Observations, r: Reach): Benign[] {
  const out: Benign[] = [];
  const gatewayAliveOtherwise = r.gateway === "alive" && r.why.gateway.length > 0;
  if (gatewayAliveOtherwise) {
    out.push({
      reason: "GATEWAY_FILTERS_ICMP",
      detail: `the router does not answer ping, but ${r.why.gateway.map((e) => e.detail).join("; ")}`,
      explains: (f) => is(f, "gateway", "GATEWAY_ICMP_SILENT", "GATEWAY_LOSS", "GATEWAY_ARP_FAILED"),
    });
  }
  if (r.internet === "alive") {
    const proof = r.why.internet.filter((e) => e.code !== "ANCHORS_PING").map((e) => e.detail);
    if ((o.anchors?.value.reachable ?? 0) === 0 && proof.length) {
      out.push({ reason: "ANCHORS_FILTER_ICMP", detail: `the internet anchors do not answer ping, but ${proof.join("; ")}`, explains: (f) => is(f, "path", "ANCHORS_UNREACHABLE", "ANCHOR_UNREACHABLE") || is(f, "ping", "TARGET_UNREACHABLE") });
    }
    if ((o.anchors?.value.reachable ?? 0) > 0) {
      out.push({ reason: "ONE_ANCHOR_DOWN", detail: "some internet anchors answer and others do not: those hosts' own problem", explains: (f) => is(f, "path", "ANCHOR_UNREACHABLE") || is(f, "ping", "TARGET_UNREACHABLE") });
    }
    out.push({ reason: "ISP_HOP_FILTERS_ICMP", detail: "the first ISP hop does not answer ping, but traffic crosses it to the internet", explains: (f) => is(f, "path", "ISP_HOP_UNREACHABLE") });
  }
  if (r.beyondGateway === "alive" && o.wanDown) {
    out.push({
      reason: "CPE_REPORT_CONTRADICTED",
      detail: `the router reports its WAN down (${o.wanDown.evidence.detail}), but traffic crosses it: it reports on another interface than the one in use`,
      explains: (f) => f.kind === "report" && f.path.includes("uplink") && (f.evidence.check === "snmp" || f.evidence.check === "routeros"),
    });
  }
  // A secondary resolver down while another one of the same group resolves: nothing the customer notices.
  for (const role of ["configured", "offered"] as const) {
    const group = o.resolvers.filter((x) => x.role === role);
    if (group.some((x) => x.resolves) && group.some((x) => !x.resolves)) {
      const dead = group.filter((x) => !x.resolves).map((x) => x.server);
      out.push({ reason: "SECONDARY_RESOLVER_DOWN", detail: `${role} resolver ${dead.join(", ")} fails while another ${role} resolver works`, explains: (f) => f.evidence.check === "dns" && dead.some((d) => f.evidence.detail.includes(d)) });
    }
  }
  // The network's own resolvers work and only the outside ones fail: the network blocks outside DNS.
  const own = o.resolvers.filter((x) => x.role !== "public");
  const publics = o.resolvers.filter((x) => x.role === "public");
  if (own.some((x) => x.resolves) && publics.length && !publics.some((x) => x.resolves) && r.internet === "alive") {
    out.push({ reason: "PUBLIC_DNS_BLOCKED", detail: "public resolvers do not answer while the network's own resolvers and the internet work: the network blocks outside DNS", explains: (f) => is(f, "dns", "PUBLIC_RESOLVER_DEAD") || (f.evidence.check === "dns" && publics.some((p) => f.evidence.detail.includes(p.server))) });
  }
  if (slowEverywhere(o)) {
    out.push({ reason: "DNS_SLOW_EVERYWHERE", detail: "every resolver, the public ones included, answers slowly: this device (a loaded machine) or its path is slow, not one resolver", explains: (f) => is(f, "dns", "DNS_SLOW") });
  }
  if (o.resolvers.some((x) => x.resolves)) {
    out.push({ reason: "RESOLVERS_DIFFER", detail: "resolvers give different addresses for the same name (content delivery networks answer by location)", explains: (f) => is(f, "dns", "RESOLVERS_DISAGREE") });
  }
  if (o.service && o.service.value === "SERVICE_OK") {
    out.push({ reason: "SERVICE_ANSWERS", detail: "the service answers (an HTTP 4xx for this URL is the service's own reply)", explains: (f) => is(f, "service", "SERVICE_HTTP_CLIENT_ERROR") });
  }
  if (o.placement === "router" && o.hostOk) {
    out.push({ reason: "STATIC_WAN", detail: "the agent runs on the router and its WAN has an address: no DHCP server on the line is normal for a static WAN", explains: (f) => is(f, "dhcp", "DHCP_NO_OFFER", "DHCP_INFORM_NO_ACK") });
  }
  if (o.dhcpAnswered?.value === true) {
    out.push({ reason: "DHCP_SERVER_ANSWERS", detail: "the DHCP server answers; the device's client has not renewed yet", explains: (f) => is(f, "dhcp", "DHCP_LEASE_EXPIRING") });
  }
  return out;
}
