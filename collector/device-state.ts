// The collected device state of one agent's site, for the field technician: the newest measured
// result of every check, the run history with verdicts, and what changed since the last good run.
// Pure: runs in, state out.
import type { Agent, DeviceState, Run } from "../shared/api.js";
import type { StepResult } from "../shared/checks.js";

const MEASURED = new Set(["ok", "warn", "fail"]);

/** `runs` newest first, as Store.listRunsForAgent returns them. */
export function deviceState(agent: Agent, runs: readonly Run[]): DeviceState {
  const latest: DeviceState["latest"] = {};
  for (const run of runs) {
    for (const { result } of run.steps) {
      if (!MEASURED.has(result.status) || latest[result.check]) continue;
      latest[result.check] = { runId: run.id, at: result.startedAt, status: result.status, findings: result.findings, data: result.data };
    }
  }
  const finished = runs.filter((r) => r.state === "completed" && r.verdict);
  const lastGood = finished.find((r) => r.verdict!.segment === "none");
  const newest = finished[0];
  return {
    agent,
    latest,
    runs: runs.map((r) => ({
      id: r.id,
      ticketId: r.ticketId,
      createdAt: r.createdAt,
      state: r.state,
      offline: r.offline,
      ...(r.verdict ? { verdict: { segment: r.verdict.segment, cause: r.verdict.cause, summary: r.verdict.summary } } : {}),
    })),
    ...(lastGood ? { lastGoodRunId: lastGood.id } : {}),
    changes: newest && lastGood && newest !== lastGood ? diffRuns(lastGood, newest) : [],
  };
}

/** Per check measured in both runs: status changes, and warn/fail findings that appeared or cleared. */
export function diffRuns(before: Run, after: Run): DeviceState["changes"] {
  const byCheck = (r: Run) => new Map<string, StepResult>(r.steps.filter((s) => MEASURED.has(s.result.status)).map((s) => [s.result.check, s.result]));
  const a = byCheck(before);
  const b = byCheck(after);
  const changes: DeviceState["changes"] = [];
  for (const [check, now] of b) {
    const then = a.get(check);
    if (!then) continue;
    if (then.status !== now.status) changes.push({ check, kind: "status", detail: `${then.status} → ${now.status}` });
    const key = (f: StepResult["findings"][number]) => `${f.code}|${f.subject ?? ""}`;
    const problems = (s: StepResult) => new Map(s.findings.filter((f) => f.severity !== "info").map((f) => [key(f), f]));
    const was = problems(then);
    const is = problems(now);
    for (const [k, f] of is) if (!was.has(k)) changes.push({ check, kind: "appeared", detail: `${f.code}: ${f.message}` });
    for (const [k, f] of was) if (!is.has(k)) changes.push({ check, kind: "cleared", detail: `${f.code}: ${f.message}` });
  }
  return changes;
}
