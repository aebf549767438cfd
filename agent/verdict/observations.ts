// Normalized facts the verdict engine reasons on, extracted from step results. Every field is
// optional: undefined means "not measured", which the rules must never read as "failed".
import type { CheckId } from "../../shared/checks.js";
import type { Evidence } from "../../shared/verdict.js";

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

export interface Observations {
  /** Which checks produced a usable result (status other than skipped/error/timeout). */
  measured: Set<CheckId>;

  // ---- host / lan (host check) ----
  /** The host check's chain break: admin down, no address, no route, gateway off-link (host) or no carrier (lan). */
  hostBreak?: Fact<{ segment: "host" | "lan"; code: string }>;
  /** The host check ran and found the device able to reach its gateway by construction. */
  hostOk?: Fact<true>;
  apipa?: Fact<true>;
  wifiWeak?: Fact<number>;
  /** Gateway address the device uses (for telling "router DNS relay" from "ISP resolver"). */
  gatewayAddress?: string;

  // ---- gateway ----
  /** Gateway alive by any probe (ICMP, TCP, ARP). */
  gatewayAlive?: Fact<boolean>;
  gatewayLink?: Fact<LinkFigures>;

  // ---- router services ----
  /** DHCP server answered a DISCOVER or INFORM (true), or was probed and did not (false). */
  dhcpAnswered?: Fact<boolean>;
  dhcpRogue?: Fact<string[]>;
  /** Configured resolvers: ok / partial / dead / name failures, and whether one of them is the gateway. */
  dnsConfigured?: Fact<{ state: "ok" | "partial" | "dead" | "none"; viaGateway: boolean }>;
  dnsPublic?: Fact<"ok" | "partial" | "dead" | "none">;
  /** Some resolver replied at all (UDP beyond the host works at least to it). */
  dnsAnyReplied?: boolean;
  /** Names failing at every resolver that replies, with the dominant failure. */
  dnsNamesFail?: Fact<{ names: string[]; kind: "servfail" | "nxdomain" | "timeout" | "other" }>;
  dnsSlow?: Fact<number>;

  // ---- wan (CPE state: snmp / routeros) ----
  wanDown?: Fact<"WAN_LINK_DOWN" | "WAN_ADMIN_DOWN" | "WAN_DHCP_NOT_BOUND">;
  lineDegraded?: Fact<string>;
  /** The CPE itself reports its WAN up (SNMP ifOperStatus up / RouterOS running). */
  wanUp?: Fact<true>;
  /** The router's own ping to an anchor (RouterOS) failed / worked. */
  routerPingOk?: Fact<boolean>;

  // ---- path ----
  ispHop?: Fact<LinkFigures & { address: string }>;
  /** Pooled over every anchor: loss is lost/sent of all their probes. */
  anchors?: Fact<{ total: number; reachable: number; lossPct: number; lost: number; sent: number; avgMs?: number }>;
  pmtuBlackhole?: Fact<true>;

  // ---- service ----
  /** The named service's outcome: a SERVICE_* finding code (SERVICE_OK when fine). */
  service?: Fact<string>;
  serviceSlow?: Fact<number>;
}
