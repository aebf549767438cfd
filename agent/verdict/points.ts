// The points a packet from the customer's device passes, and which points each kind of probe needs.
// A fault "breaks" one point; it explains every failed observation whose probe needs that point
// (docs/verdict.md, "Every failure is explained").
import type { Segment } from "../../shared/verdict.js";

export const POINTS = [
  /** The device's own stack: interface enabled, address, default route. */
  "device",
  /** The device's own packet filter, for the ports it blocks (a local firewall). */
  "device_filter",
  /** The resolvers set on the device (by hand or by DHCP). */
  "configured_resolver",
  /** Carrier between the device and the home router (cable, Wi-Fi). */
  "link",
  /** The home router's LAN side answers at all (ARP, ICMP, TCP, DHCP, DNS). */
  "gateway",
  /** The home router's DHCP server. */
  "dhcp_server",
  /** The home router's DNS relay (answering by itself, without its upstream). */
  "relay",
  /** The home router forwards the device's traffic (routing, NAT) onto its uplink. */
  "forwarding",
  /** The router's own uplink: WAN interface, line, session (router → first ISP hop). */
  "uplink",
  /** The first ISP hop. */
  "isp_edge",
  /** Beyond the ISP edge: the ISP core and the internet (anchors, public resolvers, services). */
  "internet",
  /** The ISP's resolvers (asked directly, or by the router's relay). */
  "isp_resolver",
  /** Public resolvers asked directly. */
  "public_resolver",
  /** Resolution of the names themselves (zones, authoritative servers, DNSSEC). */
  "names",
  /** The one service the customer names. */
  "service",
  /** A failure the engine has no rule for: only a fault of the device or its link explains it. */
  "unknown",
] as const;
export type Point = (typeof POINTS)[number];

/** The segment a fault at each point belongs to (DOMAIN: host, lan, router, wan, isp, dns, service). */
export const SEGMENT_OF: Record<Point, Exclude<Segment, "none">> = {
  device: "host",
  device_filter: "host",
  configured_resolver: "host",
  link: "lan",
  gateway: "router",
  dhcp_server: "router",
  relay: "router",
  forwarding: "router",
  uplink: "wan",
  isp_edge: "wan",
  internet: "isp",
  isp_resolver: "dns",
  public_resolver: "dns",
  names: "dns",
  service: "service",
  unknown: "host",
};

const LAN = ["device", "link"] as const;
const TO_GATEWAY = [...LAN, "gateway"] as const;
const TO_EDGE = [...TO_GATEWAY, "forwarding", "uplink", "isp_edge"] as const;
const TO_INTERNET = [...TO_EDGE, "internet"] as const;

/** The points each kind of probe crosses (what must work for it to succeed). */
export const PATHS = {
  device: ["device"],
  link: LAN,
  gateway: TO_GATEWAY,
  dhcp: [...LAN, "gateway", "dhcp_server"],
  /** Any query the router's relay answers by itself. */
  relayLocal: [...TO_GATEWAY, "relay"],
  /** An external name through the router's relay: the relay, the router's own uplink, its upstream. */
  relayExternal: [...TO_GATEWAY, "relay", "uplink", "isp_edge", "internet", "isp_resolver", "names"],
  ispEdge: TO_EDGE,
  internet: TO_INTERNET,
  /** A resolver of the ISP asked by the device directly (for an external name its upstream is the internet). */
  ispResolver: [...TO_EDGE, "isp_resolver", "names"],
  ispResolverExternal: [...TO_INTERNET, "isp_resolver", "names"],
  publicResolver: [...TO_INTERNET, "public_resolver", "names"],
  /** The resolver the device is configured with, whatever it is. */
  configuredResolver: [...LAN, "configured_resolver"],
  service: [...TO_INTERNET, "device_filter", "names", "service"],
  unknown: ["unknown"],
} as const satisfies Record<string, readonly Point[]>;
export type PathName = keyof typeof PATHS;
