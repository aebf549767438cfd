// Traceroute-style hop list from TTL-limited pings, and the choice of the first ISP hop. Pure.
import type { RouteHop, RouteTrace } from "../../../shared/checks.js";
import type { PingReport } from "../../probes/ping-types.js";

export type { RouteHop, RouteTrace };

export function hopFromReport(ttl: number, r: PingReport): RouteHop {
  if (r.received > 0) return { ttl, reply: "echo_reply", RTTimes: r.rttMs, ...(r.addressUsed ? { HostAddress: r.addressUsed } : {}) };
  const via = r.ttlExceededFrom[0];
  if (via) return { ttl, reply: "time_exceeded", HostAddress: via, RTTimes: [] };
  const err = r.icmpErrors[0];
  if (err) return { ttl, reply: "unreachable", ErrorMessage: err.message, icmpError: err.type, RTTimes: [], ...(err.from ? { HostAddress: err.from } : {}) };
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
 * address it answers from); beyond it, the first responder that is not the gateway itself: a router
 * answering Time Exceeded, or one whose ICMP error ends the list (an ISP edge with no route onward
 * says "Net Unreachable" even to a TTL-limited probe, since it looks the route up first, and the
 * error proves it alive). A path that reaches the destination first has no separate ISP hop to name.
 */
export function pickIspHop(route: RouteTrace, gateway: string | undefined): { address: string; ttl: number } | undefined {
  for (const h of route.RouteHops) {
    if (h.ttl < 2 || !h.HostAddress || h.HostAddress === gateway) continue;
    if (h.reply !== "time_exceeded" && h.reply !== "unreachable") return undefined;
    return { address: h.HostAddress, ttl: h.ttl };
  }
  return undefined;
}
