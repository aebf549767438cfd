// Normalized facts the verdict engine reasons on, extracted from step results. Every fact is
// optional: undefined means "not measured", which the rules never read as good or as failed.
import type { CheckId } from "../../shared/checks.js";
import type { Evidence } from "../../shared/verdict.js";
import type { Point } from "./points.js";

/** A fact plus the step result it came from, so the verdict can cite its evidence. */
export interface Fact<T> {
  value: T;
  evidence: Evidence;
}

export interface LinkFigures {
  /** Reached at all (any reply). */
  reachable: boolean;
  lossPct: number;
  avgMs?: number;
}

/**
 * One failed or degraded observation (a finding of severity warn/fail, or a failed step without
 * one), with the points its probe needs. The verdict must explain every one of these.
 */
export interface Failure {
  evidence: Evidence;
  path: readonly Point[];
  /** silence: no answer (timeouts, loss); answer: a negative answer (refused, SERVFAIL, 5xx); degraded: slow or lossy; report: a device's own report. */
  kind: "silence" | "answer" | "degraded" | "report";
}

/** An ICMP error received in reply to our probe: proves `from` alive and says traffic stops there. */
export interface IcmpError {
  from: string;
  /** net/host unreachable mean "no route onward"; filtered means a policy drop at `from`. */
  type: "net_unreachable" | "host_unreachable" | "filtered" | "other";
}

export type ResolverRole = "configured" | "offered" | "public";

export interface ResolverObs {
  server: string;
  role: ResolverRole;
  /** The server is the home router (the device's gateway). */
  isGateway: boolean;
  /** The server is on the device's own subnet (a router or server at home, reached without the gateway). */
  onLan: boolean;
  /** Any reply at all (also REFUSED/SERVFAIL/NXDOMAIN, or to a local control query): the server is alive. undefined = not known. */
  alive?: boolean;
  /** It answered an external name with addresses. */
  resolves: boolean;
  /** Every external name failed there, and how (the dominant outcome); undefined when some resolved. */
  fails?: "timeout" | "servfail" | "nxdomain" | "refused" | "other";
  medianMs?: number;
  /** The addresses it gave per name (only names it resolved). */
  answers: Record<string, string[]>;
}

export interface Observations {
  /** Which checks produced a usable result (status other than skipped/error/timeout). */
  measured: Set<CheckId>;
  /** Every failed observation, with the points it needs. */
  failures: Failure[];

  /** Where the agent runs (host check): on the router its WAN is the first link, its gateway the ISP edge. */
  placement: "pc" | "router";

  // ---- host / lan ----
  /** The device's own chain break: admin down, no address, no route, gateway off-link (device) or no carrier (link). */
  hostBreak?: Fact<{ point: "device" | "link"; code: string }>;
  hostOk?: Fact<true>;
  wifiWeak?: Fact<number>;
  /** Gateway address the device uses. */
  gatewayAddress?: string;
  /** The device's own IPv4 subnets (address and prefix length). */
  localNets: { address: string; prefixLength: number }[];

  // ---- gateway ----
  /** Gateway alive by any probe (ICMP, TCP, ARP). */
  gatewayAlive?: Fact<boolean>;
  gatewayLink?: Fact<LinkFigures>;
  /** The gateway answered some TCP probe (SYN-ACK or RST). */
  gatewayTcp?: boolean;

  // ---- router functions ----
  /** DHCP server answered a DISCOVER or INFORM (true), or was probed and did not (false). */
  dhcpAnswered?: Fact<boolean>;
  /** Routers and server ids the DHCP answers name (who the network says the gateway is). */
  dhcpRouters?: string[];
  /** Resolvers the network's DHCP server offers (from the probe's answers or the lease). */
  dhcpOfferedResolvers?: string[];
  dhcpRogue?: Fact<true>;
  resolvers: ResolverObs[];
  /** Names failing at every resolver that replies, with the dominant failure. */
  dnsNamesFail?: Fact<{ names: string[]; kind: "servfail" | "nxdomain" | "timeout" | "other" }>;
  dnsSlow?: Fact<true>;
  dnsFact?: Fact<string>;

  // ---- wan (the CPE's own report: snmp / routeros) ----
  wanDown?: Fact<"WAN_LINK_DOWN" | "WAN_ADMIN_DOWN" | "WAN_DHCP_NOT_BOUND">;
  lineDegraded?: Fact<string>;
  /** The CPE reports its WAN interface up. */
  wanUp?: Fact<true>;
  /** The router's own ping beyond itself (RouterOS). */
  routerPing?: Fact<boolean>;

  // ---- path ----
  ispHop?: Fact<LinkFigures & { address: string }>;
  /** Addresses beyond the gateway that answered a TTL-limited probe (Time Exceeded or echo). */
  hopsBeyondGateway: string[];
  /** Pooled over every anchor. */
  anchors?: Fact<{ total: number; reachable: number; lossPct: number; lost: number; sent: number; avgMs?: number }>;
  icmpErrors: Fact<IcmpError>[];
  /** Anchors per address family (IPv6 can break alone on a dual-stack line). */
  anchorsByFamily?: { v4: { total: number; reachable: number }; v6: { total: number; reachable: number } };
  pmtuBlackhole?: Fact<true>;

  // ---- service ----
  /** The named service's outcome: a SERVICE_* finding code (SERVICE_OK when fine). */
  service?: Fact<string>;
  serviceSlow?: Fact<true>;
  /** The same port on a known-good control host: reached (any TCP answer) or not. */
  serviceControl?: Fact<boolean>;
  /** TLS control: known-good hosts present a certificate from the service's own untrusted issuer (true: interception on this device), or one verifies (false). */
  tlsIntercepted?: Fact<boolean>;
  /** The same port on the gateway: answered (SYN-ACK/RST) or silent. */
  serviceGatewayTcp?: Fact<boolean>;
}
