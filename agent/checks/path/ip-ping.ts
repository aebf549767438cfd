// TR-181 IPPing view of a ping report, and the loss/latency thresholds the ping and path checks share.
import { TIMEOUTS } from "../../timeouts.js";
import type { IpPingResult } from "../../../shared/checks.js";
import type { PingReport, PingRequest } from "../../probes/ping-types.js";

export { ANCHOR_SLOW_AVG_MS, LOSS_WARN_PCT } from "../../../shared/thresholds.js";
import { ANCHOR_SLOW_AVG_MS, LOSS_WARN_PCT } from "../../../shared/thresholds.js";

export type { IpPingResult };

/** The standard request for a reachability/latency figure (TIMEOUTS.ping*). */
export function standardPing(host: string): PingRequest {
  return { host, count: TIMEOUTS.pingCount, intervalMs: TIMEOUTS.pingIntervalMs, replyTimeoutMs: TIMEOUTS.pingReplyMs };
}

export function toIpPing(req: PingRequest, r: PingReport): IpPingResult {
  return {
    Host: r.host,
    ...(r.addressUsed ? { IPAddressUsed: r.addressUsed } : {}),
    DiagnosticsState: r.status,
    NumberOfRepetitions: r.sent,
    Timeout: req.replyTimeoutMs,
    DataBlockSize: req.payloadBytes ?? 56,
    SuccessCount: r.received,
    FailureCount: r.failed,
    ...(r.minMs !== undefined ? { MinimumResponseTime: r.minMs, AverageResponseTime: r.avgMs, MaximumResponseTime: r.maxMs } : {}),
    lossPct: r.lossPct,
    ...(r.jitterMs !== undefined ? { jitterMs: r.jitterMs } : {}),
    rttMs: r.rttMs,
    icmpErrors: r.icmpErrors,
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    ...(r.localError ? { localError: r.localError } : {}),
  };
}

/** How one target fared; "unmeasured" means ping itself could not run (never evidence of a fault). */
export type Reach = "reachable" | "unreachable" | "unresolved" | "unmeasured";

export function reachOf(r: IpPingResult): Reach {
  if (r.SuccessCount > 0) return "reachable";
  if (r.DiagnosticsState === "Error_CannotResolveHostName") return "unresolved";
  if (r.DiagnosticsState === "Error_Internal" || r.DiagnosticsState === "Error_Aborted") return "unmeasured";
  return "unreachable";
}

export const isLossy = (r: IpPingResult): boolean => r.SuccessCount > 0 && r.lossPct > LOSS_WARN_PCT;
export const isSlow = (r: IpPingResult): boolean => (r.AverageResponseTime ?? 0) > ANCHOR_SLOW_AVG_MS;

/** A check cannot work without the binary: throw so the runner reports status "error" with this code. */
export function throwIfPingMissing(results: readonly IpPingResult[]): void {
  const missing = results.find((r) => r.errorCode === "PING_BINARY_MISSING");
  if (missing) throw Object.assign(new Error(missing.localError ?? "ping is not installed"), { code: "PING_BINARY_MISSING" });
}
