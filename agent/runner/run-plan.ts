// Runs the requested checks: independent ones in parallel, a check that reads another's result after
// it. Each step gets its own budget; a timeout aborts the check's signal (cancelling its work, not
// just the wait), and a thrown error becomes status "error" with a code, never a crashed run.
import { setMaxListeners } from "node:events";
import { z } from "zod";
import { StepResult, type CheckId, type StepResultOf } from "../../shared/checks.js";
import type { AnyCheck, CheckContext } from "../checks/types.js";

export interface RunPlanOptions {
  checks: readonly AnyCheck[];
  /** Context shared by every check; `earlier` is filled in by the runner. */
  ctx: Omit<CheckContext, "earlier">;
  signal: AbortSignal;
  /** Per-check budget overrides (ms). */
  timeouts?: Partial<Record<CheckId, number>>;
  /** Called the moment each step completes, in completion order. */
  onStep?: (result: StepResult) => void | Promise<void>;
}

/** Runs every check once; resolves when all have settled (or been cancelled). Never rejects. */
export async function runPlan(opts: RunPlanOptions): Promise<StepResult[]> {
  const { checks, ctx, signal } = opts;
  const requested = new Set(checks.map((c) => c.id));
  const earlier: CheckContext["earlier"] = {};
  const done = new Map<CheckId, Promise<StepResult>>();
  const results: StepResult[] = [];

  const start = (check: AnyCheck): Promise<StepResult> => {
    const existing = done.get(check.id);
    if (existing) return existing;
    const p = (async () => {
      // Wait for the checks this one reads, but only those in this run: an unrequested one stays
      // undefined in ctx.earlier, and the check must treat that as "not measured".
      const deps = (check.after ?? []).filter((d) => requested.has(d) && d !== check.id);
      await Promise.all(deps.map((d) => start(checks.find((c) => c.id === d)!)));
      // Or wait mid-run (ctx.waitFor), doing its own work meanwhile; again only for checks in this run.
      const waitFor = <C extends CheckId>(id: C) =>
        (requested.has(id) && id !== check.id ? start(checks.find((c) => c.id === id)!) : Promise.resolve(undefined)) as Promise<StepResultOf<C> | undefined>;
      const result = await runOne(check, { ...ctx, earlier, waitFor }, signal, opts.timeouts?.[check.id]);
      (earlier as Partial<Record<CheckId, StepResult>>)[result.check] = result;
      results.push(result);
      try {
        await opts.onStep?.(result);
      } catch (e) {
        ctx.log.error("onStep handler failed", { check: check.id, error: String(e) });
      }
      return result;
    })();
    done.set(check.id, p);
    return p;
  };

  await Promise.all(checks.map(start));
  return results;
}

/** Runs a single check under its budget and maps every way it can end to a StepResult. */
export async function runOne(
  check: AnyCheck,
  ctx: CheckContext,
  runSignal: AbortSignal,
  timeoutOverrideMs?: number,
): Promise<StepResult> {
  const startedAt = ctx.now();
  const t0 = performance.now();
  const budgetMs = timeoutOverrideMs ?? check.timeoutMs;
  const local = new AbortController();
  // Checks fan out (path pings many targets at once), each probe listening on this one signal.
  setMaxListeners(100, local.signal);
  const timer = setTimeout(() => local.abort(new CheckTimeout(budgetMs)), budgetMs);
  const onRunAbort = () => local.abort(runSignal.reason);
  if (runSignal.aborted) local.abort(runSignal.reason);
  else runSignal.addEventListener("abort", onRunAbort, { once: true });

  const base = { check: check.id, startedAt };
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  try {
    if (local.signal.aborted) throw local.signal.reason;
    // Race the check against its signal so a check that ignores the signal still cannot hold the run.
    const outcome = await Promise.race([check.run(ctx, local.signal), abortedPromise(local.signal)]);
    if (outcome.status === "skipped" && !outcome.skipReason) {
      return toStep({ ...base, status: "error", durationMs: elapsed(), findings: outcome.findings, data: outcome.data, error: { code: "SKIP_WITHOUT_REASON", message: `check ${check.id} skipped without saying why` } }, ctx);
    }
    return toStep(
      {
        ...base,
        status: outcome.status,
        durationMs: elapsed(),
        findings: outcome.findings,
        data: outcome.data,
        ...(outcome.skipReason ? { skipReason: outcome.skipReason } : {}),
      },
      ctx,
    );
  } catch (e) {
    const reason = local.signal.aborted ? local.signal.reason : e;
    if (reason instanceof CheckTimeout) {
      return toStep({ ...base, status: "timeout", durationMs: elapsed(), findings: [], data: {}, error: { code: "CHECK_TIMEOUT", message: `check ${check.id} exceeded its ${budgetMs} ms budget` } }, ctx);
    }
    if (runSignal.aborted) {
      return toStep({ ...base, status: "skipped", durationMs: elapsed(), findings: [], data: {}, skipReason: "run cancelled" }, ctx);
    }
    ctx.log.error("check threw", { check: check.id, error: e instanceof Error ? e.stack : String(e) });
    return toStep({ ...base, status: "error", durationMs: elapsed(), findings: [], data: {}, error: { code: errorCode(e), message: (e instanceof Error ? e.message : String(e)).slice(0, 2000) } }, ctx);
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener("abort", onRunAbort);
  }
}

/**
 * Every step leaves through the schema it travels under (shared/steps/): a check whose data or finding
 * codes do not match it is a bug, reported as status "error" (STEP_DATA_INVALID) instead of a frame the
 * collector would refuse.
 */
function toStep(raw: { check: CheckId; startedAt: number; durationMs: number; [field: string]: unknown }, ctx: CheckContext): StepResult {
  const parsed = StepResult.safeParse(raw);
  if (parsed.success) return parsed.data;
  const message = z.prettifyError(parsed.error).slice(0, 2000);
  ctx.log.error("check returned data outside its schema", { check: raw.check, error: message });
  return { check: raw.check, status: "error", startedAt: raw.startedAt, durationMs: raw.durationMs, findings: [], data: {}, error: { code: "STEP_DATA_INVALID", message } } as StepResult;
}

export class CheckTimeout extends Error {
  constructor(readonly budgetMs: number) {
    super(`check budget of ${budgetMs} ms exceeded`);
    this.name = "CheckTimeout";
  }
}

function abortedPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function errorCode(e: unknown): string {
  const c = (e as { code?: unknown })?.code;
  if (typeof c === "string" && /^[A-Z][A-Z0-9_]{1,63}$/.test(c)) return c;
  return "CHECK_CRASHED";
}
