// The ping probe's contract, shared by the ping, gateway and path checks. Implemented in ping.ts
// (own execFile wrapper around iputils `ping`; ping.ts says why not the `ping` package).
import type { IcmpErrorReply } from "../../shared/checks.js";

export interface PingRequest {
  /** Validated IP literal or hostname (callers validate with shared/targets.ts; ping.ts re-checks). */
  host: string;
  /** Echo requests to send. */
  count: number;
  /** Spacing between requests (ms); iputils refuses < 200 for non-root users. */
  intervalMs: number;
  /** How long to wait for each reply (ms), iputils -W. */
  replyTimeoutMs: number;
  /** Time to live, for hop discovery (ping -t); undefined = system default. */
  ttl?: number;
  /** ICMP payload size in bytes (ping -s); undefined = 56. */
  payloadBytes?: number;
  /** Set DF and forbid local fragmentation (ping -M do), for path-MTU probing. */
  dontFragment?: boolean;
  /** Source interface or address (ping -I); undefined = routing decides. */
  source?: string;
}

/** TR-181 IPPing-style result; every figure computed from the replies, never from ping's summary text. */
export interface PingReport {
  host: string;
  /** The address actually pinged (after name resolution), TR-181 IPAddressUsed; undefined = unknown. */
  addressUsed?: string;
  /**
   * Complete: ran and counted replies (possibly zero); Error_CannotResolveHostName;
   * Error_NoRoute: the kernel had no route (ENETUNREACH); Error_Internal: ping missing or crashed;
   * Error_Aborted: the signal fired.
   */
  status: "Complete" | "Error_CannotResolveHostName" | "Error_NoRoute" | "Error_Internal" | "Error_Aborted";
  sent: number;
  /** TR-181 SuccessCount. */
  received: number;
  /** TR-181 FailureCount. */
  failed: number;
  lossPct: number;
  /** Per-reply round-trip times in ms, in arrival order. */
  rttMs: number[];
  /** TR-181 Minimum/Average/MaximumResponseTime in ms; undefined when no reply came. */
  minMs?: number;
  avgMs?: number;
  maxMs?: number;
  /** Mean absolute difference between consecutive RTTs (RFC 3550 style), ms; undefined with < 2 replies. */
  jitterMs?: number;
  /** Routers that answered "Time to live exceeded" (TTL-limited probes), in order seen. */
  ttlExceededFrom: string[];
  /** "Frag needed and DF set (mtu = N)" seen: the MTU reported, and by whom. */
  fragNeeded?: { mtu: number; from?: string };
  /** Other ICMP errors seen, e.g. "Destination Net Unreachable" from a router, typed (IcmpErrorType). */
  icmpErrors: IcmpErrorReply[];
  /** Local error text (e.g. "message too long, mtu=1400" when DF forbids sending). */
  localError?: string;
  /** The MTU named by a local "message too long, mtu=N" error: what the kernel already knows about this
   * path (a cached frag-needed, or the outgoing interface's MTU); undefined when no such error. */
  localMtu?: number;
  /** Set when status is Error_Internal: e.g. PING_BINARY_MISSING. */
  errorCode?: string;
}
