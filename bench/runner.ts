// Bench 4: the agent's own cost per run. runPlan over the whole registry with every check replaced by
// a no-op (so only the runner's budgets, signals, ordering and onStep remain) plus isolateFault on the
// results, against Promise.all of the same no-op functions. And isolateFault alone on a healthy full
// diagnosis, against JSON.stringify of the same steps (the cost of merely sending them).
import { checks } from "../agent/checks/index.js";
import type { AnyCheck, CheckContext } from "../agent/checks/types.js";
import { AgentTargets } from "../agent/config.js";
import type { Spawner } from "../agent/system/spawn.js";
import type { SystemView } from "../agent/system/system-view.js";
import { runPlan } from "../agent/runner/run-plan.js";
import { isolateFault } from "../agent/verdict/isolate-fault.js";
import { createLogger } from "../shared/log.js";
import { keep, opsPerSecond, paired, type BenchRow } from "./report.js";
import { healthyDiagnosis } from "./steps.js";

// Skipped, so its empty data is valid under every check's schema (the runner validates each step).
const noop = async () => ({ status: "skipped" as const, findings: [], data: {}, skipReason: "bench no-op" });

/** Awaits fn one call at a time until minMs passed (after a warm-up); calls/s. */
async function asyncOpsPerSecond(fn: () => Promise<unknown>, minMs: number): Promise<number> {
  for (let i = 0; i < 200; i++) keep(await fn());
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    for (let i = 0; i < 100; i++) keep(await fn());
    ops += 100;
  }
  return ops / ((performance.now() - t0) / 1000);
}

export async function runnerBench(quick: boolean): Promise<BenchRow[]> {
  // Per round and side; three paired rounds each (report.ts paired()).
  const minMs = quick ? 100 : 500;
  const noopChecks = checks.map((c) => ({ ...c, run: noop })) as AnyCheck[];
  // Loopback-only targets: the no-op checks read nothing, but no public default may leak into a bench.
  const targets = AgentTargets.parse({ anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1"], names: ["localhost"] });
  const ctx: Omit<CheckContext, "earlier"> = {
    targets,
    params: {},
    // Never called: every check here is a no-op.
    system: {} as SystemView,
    spawn: (() => {
      throw new Error("no-op checks spawn nothing");
    }) as unknown as Spawner,
    now: Date.now,
    log: createLogger("bench", "silent"),
    privileged: false,
  };
  const signal = new AbortController().signal;
  const run = await paired(
    () => asyncOpsPerSecond(async () => isolateFault(await runPlan({ checks: noopChecks, ctx, signal, onStep: () => {} })), minMs),
    () => asyncOpsPerSecond(() => Promise.all(noopChecks.map((c) => c.run({ ...ctx, earlier: {} }, signal))), minMs),
  );

  const steps = healthyDiagnosis();
  const verdict = isolateFault(steps);
  if (verdict.segment !== "none") throw new Error(`the healthy diagnosis should give segment none, got ${verdict.segment} (${verdict.cause})`);
  const v = await paired(
    () => opsPerSecond(() => isolateFault(steps), minMs),
    () => opsPerSecond(() => JSON.stringify(steps), minMs),
  );
  return [
    { bench: "runner", metric: `runPlan+verdict, ${noopChecks.length} no-op checks`, unit: "runs/s", ...run, baselineName: "Promise.all of the no-ops", better: "higher", note: `${(1e6 / run.value).toFixed(1)} us per run vs ${(1e6 / run.baseline).toFixed(1)} us` },
    { bench: "runner", metric: `isolateFault, ${steps.length} healthy steps`, unit: "calls/s", ...v, baselineName: "JSON.stringify same steps", better: "higher", note: `${(1e6 / v.value).toFixed(1)} us per verdict` },
  ];
}
