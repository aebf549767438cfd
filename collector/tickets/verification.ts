// Which run is "the failing run" of a ticket and whether a healthy verification run follows it
// (docs/support-process.md, "Verifying the fix"). Resolve uses it to fill the resolution
// (verificationRunId, cause, segment); verify re-runs the failing run's checks; the comparison defaults
// to the failing run beside the newest run after it (newestRunAfter). Pure: the ticket's runs in, oldest first (as
// Store.listRunsForTicket returns them).
import type { Run } from "../../shared/api.js";
import type { RunComparison } from "../../shared/ticket.js";
import { compareRuns, isHealthyRun } from "./compare-runs.js";

/**
 * A completed run whose verdict found a fault: a segment other than "none", or UNDETERMINED (a failure
 * nothing explains is not healthy, even when no candidate segment could be named).
 */
export function isFailingRun(run: Run): boolean {
  return run.state === "completed" && run.verdict !== undefined && (run.verdict.segment !== "none" || run.verdict.cause === "UNDETERMINED");
}

/** The newest failing run. */
export function failingRun(runs: readonly Run[]): Run | undefined {
  return runs.findLast(isFailingRun);
}

/** The runs created after `run` in the ticket's order (oldest first: created_at, then id). */
function runsAfter(runs: readonly Run[], run: Run): readonly Run[] {
  return runs.slice(runs.indexOf(run) + 1);
}

export interface VerificationState {
  /** The newest failing run; absent when no run found a fault. */
  failing?: Run;
  /**
   * The newest healthy run after the failing one (a completed run with a verdict of nothing wrong and
   * no check still failing that failed before). With no failing run on record, the newest healthy run.
   */
  verification?: Run;
  /** failing beside verification, when both exist. */
  comparison?: RunComparison;
}

export function verificationOf(ticketId: string, runs: readonly Run[]): VerificationState {
  const failing = failingRun(runs);
  const candidates = failing ? runsAfter(runs, failing) : runs;
  for (const run of [...candidates].reverse()) {
    if (!isHealthyRun(run)) continue;
    if (!failing) return { verification: run };
    const comparison = compareRuns(ticketId, failing, run);
    if (comparison.healthy) return { failing, verification: run, comparison };
  }
  return failing ? { failing } : {};
}

/** The part of a resolution the runs decide: which run verified it, and the cause and segment it was diagnosed with. */
export function resolutionFacts(ticketId: string, runs: readonly Run[]): { verificationRunId?: string; cause?: string; segment?: string } {
  const { failing, verification } = verificationOf(ticketId, runs);
  return {
    ...(verification ? { verificationRunId: verification.id } : {}),
    ...(failing?.verdict ? { cause: failing.verdict.cause, segment: failing.verdict.segment } : {}),
  };
}

/** The newest of the ticket's runs created after `run` (any state): the comparison's default "after". */
export function newestRunAfter(runs: readonly Run[], run: Run): Run | undefined {
  return runs.findLast((r) => r.createdAt > run.createdAt || (r.createdAt === run.createdAt && r.id > run.id));
}
