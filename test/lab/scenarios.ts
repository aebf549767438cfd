// The lab's scenarios: a variant of the customer's network (scripts/lab.sh up --variant), one fault
// (lab.sh fault), and what a good engineer concludes from the evidence the lab produces (rules of
// evidence: docs/lab.md "Scenarios"). The expected verdicts are chosen from the network's real state,
// never from what the agent happens to say today. Used by test/lab/verdict-lab*.test.ts and the lab
// bench (bench/lab-bench.ts).
import type { Segment } from "../../shared/verdict.js";

export interface Scenario {
  /** Unique, kebab-case: "<variant tag>/<fault>". */
  name: string;
  /** lab.sh variant: "default" or "key=value,..." (docs/lab.md lists the keys). */
  variant: string;
  /** lab.sh fault name ("healthy" for none). */
  fault: string;
  expected: {
    segment: Segment;
    /** The cause code; a list only where two codes are equally right (`causesWhy` says why). */
    cause: string | readonly string[];
    causesWhy?: string;
  };
  /** One line: the evidence that decides it. */
  why: string;
}

const S = (variant: string, fault: string, segment: Segment, cause: Scenario["expected"]["cause"], why: string, causesWhy?: string): Scenario => ({
  name: `${variant}/${fault}`,
  variant,
  fault,
  expected: { segment, cause, ...(causesWhy ? { causesWhy } : {}) },
  why,
});

const ISP_NO_ROUTE_OR_UPSTREAM = ["ISP_NO_ROUTE", "ISP_UPSTREAM_UNREACHABLE"] as const;
const NO_ROUTE_WHY = "both name the ISP network beyond its edge and send the case to the same team; ISP_NO_ROUTE is the sharper one (the edge's own Net Unreachable says it has no route)";
const FIREWALL = ["LOCAL_FIREWALL_DROPS", "LOCAL_FIREWALL_BLOCKS"] as const;
const FIREWALL_WHY = "the same local firewall and the same remedy; whether its rule drops (timeout) or rejects (EPERM) changes the symptom, not the cause";

export const SCENARIOS: readonly Scenario[] = [
  // --- the default network: PC with dhclient, router relaying DNS, SNMP, NAT, IPv4 ---
  S("default", "healthy", "none", "NONE", "every probe answers within its thresholds"),
  S("default", "pc-nic-down", "host", "NIC_ADMIN_DOWN", "the PC's only interface is administratively down"),
  S("default", "cable-unplugged", "lan", "NO_CARRIER", "eth0 is up but has no carrier"),
  S("default", "dhcp-dead", "router", "DHCP_NO_OFFER", "the gateway answers ARP, ping and TCP on the same link but no DISCOVER"),
  S("default", "router-dns-dead", "router", "ROUTER_DNS_DEAD", "the router's port 53 is closed (port unreachable) while the public resolver and the anchors answer"),
  S("default", "wan-down", "wan", "WAN_LINK_DOWN", "SNMP: the WAN's ifOperStatus is down, and nothing beyond the gateway answers"),
  S("default", "line-degraded", "wan", "LINE_DEGRADED", "poor SNR margin in the modem's line figures; loss and delay start at the first ISP hop, the gateway is clean"),
  S("default", "isp-upstream-down", "isp", "ISP_UPSTREAM_UNREACHABLE", "the ISP edge answers ping and Time Exceeded; nothing beyond it answers"),
  S("default", "isp-loss", "isp", "ISP_PACKET_LOSS", "first ISP hop clean, a quarter of the probes to every anchor lost"),
  S("default", "dns-servfail", "dns", "DNS_SERVFAIL", "anchors answer; the name gets SERVFAIL at the router's relay and at the public resolver"),
  S("default", "service-down", "service", "SERVICE_REFUSED", "the name resolves and the shop's address answers TCP with RST"),
  S("default", "gateway-icmp-silent", "none", "NONE", "only echo to the router is dropped; ARP, TCP and everything through it work: a harmless filter"),
  S("default", "mtu-blackhole", "isp", "PMTU_BLACKHOLE", "small packets pass, 1500-byte DF packets vanish beyond the edge with no Fragmentation Needed"),
  S("default", "rogue-dhcp", "lan", "DHCP_ROGUE_SERVER", "a DISCOVER gets offers from two server ids on the customer's LAN"),
  // The six failures reported in issue 9:
  S("default", "isp-uplink-down", "isp", ISP_NO_ROUTE_OR_UPSTREAM, "the edge answers ping, sends Net Unreachable for the internet and its resolver answers REFUSED: alive, no route onward", NO_ROUTE_WHY),
  S("default", "nat-missing", "router", "ROUTER_NAT_FAILED", "the router's relay resolves external names and SNMP says WAN up (the router reaches the ISP) yet nothing beyond it answers the PC"),
  S("default", "isp-resolver-down", "dns", "DNS_UPSTREAM_DEAD", "the router's relay answers its own names but times out on external ones; the ISP resolver is port-unreachable; the public resolver answers"),
  S("default", "pc-resolver-misconfigured", "host", "DNS_LOCAL_MISCONFIGURED", "the resolver typed into the PC answers nothing while the one DHCP offers (the router) answers"),
  S("default", "pc-firewall-drops-web", "host", FIREWALL, "TCP 80/443 times out to the shop and to the anchors alike while ping and DNS work: the PC's own firewall", FIREWALL_WHY),
  // More of what customers' networks do:
  S("default", "captive-portal", "dns", "DNS_HIJACKED", "the network's resolver maps the shop to the ISP portal 100.64.0.80 while the public resolver gives 198.51.100.80 and IP works: the name, not the shop"),
  S("default", "service-slow", "service", "SERVICE_SLOW", "path and DNS fast; the shop's first byte comes after 1.5 s"),
  S("default", "service-http-error", "service", "SERVICE_HTTP_ERROR", "the shop answers HTTP 503"),
  S("default", "service-timeout", "service", "SERVICE_TIMEOUT", "SYN to the shop unanswered while the same ports on the anchors answer"),
  S("default", "lan-loss", "lan", "GATEWAY_LOSS", "60% of the echoes to the gateway lost on a link with carrier; everything further is explained by it"),
  S("default", "router-hung", "router", "ROUTER_UNRESPONSIVE", "carrier up; the router that leased this PC its address answers no ARP, DHCP or DNS"),

  // --- the independent lab: busybox udhcpc (no lease file), no SNMP ---
  S("client=udhcpc,snmp=off", "healthy", "none", "NONE", "no lease file and no SNMP are missing evidence, not faults"),
  S("client=udhcpc,snmp=off", "dhcp-off-no-address", "router", "DHCP_NO_OFFER", "no address, and a DISCOVER from the PC's own link gets no offer: the router's DHCP server"),
  S("client=udhcpc,snmp=off", "wan-down", "wan", "ISP_HOP_UNREACHABLE", "the router answers but cannot itself resolve external names; nothing beyond it answers"),
  S("client=udhcpc,snmp=off", "nat-missing", "router", "ROUTER_NAT_FAILED", "the router's relay resolves external names (the router reaches the ISP); nothing beyond it answers the PC"),
  S("client=udhcpc,snmp=off", "isp-uplink-down", "isp", ISP_NO_ROUTE_OR_UPSTREAM, "Net Unreachable from the edge 100.64.7.1 and REFUSED from its resolver: the edge is alive and has no route", NO_ROUTE_WHY),

  // --- a PC configured by hand ---
  S("client=static", "healthy", "none", "NONE", "a static address without a lease; the router's DHCP still answers the probe"),
  S("client=static", "pc-wrong-gateway", "host", "GATEWAY_NO_ARP", "the typed gateway answers no ARP while the router's DHCP offers 10.77.0.1, which answers"),
  S("client=static", "dhcp-dead", "router", "DHCP_NO_OFFER", "this PC does not need DHCP, but the router's server is silent: every other device will fail"),

  // --- ISP edges that filter ICMP or drop silently ---
  S("edge=blackhole,edge-icmp=no-echo", "healthy", "none", "NONE", "the ISP edge drops ping to itself but forwards everything"),
  S("edge=blackhole,edge-icmp=no-echo", "isp-uplink-down", "wan", "UNDETERMINED", "the edge drops ping, a discard route sends no Time Exceeded, nothing beyond the router answers, and the relay's REFUSED may be the ISP resolver's or the relay's own after losing its upstream: the line (wan) and the ISP beyond it (isp) fit alike, so the verdict names both, nearest first, and the probe that decides (the router's own ping or the ISP's view of the line)"),
  S("edge-icmp=no-ttl-exceeded", "healthy", "none", "NONE", "traceroute finds no ISP hop: missing evidence, not a fault"),
  S("edge-icmp=no-ttl-exceeded", "isp-upstream-down", "isp", "ISP_UPSTREAM_UNREACHABLE", "the edge (the next hop in the router's SNMP route table) answers ping; nothing beyond it answers"),

  // --- the router hands out the ISP's resolver (no relay) ---
  S("lan-dns=isp", "healthy", "none", "NONE", "the PC asks the ISP's resolver directly and it answers"),
  S("lan-dns=isp", "isp-resolver-down", "dns", "DNS_RESOLVER_DEAD", "the configured ISP resolver is port-unreachable while the public resolver answers"),
  S("lan-dns=isp", "dns-slow", "dns", "DNS_SLOW", "the configured ISP resolver answers after 600 ms, the public resolver at once, IP is fast"),

  // --- a MikroTik router (RouterOS API), no SNMP ---
  S("snmp=off,routeros=on", "healthy", "none", "NONE", "RouterOS reports the WAN running with an active default route; the router's ping works"),
  S("snmp=off,routeros=on", "wan-down", "wan", "WAN_LINK_DOWN", "RouterOS: wan0 not running, its default route inactive, the router's own ping fails"),
  S("snmp=off,routeros=on", "nat-missing", "router", "ROUTER_NAT_FAILED", "the router's own ping to the anchor works over RouterOS while the PC's dies beyond the router"),

  // --- SNMP configured but not answering ---
  S("snmp=silent", "healthy", "none", "NONE", "an SNMP agent that does not answer is not measured, not a fault"),

  // --- NAT variations ---
  S("nat=off", "healthy", "none", "NONE", "a routed /29 without NAT works"),
  S("nat=off", "wan-down", "wan", "WAN_LINK_DOWN", "SNMP: WAN down; nothing beyond the gateway answers"),
  S("nat=double", "healthy", "none", "NONE", "two NATs in a row are not a fault"),
  S("nat=double", "nat-missing", "router", "ROUTER_NAT_FAILED", "the inner router's relay resolves external names; nothing beyond it answers the PC"),
  S("nat=double", "wan-down", "wan", "ISP_HOP_UNREACHABLE", "the modem 192.168.100.1 (private: not the ISP) answers and nothing beyond it; the inner router's SNMP WAN-up cannot clear that"),
  S("nat=cgnat", "healthy", "none", "NONE", "carrier-grade NAT at the edge is not a fault"),
  S("nat=cgnat", "cgnat-down", "isp", "ISP_UPSTREAM_UNREACHABLE", "the edge and the ISP's resolver answer; nothing on the internet answers the PC"),

  // --- dual stack ---
  S("ipv6=on", "healthy", "none", "NONE", "IPv4 and IPv6 both work"),
  S("ipv6=on", "ipv6-broken", "isp", "ISP_IPV6_UNREACHABLE", "IPv6 anchors and the shop's AAAA get No Route from the edge while IPv4 works"),

  // --- HTTPS service, TLS interception ---
  S("web=https", "healthy", "none", "NONE", "the shop's certificate chains to the trusted lab root"),
  S("web=https", "tls-intercepted", "host", "TLS_INTERCEPTED", "every HTTPS host presents a certificate from 'Local Security Proxy CA', a local interceptor the trust store lacks"),
  S("web=https", "service-cert-wrong-name", "service", "SERVICE_TLS_ERROR", "the shop's own certificate (from the trusted root) names another host"),
  S("web=https,tls-proxy=trusted", "healthy", "none", "NONE", "an intercepting proxy whose CA the PC trusts: everything works"),

  // --- the agent on the router itself ---
  S("agent=router", "healthy", "none", "NONE", "the router's WAN is static: no DHCP server on the line is normal"),
  S("agent=router", "wan-down", "wan", "WAN_LINK_DOWN", "the agent's own WAN interface has no carrier"),
  S("agent=router", "isp-uplink-down", "isp", ISP_NO_ROUTE_OR_UPSTREAM, "the edge (the router's gateway) answers and sends Net Unreachable onward", NO_ROUTE_WHY),
  S("agent=router", "dns-servfail", "dns", "DNS_SERVFAIL", "anchors answer; the name gets SERVFAIL at the ISP and the public resolver"),
];

/**
 * Causes the scenarios need that agent/verdict/causes.ts does not have yet, with their segment and
 * meaning (the verdict's owner adds them; test/lab/scenarios.test.ts checks the segments agree).
 */

export function expectedCauses(s: Scenario): readonly string[] {
  return typeof s.expected.cause === "string" ? [s.expected.cause] : s.expected.cause;
}

/** Scenarios grouped by variant, in table order: each variant is built once. */
export function byVariant(scenarios: readonly Scenario[] = SCENARIOS): { variant: string; scenarios: Scenario[] }[] {
  const groups = new Map<string, Scenario[]>();
  for (const s of scenarios) groups.set(s.variant, [...(groups.get(s.variant) ?? []), s]);
  return [...groups].map(([variant, list]) => ({ variant, scenarios: list }));
}

/**
 * The verdict tests run in three files so vitest can run them side by side: the default network,
 * then the other variants split in two of about the same length.
 */
export const SHARDS = {
  default: (s: Scenario) => s.variant === "default",
  variantsA: (s: Scenario) => ["client=udhcpc,snmp=off", "client=static", "edge=blackhole,edge-icmp=no-echo", "edge-icmp=no-ttl-exceeded", "lan-dns=isp", "snmp=off,routeros=on", "snmp=silent"].includes(s.variant),
  variantsB: (s: Scenario) => s.variant !== "default" && !SHARDS.variantsA(s),
} as const;
