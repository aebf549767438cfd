// The closed set of check ids, step statuses and finding shapes: the vocabulary every step schema is
// built from. Re-exported by shared/checks.ts, which importers use.
import { z } from "zod";

/** Every check the agent knows. The agent refuses any id outside this list. */
export const CHECK_IDS = ["host", "gateway", "dhcp", "dns", "ping", "path", "service", "snmp", "routeros"] as const;
export const CheckId = z.enum(CHECK_IDS);
export type CheckId = z.infer<typeof CheckId>;

/**
 * ok: measured and healthy; warn: measured, degraded; fail: measured and broken (the network, not us);
 * skipped: not measured, with a reason (never evidence of a fault); error: the check itself could not
 * work (a bug, missing binary, bad config); timeout: the check's own budget ran out before it finished.
 */
export const StepStatus = z.enum(["ok", "warn", "fail", "skipped", "error", "timeout"]);
export type StepStatus = z.infer<typeof StepStatus>;

/** The statuses whose data is a complete measurement; the others carry partial (usually empty) data. */
export const MEASURED_STATUSES = ["ok", "warn", "fail"] as const;
export type MeasuredStatus = (typeof MEASURED_STATUSES)[number];

export const Severity = z.enum(["info", "warn", "fail"]);
export type Severity = z.infer<typeof Severity>;

/** Any SCREAMING_SNAKE code. Each check's findings are narrowed to its own closed enum (shared/steps/<id>.ts). */
export const FindingCode = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/);

/** A finding whose code is one of `codes`. */
export const findingOf = <E extends z.ZodType>(codes: E) =>
  z.strictObject({
    code: codes,
    severity: Severity,
    /** One line for the engineer, in English. */
    message: z.string().max(1000),
    /** What the finding is about (an interface, a target, a resolver); undefined when global. */
    subject: z.string().max(300).optional(),
  });

/** A finding of any check (code not narrowed). */
export const Finding = findingOf(FindingCode);
export type Finding = z.infer<typeof Finding>;

export const StepError = z.strictObject({
  code: FindingCode,
  message: z.string().max(2000),
});
export type StepError = z.infer<typeof StepError>;
