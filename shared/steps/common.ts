// Building blocks of the per-check step schemas: bounded strings, lists and numbers (every field that
// crosses the wire has a size limit), and the TR-181 IPPing result the ping and path checks share.
// zod 4's z.number() already refuses NaN and ±Infinity, so every number here is finite.
import { z } from "zod";

/** A bounded string. */
export const Str = (max = 200) => z.string().max(max);
/** An address as a check reports it: IPv4/IPv6 literal (maybe with %zone), IP:PORT, [v6]:PORT, or a host name. */
export const Addr = z.string().max(260);
/** A bounded list. */
export const List = <T extends z.ZodType>(item: T, max = 64) => z.array(item).max(max);
/** Milliseconds (durations, RTTs): never negative. */
export const Ms = z.number().nonnegative();
/** A count of things (probes, replies): a non-negative safe integer. */
export const Count = z.number().int().nonnegative();
/** A percentage 0..100. */
export const Pct = z.number().min(0).max(100);
/** A device counter (octets, packets): may exceed 2^53 on a Counter64, so not required to be a safe integer. */
export const Counter = z.number().nonnegative();

/**
 * TR-181 IPPing DiagnosticsState. Complete: ping ran and counted replies (possibly zero);
 * Error_CannotResolveHostName; Error_NoRoute: the kernel had no route; Error_Internal: ping missing or
 * crashed; Error_Aborted: cancelled.
 */
export const PingStatus = z.enum(["Complete", "Error_CannotResolveHostName", "Error_NoRoute", "Error_Internal", "Error_Aborted"]);
export type PingStatus = z.infer<typeof PingStatus>;

/**
 * What an ICMP error says, grouped by what it tells about the path (RFC 792/1812 for IPv4, RFC 4443
 * for IPv6; agent/probes/parse-ping.ts maps ping's text). Any of them proves its sender alive.
 * - net_unreachable: the sender has no route to the destination (IPv4 code 0/6/11, IPv6 "No route").
 * - host_unreachable: the sender has a route but the destination does not answer on its last link
 *   (ARP/NDP failure) or the route rejects it (IPv4 code 1/7/12, IPv6 "Address unreachable").
 * - protocol_unreachable, port_unreachable: sent by the destination host itself (it is up).
 * - admin_prohibited: a filter refused the packet (IPv4 9/10/13 "Packet filtered", IPv6 1/5/6).
 * - other: anything else ping printed (source route failed, precedence, beyond scope …).
 * Time Exceeded and Fragmentation Needed are reported on their own (ttlExceededFrom, fragNeeded / MTU).
 */
export const IcmpErrorType = z.enum(["net_unreachable", "host_unreachable", "protocol_unreachable", "port_unreachable", "admin_prohibited", "other"]);
export type IcmpErrorType = z.infer<typeof IcmpErrorType>;

/** An ICMP error a router (or the destination) sent instead of an echo reply. */
export const IcmpErrorReply = z.strictObject({
  /** Who sent it; undefined = ping did not say. */
  from: Addr.optional(),
  type: IcmpErrorType,
  /** ping's own text, e.g. "Destination Net Unreachable". */
  message: Str(200),
});
export type IcmpErrorReply = z.infer<typeof IcmpErrorReply>;

/** Device.IP.Diagnostics.IPPing result names (TR-181), plus loss, jitter and the raw RTTs. */
export const IpPingResult = z.strictObject({
  Host: Addr,
  /** Address actually pinged; undefined = the name never resolved. */
  IPAddressUsed: Addr.optional(),
  DiagnosticsState: PingStatus,
  NumberOfRepetitions: Count,
  /** Per-reply wait, ms. */
  Timeout: Ms,
  DataBlockSize: Count,
  SuccessCount: Count,
  FailureCount: Count,
  /** ms; undefined = no reply. */
  MinimumResponseTime: Ms.optional(),
  AverageResponseTime: Ms.optional(),
  MaximumResponseTime: Ms.optional(),
  lossPct: Pct,
  /** undefined = fewer than 2 replies. */
  jitterMs: Ms.optional(),
  rttMs: List(Ms, 100),
  /** ICMP errors sent instead of replies, one per distinct (sender, text); empty = none seen (busybox
   * ping never reports them: it drops every ICMP error). */
  icmpErrors: List(IcmpErrorReply, 20),
  /** Set for Error_Internal (PING_BINARY_MISSING …). */
  errorCode: Str(64).optional(),
  localError: Str(500).optional(),
});
export type IpPingResult = z.infer<typeof IpPingResult>;
