// Traceroute-style hop list from TTL-limited pings, and the choice of the first ISP hop. Pure.
import type { PingReport } from "../../probes/ping-types.js";

/** One TTL of TR-181 TraceRoute.RouteHops. */
export interface RouteHop {
  ttl: number;
  /** Who answered at this TTL; undefined = nobody (the hop is silent, "*"). */
  HostAddress?: string;
  /** time_exceeded: a router on the way; echo_reply: the destination; unreachable: a router refused; none: silence. */
  reply: "time_exceeded" | "echo_reply" | "unreachable" | "none";
  /** ICMP error text for "unreachable". */
  ErrorMessage?: string;
  /** RTTs of echo replies (ms); iputils prints none for Time Exceeded, so intermediate hops have []. */
  RTTimes: number[];
}

export interface RouteTrace {
  Host: string;
  MaxHopCount: number;
  NumberOfTries: number;
  /** Hops from TTL 1 up to the destination (or the first refusal, or MaxHopCount). */
  RouteHops: RouteHop[];
  /** The destination answered within MaxHopCount. */
  reached: boolean;
  /** TTLs before the end of the list where nobody answered. */
  silentTtls: number[];
}

export function hopFromReport(ttl: number, r: PingReport): RouteHop {
  if (r.received > 0) return { ttl, reply: "echo_reply", RTTimes: r.rttMs, ...(r.addressUsed ? { HostAddress: r.addressUsed } : {}) };
  const via = r.ttlExceededFrom[0];
  if (via) return { ttl, reply: "time_exceeded", HostAddress: via, RTTimes: [] };
  const err = r.icmpErrors[0];
  if (err) return { ttl, reply: "unreachable", ErrorMessage: err.message, RTTimes: [], ...(err.from ? { HostAddress: err.from } : {}) };
  return { ttl, reply: "none", RTTimes: [] };
}

/** Orders the per-TTL hops and cuts the list where the path ends (destination or refusal). */
export function buildRoute(host: string, maxHops: number, tries: number, hops: readonly RouteHop[]): RouteTrace {
  const sorted = [...hops].sort((a, b) => a.ttl - b.ttl);
  const end = sorted.findIndex((h) => h.reply === "echo_reply" || h.reply === "unreachable");
  const RouteHops = end >= 0 ? sorted.slice(0, end + 1) : sorted;
  return {
    Host: host,
    MaxHopCount: maxHops,
    NumberOfTries: tries,
    RouteHops,
    reached: RouteHops.some((h) => h.reply === "echo_reply"),
    silentTtls: RouteHops.filter((h) => h.reply === "none").map((h) => h.ttl),
  };
}

/**
 * The first ISP hop: the first router beyond the home gateway. TTL 1 is the home router (whatever
 * address it answers from); beyond it, the first time-exceeded responder that is not the gateway
 * itself. A path that reaches the destination first has no separate ISP hop to name.
 */
export function pickIspHop(route: RouteTrace, gateway: string | undefined): { address: string; ttl: number } | undefined {
  for (const h of route.RouteHops) {
    if (h.ttl < 2 || !h.HostAddress || h.HostAddress === gateway) continue;
    if (h.reply !== "time_exceeded") return undefined;
    return { address: h.HostAddress, ttl: h.ttl };
  }
  return undefined;
}
