// The verify-fix comparison (docs/support-process.md, "Verifying the fix"): the failing run beside the
// run after the repair, check by check: what was fixed, what still fails, what newly fails, and which
// finding codes cleared, remained or appeared. Pure: two runs in, a RunComparison out.
import type { Run } from "../../shared/api.js";
import type { StepResult } from "../../shared/checks.js";
import type { ComparisonRow, RunComparison } from "../../shared/ticket.js";

type Step = Run["steps"][number]["result"];

/** Measured statuses; skipped/error/timeout measured nothing, so they are never compared. */
const MEASURED = new Set<string>(["ok", "warn", "fail"]);
/** A measured step with a problem: degraded (warn) or broken (fail). */
const PROBLEM = new Set<string>(["warn", "fail"]);

/** The run's last step of each check, in the order the checks first appear. */
function stepsByCheck(run: Run): Map<string, Step> {
  const out = new Map<string, Step>();
  for (const { result } of run.steps) out.set(result.check, result);
  return out;
}

/** The warn/fail finding codes of a step (info findings are remarks, not problems). */
function problemCodes(s: Step | undefined): Set<string> {
  return new Set((s?.findings ?? []).filter((f: StepResult["findings"][number]) => f.severity !== "info").map((f) => f.code));
}

function changeOf(before: Step | undefined, after: Step | undefined): ComparisonRow["change"] {
  if (!before || !after || !MEASURED.has(before.status) || !MEASURED.has(after.status)) return "not_compared";
  const was = PROBLEM.has(before.status);
  const is = PROBLEM.has(after.status);
  if (was && is) return "still_failing";
  if (was) return "fixed";
  if (is) return "new_failure";
  return "still_ok";
}

/** A run that proves the line healthy: it completed and its verdict found nothing (not an undetermined one). */
export function isHealthyRun(run: Run): boolean {
  return run.state === "completed" && run.verdict?.segment === "none" && run.verdict.cause !== "UNDETERMINED";
}

export function compareRuns(ticketId: string, before: Run, after: Run): RunComparison {
  const b = stepsByCheck(before);
  const a = stepsByCheck(after);
  const checks = [...new Set([...b.keys(), ...a.keys()])];
  const rows: ComparisonRow[] = checks.map((check) => {
    const was = b.get(check);
    const is = a.get(check);
    const wasCodes = problemCodes(was);
    const isCodes = problemCodes(is);
    return {
      check,
      ...(was ? { before: was.status } : {}),
      ...(is ? { after: is.status } : {}),
      change: changeOf(was, is),
      cleared: [...wasCodes].filter((c) => !isCodes.has(c)),
      remaining: [...wasCodes].filter((c) => isCodes.has(c)),
      appeared: [...isCodes].filter((c) => !wasCodes.has(c)),
    };
  });
  const verdictOf = (r: Run) => (r.verdict ? { segment: r.verdict.segment, cause: r.verdict.cause } : {});
  return {
    ticketId,
    before: { runId: before.id, createdAt: before.createdAt, ...verdictOf(before) },
    after: { runId: after.id, createdAt: after.createdAt, state: after.state, ...verdictOf(after) },
    rows,
    healthy: isHealthyRun(after) && !rows.some((r) => r.change === "still_failing"),
  };
}
