// Step data of the `path` check: gateway, first ISP hop and anchors pinged side by side, a hop list and
// a path-MTU probe toward the first anchor. Produced by agent/checks/path.ts and agent/checks/path/*.
import { z } from "zod";
import { Addr, Count, IcmpErrorType, IpPingResult, List, Ms, Str } from "./common.js";

export const PathFindingCode = z.enum([
  "ISP_HOP_UNREACHABLE",
  "ISP_HOP_LOSS",
  "ISP_HOP_NOT_FOUND",
  "ANCHORS_UNREACHABLE",
  "ANCHOR_UNREACHABLE",
  "ANCHOR_LOSS",
  "ANCHOR_SLOW",
  "PMTU_BLACKHOLE",
  "PMTU_REDUCED",
  "HOP_LIST_INCOMPLETE",
]);
export type PathFindingCode = z.infer<typeof PathFindingCode>;

const Ttl = z.number().int().min(1).max(255);

/** One TTL of TR-181 TraceRoute.RouteHops. */
export const RouteHop = z.strictObject({
  ttl: Ttl,
  /** Who answered at this TTL; undefined = nobody (the hop is silent, "*"). */
  HostAddress: Addr.optional(),
  /** time_exceeded: a router on the way; echo_reply: the destination; unreachable: a router refused; none: silence. */
  reply: z.enum(["time_exceeded", "echo_reply", "unreachable", "none"]),
  /** ICMP error text for "unreachable". */
  ErrorMessage: Str(200).optional(),
  /** What the ICMP error for "unreachable" says (net_unreachable: HostAddress has no route onward,
   * admin_prohibited: a filter there, …); undefined for every other reply. */
  icmpError: IcmpErrorType.optional(),
  /** RTTs of echo replies (ms); iputils prints none for Time Exceeded, so intermediate hops have []. */
  RTTimes: List(Ms, 16),
});
export type RouteHop = z.infer<typeof RouteHop>;

export const RouteTrace = z.strictObject({
  Host: Addr,
  MaxHopCount: Ttl,
  NumberOfTries: Count,
  /** Hops from TTL 1 up to the destination (or the first refusal, or MaxHopCount). */
  RouteHops: List(RouteHop, 64),
  /** The destination answered within MaxHopCount. */
  reached: z.boolean(),
  /** TTLs before the end of the list where nobody answered. */
  silentTtls: List(Ttl, 64),
});
export type RouteTrace = z.infer<typeof RouteTrace>;

export const MtuProbe = z.strictObject({
  payloadBytes: Count,
  packetBytes: Count,
  /** reply: passed; frag_needed: a router said "Frag needed" (mtu, from); local_too_big: the kernel
   * already knows a smaller MTU (mtu); silent: no reply and no error; error: ping could not run. */
  outcome: z.enum(["reply", "frag_needed", "local_too_big", "silent", "error"]),
  mtu: Count.optional(),
  from: Addr.optional(),
});
export type MtuProbe = z.infer<typeof MtuProbe>;

export const MtuResult = z.strictObject({
  Host: Addr,
  probes: List(MtuProbe, 64),
  /** Largest DF payload that got a reply; undefined = none did (not measured: anchor unreachable). */
  largestPayloadBytes: Count.optional(),
  /** largestPayloadBytes plus IP+ICMP headers: the largest packet known to pass. */
  pathMtu: Count.optional(),
  /** Smallest MTU any router (from set) or the kernel's cache (from unset) named; undefined = none named. */
  reportedMtu: z.strictObject({ mtu: Count, from: Addr.optional() }).optional(),
  /** Bigger DF packets vanished with no frag-needed while smaller ones passed. */
  blackHole: z.boolean(),
});
export type MtuResult = z.infer<typeof MtuResult>;

/** The ISP edge as the customer's router reports it: its default route's next hop (wanGateway). */
export const PathRouterEdge = z.strictObject({
  address: Addr,
  from: z.enum(["snmp", "routeros"]),
  /** The PC's ping to it (the same result as ispHop.ping when both name it). */
  ping: IpPingResult.optional(),
});
export type PathRouterEdge = z.infer<typeof PathRouterEdge>;

export const IspHop = z.strictObject({
  /**
   * config: targets.ispHop; discovered: the first router beyond the gateway that answered a TTL-limited
   * probe (Time Exceeded, or an ICMP error that ends the hop list); router: none answered, so the
   * address the router reports (routerEdge); not_found: none of these.
   */
  source: z.enum(["config", "discovered", "router", "not_found"]),
  address: Addr.optional(),
  ttl: Ttl.optional(),
  /** undefined = not pinged (not found). */
  ping: IpPingResult.optional(),
});
export type IspHop = z.infer<typeof IspHop>;

export const PathData = z.strictObject({
  /** The home router side: the IPv4/IPv6 default gateway and its ping; undefined = no default route. */
  gateway: z.strictObject({ address: Addr, ping: IpPingResult }).optional(),
  /** The first ISP hop: from config, discovered by TTL probes, or not found (then no ping). */
  ispHop: IspHop,
  /** One IPPing result per internet anchor, in configured order. */
  anchors: List(IpPingResult, 16),
  /** Hop list toward the first anchor. */
  route: RouteTrace,
  /** Path MTU toward the first anchor; undefined = MTU probing disabled in config. */
  mtu: MtuResult.optional(),
  /**
   * The ISP edge as the router reports it (snmp/routeros wanGateway of this run) and the PC's ping to
   * it, when known within ROUTER_EDGE_WAIT_MS (agent/checks/path.ts) of the start; undefined = not
   * known in time, neither check in the run, or an IPv6 path / a configured ispHop.
   */
  routerEdge: PathRouterEdge.optional(),
});
export type PathData = z.infer<typeof PathData>;
