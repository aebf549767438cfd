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

export interface ProbeFacts {
  target: string;
  failedStage?: ServiceStage;
  errorCode?: string;
  errorMessage?: string;
  /** connect + TLS + time to first byte (or connect alone for plain TCP); DNS is the dns check's business. */
  latencyMs?: number;
  statusCode?: number;
  redirectLocation?: string;
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
  if (p.latencyMs !== undefined && p.latencyMs > SERVICE_HIGH_MS) {
    const very = p.latencyMs > SERVICE_SLOW_MS;
    add("SERVICE_SLOW", very ? "warn" : "info", `answered in ${p.latencyMs} ms, ${very ? "very" : ""} high`.replace("  ", " "));
  }
  if (!findings.some((f) => f.severity !== "info")) add("SERVICE_OK", "info", "the service answered");
  return findings;
}
