// Human text for step results and verdicts, shared by the agent's `check` and the engineer's CLI so
// both show a diagnosis the same way. Everything a step or verdict carries came from an agent: it is
// built with `term`, which escapes control characters (shared/terminal-text.ts).
import type { StepResult } from "./checks.js";
import { joinTerm, term, type TerminalText } from "./terminal-text.js";
import type { Verdict } from "./verdict.js";

const MARK: Record<StepResult["status"], string> = { ok: "✔", warn: "!", fail: "✘", skipped: "-", error: "E", timeout: "T" };

/** One line per step: mark, check, status, duration, and why (skip reason, error, or warn/fail codes). */
export function formatStep(s: StepResult): TerminalText {
  const codes = s.findings.filter((f) => f.severity !== "info").map((f) => f.code);
  const why = s.status === "skipped" ? s.skipReason : s.status === "error" || s.status === "timeout" ? s.error.message : codes.join(", ");
  const line = term`${MARK[s.status] ?? "?"} ${s.check.padEnd(9)} ${s.status.padEnd(7)} ${String(Math.round(s.durationMs)).padStart(6)} ms`;
  return why ? term`${line}  ${why}` : line;
}

/** The verdict with its evidence, consequences, and next steps (customer texts in `locale`). */
export function formatVerdict(v: Verdict, locale: "en" | "zh-CN" = "en"): TerminalText {
  const lines = [term`VERDICT: ${v.segment.toUpperCase()} — ${v.cause}: ${v.summary}`];
  for (const e of v.evidence) lines.push(term`  evidence: [${e.check}] ${e.code} ${e.detail}`);
  for (const e of v.consequences) lines.push(term`  consequence: [${e.check}] ${e.code} ${e.detail}`);
  if (v.unverified.length) lines.push(term`  not verified: ${v.unverified.join(", ")}`);
  for (const s of v.next_steps.customer) lines.push(term`  customer: ${s[locale]}`);
  for (const s of v.next_steps.engineer) lines.push(term`  engineer: ${s}`);
  return joinTerm(lines);
}
