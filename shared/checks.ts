// The closed set of check ids, step statuses and finding codes: the vocabulary both sides share.
import { z } from "zod";

/** Every check the agent knows. The agent refuses any id outside this list. */
export const CHECK_IDS = [
  "host",
  "gateway",
  "dhcp",
  "dns",
  "ping",
  "path",
  "service",
  "snmp",
  "routeros",
] as const;
export const CheckId = z.enum(CHECK_IDS);
export type CheckId = z.infer<typeof CheckId>;

/**
 * ok: measured and healthy; fail: measured and broken (the network, not us); skipped: not measured,
 * with a reason (never evidence of a fault); error: the check itself could not work (a bug, missing
 * binary, bad config); timeout: the check's own budget ran out before it finished.
 */
export const StepStatus = z.enum(["ok", "warn", "fail", "skipped", "error", "timeout"]);
export type StepStatus = z.infer<typeof StepStatus>;

export const Severity = z.enum(["info", "warn", "fail"]);
export type Severity = z.infer<typeof Severity>;

/** A finding code is SCREAMING_SNAKE; each check documents the ones it can emit (README catalogue). */
export const FindingCode = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/);

export const Finding = z.object({
  code: FindingCode,
  severity: Severity,
  /** One line for the engineer, in English. */
  message: z.string().max(1000),
  /** What the finding is about (an interface, a target, a resolver); undefined when global. */
  subject: z.string().max(300).optional(),
});
export type Finding = z.infer<typeof Finding>;

export const StepError = z.object({
  code: FindingCode,
  message: z.string().max(2000),
});
export type StepError = z.infer<typeof StepError>;

/**
 * One completed step (one check run once). `data` is the check's typed measurement; its schema lives
 * with the check (agent/checks/<id>.ts) and is documented in the README catalogue. On the wire it is an
 * opaque JSON object, bounded in size by the frame limit.
 */
export const StepResult = z.object({
  check: CheckId,
  status: StepStatus,
  /** Epoch milliseconds when the step started, from the agent's clock. */
  startedAt: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  findings: z.array(Finding).max(200),
  /** Why a step was skipped; set only when status is "skipped". */
  skipReason: z.string().max(500).optional(),
  error: StepError.optional(),
  data: z.record(z.string(), z.unknown()),
});
export type StepResult = z.infer<typeof StepResult>;
