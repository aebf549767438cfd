// Step data of the `gateway` check: is the default gateway alive by ICMP echo, TCP connects or the
// neighbour (ARP/NDP) table? Produced by agent/checks/gateway/assess-gateway.ts.
import { z } from "zod";
import { Addr, Count, List, Ms, Pct, PingStatus, Str } from "./common.js";

export const GatewayFindingCode = z.enum([
  "NO_GATEWAY",
  "GATEWAY_ARP_FAILED",
  "GATEWAY_UNREACHABLE",
  "GATEWAY_ICMP_SILENT",
  "GATEWAY_LOSS",
  "GATEWAY_SLOW",
]);
export type GatewayFindingCode = z.infer<typeof GatewayFindingCode>;

/**
 * answered: the kernel confirmed the gateway's MAC recently (REACHABLE) or it is static (PERMANENT/NOARP);
 * cached: a MAC learned earlier but not confirmed now (STALE/DELAY/PROBE): a router that died a minute
 * ago still looks like this, so it is not counted as a sign of life;
 * failed: ARP/NDP got no answer (FAILED/INCOMPLETE); absent: no entry.
 */
export const NeighbourVerdict = z.enum(["answered", "cached", "failed", "absent"]);
export type NeighbourVerdict = z.infer<typeof NeighbourVerdict>;

/** open: SYN-ACK; refused: RST (both prove the host alive); timeout: no answer; error: errorCode says. */
export const TcpProbeResult = z.enum(["open", "refused", "timeout", "error"]);
export type TcpProbeResult = z.infer<typeof TcpProbeResult>;

export const GatewayPingData = z.strictObject({
  /** TR-181 IPPing Status. */
  Status: PingStatus,
  SuccessCount: Count,
  FailureCount: Count,
  lossPct: Pct,
  /** TR-181 Minimum/Average/MaximumResponseTime in ms; undefined = no reply. */
  MinimumResponseTime: Ms.optional(),
  AverageResponseTime: Ms.optional(),
  MaximumResponseTime: Ms.optional(),
  jitterMs: Ms.optional(),
  /** Why ping could not run (PING_BINARY_MISSING …); undefined when it ran. */
  errorCode: Str(64).optional(),
});
export type GatewayPingData = z.infer<typeof GatewayPingData>;

export const GatewayTcpOutcome = z.strictObject({
  result: TcpProbeResult,
  /** Time to the SYN-ACK or RST in ms; undefined for timeout/error. */
  connectMs: Ms.optional(),
  /** errno for "error" (EHOSTUNREACH after failed ARP, ENETUNREACH, …). */
  errorCode: Str(64).optional(),
});
export type GatewayTcpOutcome = z.infer<typeof GatewayTcpOutcome>;

export const GatewayData = z.strictObject({
  gateway: Addr,
  dev: Str(64).optional(),
  family: z.union([z.literal(4), z.literal(6)]),
  /** undefined = ping not run. */
  ping: GatewayPingData.optional(),
  /** Neighbour entry read after the probes; undefined = the table could not be read. */
  neighbour: z.strictObject({ state: Str(64), mac: Str(64).optional(), verdict: NeighbourVerdict }).optional(),
  /** Port (decimal) → outcome of one TCP connect; a refusal (RST) proves the gateway alive. */
  tcp: z
    .record(z.string().regex(/^\d{1,5}$/), GatewayTcpOutcome)
    .refine((r) => Object.keys(r).length <= 16, "at most 16 TCP ports"),
  /** Which kinds of evidence showed the gateway alive. */
  answeredBy: List(z.enum(["icmp", "tcp", "arp"]), 3),
  alive: z.boolean(),
});
export type GatewayData = z.infer<typeof GatewayData>;
