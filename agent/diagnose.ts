// The one code path that runs a diagnosis, whatever started it (a remote run, an offline run for a
// ticket, `netdiag-agent check`): run the plan, hand each step to the sink the moment it completes,
// judge the verdict the moment the last step is in, then close. The destination (the collector
// link, the offline spool, the terminal) is the sink; nothing here knows which.
import type { CheckId, StepResult } from "../shared/checks.js";
import type { Verdict } from "../shared/verdict.js";
import type { AnyCheck, CheckContext } from "./checks/types.js";
import { runPlan } from "./runner/run-plan.js";
import { isolateFault } from "./verdict/isolate-fault.js";

export type DiagnosisOutcome = "completed" | "cancelled";

/** Where a diagnosis goes. Calls arrive one at a time, in order: every step, the verdict, finish. */
export interface DiagnosisSink {
  step(result: StepResult): void | Promise<void>;
  /** Not called when the run was cancelled (a verdict on a partial run would mislead). */
  verdict(verdict: Verdict): void | Promise<void>;
  finish(outcome: DiagnosisOutcome, steps: readonly StepResult[]): void | Promise<void>;
}

export interface DiagnosisPlan {
  checks: readonly AnyCheck[];
  /** Context shared by every check (targets with the run's params applied, system view, clock…). */
  ctx: Omit<CheckContext, "earlier">;
  /** Per-check budget overrides (ms). */
  timeouts?: Partial<Record<CheckId, number>>;
  /** Step results to verdict; default the agent's fault isolation. */
  judge?: (steps: StepResult[]) => Verdict;
}

export interface Diagnosis {
  outcome: DiagnosisOutcome;
  steps: StepResult[];
  /** undefined when the run was cancelled. */
  verdict?: Verdict;
}

/**
 * Runs the diagnosis. Sink calls are queued so a slow destination (an fsync per event) never holds
 * a check back, and the verdict is judged as soon as the last check ends, not after the writes of
 * the steps before it; it is then written right behind them. A failing step write is logged and the
 * run goes on (the step is lost to that destination, not to the others); a failing verdict or finish
 * write rejects, for the caller to report.
 */
export async function diagnose(plan: DiagnosisPlan, sink: DiagnosisSink, signal: AbortSignal): Promise<Diagnosis> {
  const log = plan.ctx.log;
  let queue: Promise<void> = Promise.resolve();
  /** Runs `write` after every earlier one has settled; a failure never blocks the writes behind it. */
  const enqueue = (write: () => void | Promise<void>): Promise<void> => {
    const next = queue.then(write);
    queue = next.catch(() => undefined);
    return next;
  };

  const steps = await runPlan({
    checks: plan.checks,
    ctx: plan.ctx,
    signal,
    ...(plan.timeouts ? { timeouts: plan.timeouts } : {}),
    onStep: (result) => {
      enqueue(() => sink.step(result)).catch((e: unknown) => log.error("writing a step failed", { check: result.check, error: String(e) }));
    },
  });
  const outcome: DiagnosisOutcome = signal.aborted ? "cancelled" : "completed";
  const verdict = outcome === "completed" ? (plan.judge ?? isolateFault)(steps) : undefined;
  if (verdict) await enqueue(() => sink.verdict(verdict));
  await enqueue(() => sink.finish(outcome, steps));
  return { outcome, steps, ...(verdict ? { verdict } : {}) };
}

/** A sink that writes run events (remote and offline runs share the event shapes of shared/protocol.ts). */
export function runEventSink(emit: (ev: Record<string, unknown>) => Promise<void>, cancelReason?: () => string): DiagnosisSink {
  return {
    step: (result) => emit({ type: "step", result }),
    verdict: (verdict) => emit({ type: "verdict", verdict }),
    // A cancelled run says why (the engineer cancelled, the customer revoked the grant...).
    finish: (outcome, steps) => emit({ type: "run.finished", outcome, steps: steps.length, ...(outcome === "cancelled" && cancelReason ? { reason: cancelReason() } : {}) }),
  };
}

/** Several destinations at once (the terminal and the offline spool), each call in order to each. */
export function teeSink(...sinks: DiagnosisSink[]): DiagnosisSink {
  return {
    async step(r) {
      for (const s of sinks) await s.step(r);
    },
    async verdict(v) {
      for (const s of sinks) await s.verdict(v);
    },
    async finish(o, steps) {
      for (const s of sinks) await s.finish(o, steps);
    },
  };
}
