// Pure judgement of the service check: the one mapping from (stage, errno / OpenSSL code) to a finding
// code, and the findings for a finished probe.
import type { FindingOf, ServiceFindingCode, ServiceStage, Severity } from "../../../shared/checks.js";

export type { ServiceFindingCode, ServiceStage } from "../../../shared/checks.js";

/** Our own codes for a stage that ran out of time (the kernel's ETIMEDOUT comes much later). */
export const TIMEOUT_CODES = ["CONNECT_TIMEOUT", "TLS_TIMEOUT", "RESPONSE_TIMEOUT", "LOOKUP_TIMEOUT", "ABORTED"] as const;

const BY_ERRNO: Record<string, ServiceFindingCode> = {
  ECONNREFUSED: "SERVICE_REFUSED",
  ECONNRESET: "SERVICE_RESET",
  EPIPE: "SERVICE_RESET",
  ECONNABORTED: "SERVICE_RESET",
  ETIMEDOUT: "SERVICE_TIMEOUT",
  // A local netfilter DROP/REJECT on OUTPUT makes connect() fail with EPERM (EACCES on some stacks).
  EPERM: "SERVICE_LOCAL_BLOCKED",
  EACCES: "SERVICE_LOCAL_BLOCKED",
  EHOSTUNREACH: "SERVICE_UNREACHABLE",
  ENETUNREACH: "SERVICE_UNREACHABLE",
  EHOSTDOWN: "SERVICE_UNREACHABLE",
  ENETDOWN: "SERVICE_UNREACHABLE",
  EADDRNOTAVAIL: "SERVICE_UNREACHABLE",
};

/** Pure: which finding a failure at `stage` with raw `code` is. */
export function classifyServiceError(stage: ServiceStage, code: string | undefined): ServiceFindingCode {
  if (stage === "dns") return "SERVICE_DNS_FAILED";
  if (code && (TIMEOUT_CODES as readonly string[]).includes(code)) return "SERVICE_TIMEOUT";
  const byErrno = code ? BY_ERRNO[code] : undefined;
  if (byErrno) return byErrno;
  // Anything else during the handshake is OpenSSL's: a certificate verify code
  // (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID) or an ERR_SSL_* alert.
  if (stage === "tls") return "SERVICE_TLS_ERROR";
  return "SERVICE_FAILED";
}

/** DOMAIN.md §3: HTTPS latency above 500 ms is high, above 1000 ms very high. */
export const SERVICE_HIGH_MS = 500;
export const SERVICE_SLOW_MS = 1000;

/** Pure: a first latency this high is measured once more before SERVICE_SLOW warns (issue 9 item 8:
 * one stall on a loaded machine blamed a healthy service). */
export function needsSlowRecheck(latencyMs: number | undefined): boolean {
  return latencyMs !== undefined && latencyMs > SERVICE_SLOW_MS;
}

/** The confirming second probe, as far as the judgement needs it. */
export interface RecheckFacts {
  /** undefined = it failed (failedStage/errorCode say how). */
  latencyMs?: number;
  failedStage?: ServiceStage;
  errorCode?: string;
  /** How long it ran. */
  totalMs?: number;
}

export interface ProbeFacts {
  target: string;
  failedStage?: ServiceStage;
  errorCode?: string;
  errorMessage?: string;
  /** connect + TLS + time to first byte (or connect alone for plain TCP); DNS is the dns check's business. */
  latencyMs?: number;
  /** The second probe after a first latency above SERVICE_SLOW_MS; undefined = not run (not needed, or no time left). */
  recheck?: RecheckFacts;
  statusCode?: number;
  redirectLocation?: string;
}

/**
 * Pure: the SERVICE_SLOW finding for the latencies measured, or a note for SERVICE_OK. Above
 * SERVICE_SLOW_MS it warns only when a second probe was very slow too (judged on the faster of the
 * two), or got no answer after longer than SERVICE_SLOW_MS past its name lookup; a slowness not
 * confirmed (second probe fast, failed otherwise, or no time left for it) is at most info.
 */
export function judgeLatency(latencyMs: number | undefined, recheck: RecheckFacts | undefined): { severity: Severity; message: string } | { note: string } | undefined {
  if (latencyMs === undefined || latencyMs <= SERVICE_HIGH_MS) return undefined;
  if (latencyMs <= SERVICE_SLOW_MS) return { severity: "info", message: `answered in ${latencyMs} ms, high` };
  const r = recheck;
  if (r?.latencyMs !== undefined) {
    const best = Math.min(latencyMs, r.latencyMs);
    const both = `answered in ${latencyMs} ms, then ${r.latencyMs} ms`;
    if (best > SERVICE_SLOW_MS) return { severity: "warn", message: `${both}: very high both times` };
    if (best > SERVICE_HIGH_MS) return { severity: "info", message: `${both}: high` };
    return { note: `a first answer took ${latencyMs} ms, a second ${r.latencyMs} ms: a one-off stall, not counted as slow` };
  }
  const timedOut = r?.errorCode !== undefined && (TIMEOUT_CODES as readonly string[]).includes(r.errorCode) && r.failedStage !== "dns";
  if (r && timedOut && (r.totalMs ?? 0) > SERVICE_SLOW_MS) {
    return { severity: "warn", message: `answered in ${latencyMs} ms; a second probe got no answer within ${r.totalMs} ms` };
  }
  const why = r ? `a second probe ${timedOut ? `gave up after ${r.totalMs ?? "?"} ms` : `failed at ${r.failedStage ?? "?"}: ${r.errorCode ?? "?"}`}` : "no time left for a second probe";
  return { severity: "info", message: `answered in ${latencyMs} ms, very high, not confirmed (${why})` };
}

export function assessService(p: ProbeFacts): FindingOf<"service">[] {
  const findings: FindingOf<"service">[] = [];
  const add = (code: ServiceFindingCode, severity: Severity, message: string) =>
    findings.push({ code, severity, message, subject: p.target });
  if (p.failedStage) {
    const code = classifyServiceError(p.failedStage, p.errorCode);
    add(code, "fail", `${p.failedStage} failed: ${p.errorCode ?? "?"}${p.errorMessage ? ` (${p.errorMessage})` : ""}`);
    return findings;
  }
  const s = p.statusCode;
  if (s !== undefined && s >= 500) add("SERVICE_HTTP_ERROR", "fail", `HTTP ${s} from the server`);
  else if (s !== undefined && s >= 400) add("SERVICE_HTTP_CLIENT_ERROR", "warn", `HTTP ${s}: the server answers but refuses this URL`);
  else if (s !== undefined && s >= 300) add("SERVICE_REDIRECT", "info", `HTTP ${s} redirect to ${p.redirectLocation ?? "(no Location)"} (not followed)`);
  const latency = judgeLatency(p.latencyMs, p.recheck);
  if (latency && "severity" in latency) add("SERVICE_SLOW", latency.severity, latency.message);
  if (!findings.some((f) => f.severity !== "info")) add("SERVICE_OK", "info", latency && "note" in latency ? `the service answered (${latency.note})` : "the service answered");
  return findings;
}
