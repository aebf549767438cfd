// The rules: from observations and where traffic stops, the faults and degradations found, in chain
// order (host → lan → router → wan → isp → dns → service), and the places where the evidence cannot
// tell two segments apart (then the candidates and the probe that would decide). Pure.
import type { Evidence } from "../../shared/verdict.js";
import type { Cause } from "./causes.js";
import type { Reach } from "./locate.js";
import type { Fact, Observations } from "./observations.js";
import type { Point } from "./points.js";

/** DOMAIN.md §3: a probe set where more than 20% of probes fail is a problem. */
export const LOSS_PROBLEM_PCT = 20;
/**
 * Loss to the gateway at or above which silence beyond it is expected: a request and its answer both
 * cross the lossy link, so at 50% loss an exchange gets through one time in four, and a resolver or
 * anchor that stays silent for a few tries proves nothing about itself.
 */
export const HEAVY_LOSS_PCT = 50;
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

export interface Finding {
  kind: "fault" | "degraded";
  cause: Cause;
  /** The point this fault breaks: it explains every failure whose probe needs that point. */
  breaks: Point;
  /** Points broken as a consequence (no address from DHCP: the device can reach nothing). */
  alsoBreaks?: Point[];
  evidence: Evidence[];
  /** A degradation so heavy (HEAVY_LOSS_PCT) that silence beyond it is its consequence, not a fault there. */
  silencesExpected?: boolean;
}

export interface Ambiguity {
  kind: "ambiguous";
  /** Each candidate with its cause and the evidence that points at it. */
  candidates: { cause: Cause; breaks: Point; evidence: Evidence[] }[];
  /** The probe that would tell them apart. */
  decider: string;
}

export type Judgement = Finding | Ambiguity;

const ev = (...facts: (Fact<unknown> | Evidence | undefined)[]): Evidence[] =>
  facts.filter((f): f is Fact<unknown> | Evidence => f !== undefined).map((f) => ("evidence" in f ? f.evidence : f));

const fault = (cause: Cause, breaks: Point, evidence: Evidence[]): Finding => ({ kind: "fault", cause, breaks, evidence });
const degraded = (cause: Cause, breaks: Point, evidence: Evidence[]): Finding => ({ kind: "degraded", cause, breaks, evidence });

/** DOMAIN.md §3: DNS above 500 ms is significantly slow. */
const DNS_SLOW_MS = 500;

/**
 * Control for a slow resolver: the public ones are slow too (or none answered to compare with). Then
 * the device (a loaded machine) or its path is slow, not the network's resolver.
 */
export function slowEverywhere(o: Observations): boolean {
  const publics = o.resolvers.filter((r) => r.role === "public" && r.medianMs !== undefined);
  return publics.length > 0 && publics.every((r) => r.medianMs! > DNS_SLOW_MS);
}

/** Private, shared (CGNAT), loopback, link-local and unspecified addresses: never a public name's real address. */
export function isReserved(a: string): boolean {
  if (a.includes(":")) return /^(::1?$|f[cd]|fe[89ab])/i.test(a);
  const [x, y] = a.split(".").map(Number) as [number, number];
  return x === 10 || x === 127 || x === 0 || (x === 169 && y === 254) || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127);
}

const HOST_CAUSE: Record<string, Cause> = {
  NIC_ADMIN_DOWN: "NIC_ADMIN_DOWN",
  NO_INTERFACE_UP: "NO_INTERFACE_UP",
  NO_IPV4_ADDRESS: "NO_IP_ADDRESS",
  APIPA_ADDRESS: "NO_IP_ADDRESS",
  NO_DEFAULT_ROUTE: "NO_DEFAULT_ROUTE",
  GATEWAY_NOT_ON_LINK: "GATEWAY_NOT_ON_LINK",
};

/** The device and its link (host, lan). */
/** On the router the agent's own interface is the WAN: its breaks are the access line's. */
const ROUTER_WAN_CAUSE: Record<string, Cause> = {
  NO_CARRIER: "WAN_LINK_DOWN",
  NIC_ADMIN_DOWN: "WAN_ADMIN_DOWN",
  NO_INTERFACE_UP: "WAN_LINK_DOWN",
  NO_IPV4_ADDRESS: "WAN_DHCP_NOT_BOUND",
  APIPA_ADDRESS: "WAN_DHCP_NOT_BOUND",
  NO_DEFAULT_ROUTE: "WAN_NO_ROUTE",
};

function judgeDevice(o: Observations, out: Judgement[]): void {
  const b = o.hostBreak;
  if (!b) return;
  const onRouter = o.placement === "router" ? ROUTER_WAN_CAUSE[b.value.code] : undefined;
  // The router's own report of its WAN (SNMP/RouterOS) says the same: the uplink is this link.
  if (onRouter) return void out.push({ ...fault(onRouter, b.value.point, ev(b)), alsoBreaks: ["uplink"] });
  if (b.value.point === "link") {
    out.push(fault("NO_CARRIER", "link", ev(b)));
    return;
  }
  const noAddress = b.value.code === "NO_IPV4_ADDRESS" || b.value.code === "APIPA_ADDRESS";
  if (!noAddress) {
    out.push(fault(HOST_CAUSE[b.value.code] ?? "NO_IP_ADDRESS", "device", ev(b)));
    return;
  }
  // No address: the device's DHCP client, or the network's DHCP server? The probe decides.
  if (o.dhcpAnswered?.value === false) out.push({ ...fault("DHCP_NO_OFFER", "dhcp_server", ev(o.dhcpAnswered, b)), alsoBreaks: ["device"] });
  else if (o.dhcpAnswered?.value === true) out.push(fault("NO_IP_ADDRESS", "device", ev(b, o.dhcpAnswered)));
  else {
    out.push({
      kind: "ambiguous",
      candidates: [
        { cause: "NO_IP_ADDRESS", breaks: "device", evidence: ev(b) },
        { cause: "DHCP_NO_OFFER", breaks: "dhcp_server", evidence: ev(b) },
      ],
      decider: "The DHCP probe did not run (it needs root or CAP_NET_RAW): run it to see whether the router's DHCP server offers an address.",
    });
  }
}

function judgeLan(o: Observations, r: Reach, out: Judgement[]): void {
  if (r.gateway === "dead" && !o.hostBreak) {
    const gw = o.gatewayAddress;
    // On the router the gateway is the ISP edge.
    if (o.placement === "router") return void out.push(fault("ISP_HOP_UNREACHABLE", "gateway", ev(o.gatewayAlive)));
    // Control: who does the network's DHCP say the router is? Another address: the device's setting.
    if (o.dhcpAnswered?.value === true && gw && o.dhcpRouters && !o.dhcpRouters.includes(gw)) {
      return void out.push(fault("GATEWAY_NO_ARP", "device", [...ev(o.gatewayAlive, o.dhcpAnswered), { check: "dhcp", code: "DHCP_OFFERS_OTHER_ROUTER", detail: `the network's DHCP names ${o.dhcpRouters.join(", ")} as the router, not the configured ${gw}` }]));
    }
    // Nothing on the LAN answers, DHCP included: the router is hung.
    if (o.dhcpAnswered?.value === false) return void out.push(fault("ROUTER_UNRESPONSIVE", "gateway", ev(o.gatewayAlive, o.dhcpAnswered, o.hostOk)));
    return void out.push({
      kind: "ambiguous",
      candidates: [
        { cause: "GATEWAY_NO_ARP", breaks: "device", evidence: ev(o.gatewayAlive, o.hostOk) },
        { cause: "ROUTER_UNRESPONSIVE", breaks: "gateway", evidence: ev(o.gatewayAlive) },
      ],
      decider: "The gateway answers nothing and the DHCP probe did not run: run it (root) to see whether the network's DHCP names another router (the device's setting) or is silent too (the router is hung), or try another device at the site.",
    });
  }
  const g = o.gatewayLink?.value;
  const gatewayAnswersPing = g !== undefined && g.reachable;
  // Heavy loss counts as the data path's only when traffic forwarded beyond the router is lossy too: a
  // router that rate-limits pings to itself loses echoes without losing anyone's packets.
  const lossyBeyond = (o.ispHop?.value.reachable === true && o.ispHop.value.lossPct > LOSS_PROBLEM_PCT) || ((o.anchors?.value.reachable ?? 0) > 0 && o.anchors!.value.lossPct > LOSS_PROBLEM_PCT);
  if (gatewayAnswersPing && g.lossPct > LOSS_PROBLEM_PCT)
    out.push({ ...degraded("GATEWAY_LOSS", "link", ev(o.gatewayLink)), ...(g.lossPct >= HEAVY_LOSS_PCT && lossyBeyond ? { silencesExpected: true } : {}) });
  else if (gatewayAnswersPing && g.avgMs !== undefined && g.avgMs > GATEWAY_SLOW_MS) out.push(degraded("GATEWAY_LOSS", "link", ev(o.gatewayLink)));
  if (o.wifiWeak) out.push(degraded("WIFI_WEAK_SIGNAL", "link", ev(o.wifiWeak)));
  // A second DHCP server on the customer's LAN hands out wrong settings at random.
  if (o.dhcpRogue) out.push(degraded("DHCP_ROGUE_SERVER", "link", ev(o.dhcpRogue)));
}

function judgeRouterServices(o: Observations, r: Reach, out: Judgement[]): void {
  // On the router, DHCP on the WAN is the ISP's business (and a static WAN has none): not the router's.
  if (o.placement === "router") return;
  if (o.dhcpAnswered?.value === false && r.gateway === "alive" && !o.hostBreak) out.push(fault("DHCP_NO_OFFER", "dhcp_server", ev(o.dhcpAnswered, ...r.why.gateway.slice(0, 1))));
}

/** Where the device's traffic stops between the gateway and the internet. */
function judgePath(o: Observations, r: Reach, out: Judgement[]): void {
  if (o.hostBreak || r.gateway !== "alive") return;
  if (o.placement === "router" && r.beyondGateway === "dead") {
    // On the router the gateway is the ISP edge: alive, and nothing beyond it answers.
    if (r.stop) return void out.push(fault("ISP_NO_ROUTE", "internet", ev(r.stop, o.gatewayAlive, o.anchors)));
    return void out.push(fault("ISP_UPSTREAM_UNREACHABLE", "internet", ev(o.gatewayAlive, o.anchors)));
  }
  if (r.beyondGateway === "dead") {
    const silence = ev(o.anchors, o.ispHop, r.stop);
    if (o.wanDown) return void out.push(fault(o.wanDown.value, "uplink", ev(o.wanDown, ...silence)));
    if (r.routerUplink === "works") return void out.push(fault("ROUTER_NAT_FAILED", "forwarding", [...r.why.routerUplink, ...silence, ...r.why.gateway.slice(0, 1)]));
    if (r.routerUplink === "broken") {
      const cause: Cause = r.stop && r.stop.value.from === o.gatewayAddress ? "WAN_NO_ROUTE" : "ISP_HOP_UNREACHABLE";
      return void out.push(fault(cause, "uplink", [...r.why.routerUplink, ...silence]));
    }
    // A relay that answers REFUSED got that from somewhere: with NAT broken and the uplink fine it
    // would resolve, so the choice is between the line and the ISP beyond it.
    const relayRefuses = o.resolvers.some((x) => x.isGateway && x.fails === "refused");
    out.push({
      kind: "ambiguous",
      candidates: relayRefuses
        ? [
            { cause: "ISP_HOP_UNREACHABLE", breaks: "uplink", evidence: [...silence, ...(o.dnsFact ? [o.dnsFact.evidence] : [])] },
            { cause: "ISP_UPSTREAM_UNREACHABLE", breaks: "internet", evidence: [...silence, ...(o.dnsFact ? [o.dnsFact.evidence] : [])] },
          ]
        : [
            { cause: "ISP_HOP_UNREACHABLE", breaks: "uplink", evidence: silence },
            { cause: "ROUTER_NAT_FAILED", breaks: "forwarding", evidence: silence },
          ],
      decider: "Nothing beyond the router answers and nothing shows whether the router itself still reaches the ISP: read the router's WAN state (SNMP/RouterOS access in the agent config, or its status page and line LED), or ask the router's DNS relay for an external name.",
    });
    return;
  }
  if (r.beyondGateway === "alive" && r.ispEdge === "dead") {
    return void out.push(fault("ISP_HOP_UNREACHABLE", "isp_edge", ev(o.ispHop, o.anchors, ...r.why.beyondGateway.slice(0, 1))));
  }
  if (r.ispEdge === "alive" && r.internet === "dead") {
    if (r.stop && r.stop.value.from !== o.gatewayAddress) return void out.push(fault("ISP_NO_ROUTE", "internet", ev(r.stop, o.ispHop, o.anchors)));
    return void out.push(fault("ISP_UPSTREAM_UNREACHABLE", "internet", ev(o.ispHop, o.anchors, o.routerPing)));
  }
  if (r.beyondGateway === "unknown" && r.internet !== "alive" && o.anchors && o.anchors.value.reachable === 0) {
    // Only one kind of probe went out beyond the router, and it got no answer: not proof.
    out.push({
      kind: "ambiguous",
      candidates: [
        { cause: "ISP_HOP_UNREACHABLE", breaks: "uplink", evidence: ev(o.anchors, o.ispHop) },
        { cause: "ISP_UPSTREAM_UNREACHABLE", breaks: "internet", evidence: ev(o.anchors, o.ispHop) },
      ],
      decider: "Only ICMP echo was measured beyond the router and nothing answered: run the dns and service checks (UDP and TCP) to tell a filter from an outage.",
    });
  }
}

function judgeWanAndIspQuality(o: Observations, r: Reach, out: Judgement[]): void {
  const gwClean = !o.gatewayLink || o.gatewayLink.value.lossPct <= LOSS_PROBLEM_PCT;
  const hop = o.ispHop?.value;
  if (o.lineDegraded) out.push(degraded("LINE_DEGRADED", "uplink", ev(o.lineDegraded, o.ispHop)));
  else if (hop && hop.reachable && hop.lossPct > LOSS_PROBLEM_PCT && gwClean) out.push(degraded("WAN_PACKET_LOSS", "uplink", ev(o.ispHop, o.gatewayLink)));
  if (r.internet !== "alive") return;
  if (o.pmtuBlackhole) out.push(fault("PMTU_BLACKHOLE", "internet", ev(o.pmtuBlackhole)));
  // IPv6 can break alone on a dual-stack line: every IPv6 anchor probed and silent while IPv4 works.
  const fam = o.anchorsByFamily;
  if (fam && fam.v4.reachable > 0 && fam.v6.total > 0 && fam.v6.reachable === 0) {
    const v6errors = o.icmpErrors.filter((e) => e.value.from.includes(":"));
    // The pooled loss and latency of all anchors would count the IPv6 ones as loss: not judged then.
    return void out.push(degraded("ISP_IPV6_UNREACHABLE", "internet", [...ev(o.anchors), ...v6errors.slice(0, 3).map((e) => e.evidence), { check: "path", code: "IPV6_ANCHORS_UNREACHABLE", detail: `${fam.v6.total} IPv6 anchors silent while ${fam.v4.reachable} of ${fam.v4.total} IPv4 anchors answer` }]));
  }
  const a = o.anchors?.value;
  const hopClean = !hop || hop.lossPct <= LOSS_PROBLEM_PCT;
  if (a && a.reachable > 0 && a.lossPct >= ISP_LOSS_PCT && a.lost >= ISP_LOSS_MIN_LOST && hopClean) out.push(degraded("ISP_PACKET_LOSS", "internet", ev(o.anchors, o.ispHop)));
  const hopFast = !hop || hop.avgMs === undefined || hop.avgMs < ANCHOR_SLOW_MS;
  if (a && a.avgMs !== undefined && a.avgMs > ANCHOR_SLOW_MS && hopFast) out.push(degraded("ISP_HIGH_LATENCY", "internet", ev(o.anchors, o.ispHop)));
}

function judgeDns(o: Observations, r: Reach, out: Judgement[]): void {
  if (!o.resolvers.length || !o.dnsFact) return;
  const dnsEv = o.dnsFact.evidence;
  const configured = o.resolvers.filter((x) => x.role === "configured");
  const offered = o.resolvers.filter((x) => x.role === "offered");
  const publics = o.resolvers.filter((x) => x.role === "public");
  const works = (xs: typeof o.resolvers) => xs.some((x) => x.resolves);
  const ipFine = r.internet === "alive";

  // Names failing at every resolver that replies: the names themselves (zone, authoritative, DNSSEC).
  const f = o.dnsNamesFail?.value;
  if (f && ipFine && !works(o.resolvers)) {
    const cause: Cause = f.kind === "servfail" ? "DNS_SERVFAIL" : f.kind === "nxdomain" ? "DNS_NXDOMAIN" : "DNS_TIMEOUT";
    return void out.push(fault(cause, "names", ev(o.dnsNamesFail, dnsEv, o.anchors)));
  }
  // The network's resolvers send a public name to a private or portal address while a public
  // resolver gives a public one: a captive portal / walled garden or a hijack.
  const own = [...configured, ...offered];
  for (const p of publics) {
    for (const [name, real] of Object.entries(p.answers)) {
      if (!real.some((a) => !isReserved(a))) continue;
      const bent = own.find((r) => r.answers[name]?.length && r.answers[name]!.every(isReserved));
      if (bent) {
        return void out.push(fault("DNS_HIJACKED", "names", [{ ...dnsEv, code: "DNS_ANSWER_REDIRECTED", detail: `${name}: ${bent.server} answers ${bent.answers[name]!.join(", ")} (reserved), ${p.server} answers ${real.join(", ")}` }]));
      }
    }
  }
  if (!configured.length || works(configured)) {
    if (o.dnsSlow && ipFine && !slowEverywhere(o)) out.push(degraded("DNS_SLOW", "names", ev(o.dnsSlow)));
    return;
  }
  // No configured resolver resolves. Which point is broken: the device's setting, the router's
  // relay, or the resolver behind it? Control: what DHCP offers, a local query, a public resolver.
  const offeredWorks = works(offered);
  const handSet = o.dhcpOfferedResolvers !== undefined && configured.every((c) => !o.dhcpOfferedResolvers!.some((d) => c.server === d || c.server.startsWith(`${d}:`)));
  if (handSet && offeredWorks) return void out.push(fault("DNS_LOCAL_MISCONFIGURED", "configured_resolver", [dnsEv]));
  const relays = configured.filter((x) => x.isGateway);
  const direct = configured.filter((x) => !x.isGateway);
  const beyondWorks = works(publics) || ipFine || r.routerUplink === "works";
  if (relays.length && !direct.some((x) => x.resolves)) {
    const alive = relays.some((x) => x.alive === true);
    const dead = relays.every((x) => x.alive === false);
    if (dead && beyondWorks) return void out.push(fault("ROUTER_DNS_DEAD", "relay", [dnsEv, ...r.why.internet.slice(0, 1)]));
    if (alive && ipFine) return void out.push(fault("DNS_UPSTREAM_DEAD", "isp_resolver", [dnsEv, ...r.why.internet.slice(0, 1)]));
    if (!alive && !dead && ipFine) {
      return void out.push({
        kind: "ambiguous",
        candidates: [
          { cause: "ROUTER_DNS_DEAD", breaks: "relay", evidence: [dnsEv] },
          { cause: "DNS_UPSTREAM_DEAD", breaks: "isp_resolver", evidence: [dnsEv] },
        ],
        decider: "The router's relay does not resolve external names; ask it for a name it answers by itself (localhost., version.bind) to tell a dead relay from a dead upstream resolver.",
      });
    }
    return;
  }
  if (direct.length && ipFine && works(publics)) {
    const refused = direct.every((x) => x.alive === true && x.fails === "refused");
    return void out.push(fault(refused ? "DNS_RESOLVER_REFUSED" : "DNS_RESOLVER_DEAD", "isp_resolver", [dnsEv]));
  }
}

function judgeService(o: Observations, r: Reach, out: Judgement[]): void {
  const s = o.service?.value;
  if (!s) return;
  if (s === "SERVICE_LOCAL_BLOCKED") return void out.push(fault("LOCAL_FIREWALL_BLOCKS", "device_filter", ev(o.service)));
  if (s === "SERVICE_OK") {
    if (o.serviceSlow) out.push(degraded("SERVICE_SLOW", "service", ev(o.serviceSlow)));
    return;
  }
  // Every HTTPS host shows the same untrusted issuer: something on this device intercepts TLS.
  if (s === "SERVICE_TLS_ERROR" && o.tlsIntercepted?.value === true) return void out.push(fault("TLS_INTERCEPTED", "device_filter", ev(o.service, o.tlsIntercepted)));
  // An answer from the service itself (RST, TLS alert, HTTP 5xx) is proof enough on its own.
  const answers: Record<string, Cause> = { SERVICE_REFUSED: "SERVICE_REFUSED", SERVICE_RESET: "SERVICE_RESET", SERVICE_TLS_ERROR: "SERVICE_TLS_ERROR", SERVICE_HTTP_ERROR: "SERVICE_HTTP_ERROR" };
  if (answers[s]) return void out.push(fault(answers[s], "service", ev(o.service)));
  if (s === "SERVICE_DNS_FAILED") {
    if (o.dnsNamesFail || o.resolvers.every((x) => !x.resolves)) return; // DNS as a whole: the dns rules' business
    return void out.push(fault("SERVICE_DNS_FAILED", "service", ev(o.service, o.dnsFact)));
  }
  // Silence (timeout, unreachable): the service, or something that drops this port for everyone?
  const cause: Cause = s === "SERVICE_TIMEOUT" ? "SERVICE_TIMEOUT" : "SERVICE_UNREACHABLE";
  if (o.serviceControl?.value === true) return void out.push(fault(cause, "service", ev(o.service, o.serviceControl)));
  if (o.serviceControl?.value === false && r.internet === "alive") {
    // The same port fails to a known-good host too, while ICMP/UDP to the internet work.
    if (o.serviceGatewayTcp?.value === false && r.gateway === "alive") return void out.push(fault("LOCAL_FIREWALL_DROPS", "device_filter", ev(o.service, o.serviceControl, o.serviceGatewayTcp, ...r.why.internet.slice(0, 1))));
    const candidates: Ambiguity["candidates"] = [
      { cause: "LOCAL_FIREWALL_DROPS", breaks: "device_filter", evidence: ev(o.service, o.serviceControl) },
      { cause: "PORT_BLOCKED_UPSTREAM", breaks: "forwarding", evidence: ev(o.service, o.serviceControl, o.serviceGatewayTcp) },
    ];
    return void out.push({ kind: "ambiguous", candidates, decider: "This port fails to every host while ping and DNS work: try the same site from another device on the same network (works there: this device's firewall; fails there too: the router or the ISP filters the port)." });
  }
  if (r.internet === "alive") out.push(fault(cause, "service", ev(o.service, ...r.why.internet.slice(0, 1))));
}

/** Every fault, degradation and ambiguity found, in chain order. */
export function judge(o: Observations, r: Reach): Judgement[] {
  const out: Judgement[] = [];
  judgeDevice(o, out);
  judgeLan(o, r, out);
  judgeRouterServices(o, r, out);
  judgePath(o, r, out);
  judgeWanAndIspQuality(o, r, out);
  judgeDns(o, r, out);
  judgeService(o, r, out);
  return out;
}
