// `netdiag-agent doctor`'s result: one finding per prerequisite, each a closed code the texts in
// shared/i18n/customer.ts explain (doctor.code.X) and, unless it is fine, say how to fix (doctor.fix.X).

export const DOCTOR_CHECKS = ["config", "outbox", "ping", "privileges", "collector", "clock"] as const;
export type DoctorCheckId = (typeof DOCTOR_CHECKS)[number];

/**
 * ok: in place. warn: works, but something is worse than it could be (exit code unaffected).
 * fail: something to fix (exit 1). skip: could not be looked at because an earlier finding failed.
 */
export type DoctorStatus = "ok" | "warn" | "fail" | "skip";

export const DOCTOR_CODES = [
  "CONFIG_OK", "CONFIG_MISSING", "CONFIG_UNREADABLE", "CONFIG_INVALID", "CONFIG_TOO_OPEN",
  "OUTBOX_OK", "OUTBOX_NONE_YET", "OUTBOX_UNREADABLE", "OUTBOX_DAMAGED", "OUTBOX_FULL", "STATE_DIR_NOT_WRITABLE",
  "PING_OK", "PING_BINARY_MISSING", "PING_NOT_PERMITTED", "PING_LOOPBACK_FAILED", "PING_NO_DF", "PING_NO_TTL",
  "PRIVILEGES_ROOT", "PRIVILEGES_CAPS", "PRIVILEGES_PARTIAL", "PRIVILEGES_MISSING",
  "COLLECTOR_PINNED", "COLLECTOR_SYSTEM_CA", "COLLECTOR_LOOPBACK_PLAIN", "COLLECTOR_PLAIN_INSECURE", "NOT_ENROLLED",
  "COLLECTOR_UNREACHABLE", "COLLECTOR_CERT_UNTRUSTED", "COLLECTOR_PIN_INVALID", "COLLECTOR_PIN_EXPIRED", "COLLECTOR_HTTP_ERROR",
  "CLOCK_OK", "CLOCK_SKEWED", "CLOCK_UNKNOWN",
  /** skip: the config could not be used, so this was not looked at. */
  "NEEDS_CONFIG",
] as const;
export type DoctorCode = (typeof DOCTOR_CODES)[number];

export interface DoctorFinding {
  check: DoctorCheckId;
  status: DoctorStatus;
  code: DoctorCode;
  /** Values for the code's text placeholders (paths, error codes, minutes). */
  vars: Record<string, string | number>;
}

export const finding = (check: DoctorCheckId, status: DoctorStatus, code: DoctorCode, vars: Record<string, string | number> = {}): DoctorFinding => ({ check, status, code, vars });
