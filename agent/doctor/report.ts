// doctor's output: each finding in the customer's language with what to fix, or one JSON document.
import { t, TEXT_TABLE, type Locale, type TextKey } from "../consent/i18n.js";
import { DOCTOR_CHECKS, type DoctorFinding, type DoctorStatus } from "./types.js";

export interface DoctorLine extends DoctorFinding {
  message: string;
  /** What to do; only for a finding that is not fine. */
  fix?: string;
}

const MARK: Record<DoctorStatus, string> = { ok: "✔", warn: "!", fail: "✘", skip: "-" };

export function describeFinding(locale: Locale, f: DoctorFinding): DoctorLine {
  const message = t(locale, `doctor.code.${f.code}` as TextKey, f.vars);
  const fixKey = `doctor.fix.${f.code}`;
  const fix = f.status === "warn" || f.status === "fail" ? (fixKey in TEXT_TABLE ? t(locale, fixKey as TextKey, f.vars) : undefined) : undefined;
  return { ...f, message, ...(fix ? { fix } : {}) };
}


export function formatDoctor(locale: Locale, configPath: string, findings: readonly DoctorFinding[]): string {
  const width = Math.max(...DOCTOR_CHECKS.map((c) => c.length));
  const lines = [t(locale, "doctor.title", { path: configPath })];
  for (const f of findings.map((x) => describeFinding(locale, x))) {
    lines.push(`${MARK[f.status]} ${f.check.padEnd(width)}  ${f.message}`);
    // "fix:" then a space; the Chinese label ends in a full-width colon, which needs none.
    const label = t(locale, "doctor.fixLabel");
    if (f.fix) lines.push(`  ${" ".repeat(width)}  ${label}${label.endsWith("：") ? "" : " "}${f.fix}`);
  }
  const toFix = findings.filter((f) => f.status === "fail").length;
  lines.push(toFix ? t(locale, "doctor.toFix", { n: toFix }) : t(locale, "doctor.allGood"));
  return lines.join("\n");
}

export function doctorJson(locale: Locale, configPath: string, findings: readonly DoctorFinding[]): string {
  return JSON.stringify({ ok: !findings.some((f) => f.status === "fail"), config: configPath, findings: findings.map((f) => describeFinding(locale, f)) }, null, 2);
}
