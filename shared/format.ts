// Human text for step results and verdicts, shared by the agent's `check` and the engineer's CLI so
// both show a diagnosis the same way.
import type { StepResult } from "./checks.js";
import type { Verdict } from "./verdict.js";

const MARK: Record<StepResult["status"], string> = { ok: "✔", warn: "!", fail: "✘", skipped: "-", error: "E", timeout: "T" };

/** One line per step: mark, check, status, duration, and why (skip reason, error, or warn/fail codes). */
export function formatStep(s: StepResult): string {
  const codes = s.findings.filter((f) => f.severity !== "info").map((f) => f.code);
  const why = s.status === "skipped" ? s.skipReason : s.status === "error" || s.status === "timeout" ? s.error.message : codes.join(", ");
  return `${MARK[s.status]} ${s.check.padEnd(9)} ${s.status.padEnd(7)} ${String(Math.round(s.durationMs)).padStart(6)} ms${why ? "  " + why : ""}`;
}

/** The verdict with its evidence, consequences, and next steps (customer texts in `locale`). */
export function formatVerdict(v: Verdict, locale: "en" | "zh-CN" = "en"): string {
  const lines = [`VERDICT: ${v.segment.toUpperCase()} — ${v.cause}: ${v.summary}`];
  for (const e of v.evidence) lines.push(`  evidence: [${e.check}] ${e.code} ${e.detail}`);
  for (const e of v.consequences) lines.push(`  consequence: [${e.check}] ${e.code} ${e.detail}`);
  if (v.unverified.length) lines.push(`  not verified: ${v.unverified.join(", ")}`);
  for (const s of v.next_steps.customer) lines.push(`  customer: ${s[locale]}`);
  for (const s of v.next_steps.engineer) lines.push(`  engineer: ${s}`);
  return lines.join("\n");
}
