// The verdict proven in the network lab, scenario by scenario (test/lab/scenarios.ts): each variant of
// the customer's network is built once, then for each of its faults the real agent runs where the
// variant puts it (`netdiag-agent check --json`) and must name the expected segment and cause, with
// an exit code that says "fault" for anything but none. Needs root (network namespaces); the lab
// waits for every fault's effect itself (SNMP caches, helpers bound), so no test sleeps.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { labHandle, parseReport, stepsLine } from "../helpers/lab.js";
import { LAB_SKIP, titled } from "../helpers/system-deps.js";
import { byVariant, expectedCauses, SCENARIOS, SHARDS, type Scenario } from "./scenarios.js";


export function verdictSuite(shard: keyof typeof SHARDS): void {
  const scenarios = SCENARIOS.filter(SHARDS[shard]);
  describe.skipIf(!!LAB_SKIP)(titled(`verdict per lab scenario, ${shard} (real agent where the variant puts it)`, LAB_SKIP), () => {
    const L = labHandle("ndv");
    afterAll(async () => {
      await L.run(["down"], 60_000);
    }, 90_000);

    for (const group of byVariant(scenarios)) {
      describe(`variant ${group.variant}`, () => {
        beforeAll(async () => {
          await L.up(group.variant);
          // The table's variant string is the lab's canonical one (so the bench and docs agree).
          expect(await L.variant()).toBe(group.variant);
        }, 120_000);

        test.each(group.scenarios.map((s) => [s.fault, s] as const))("%s", async (_fault: string, s: Scenario) => {
          await L.ok(["fault", s.fault], 60_000);
          const run = await L.agentCheck();
          const report = parseReport(run);
          const v = report.verdict;
          const got = `${v.segment}/${v.cause}`;
          const context = `${s.name}: ${s.why}\n  agent: ${got} exit ${run.code}, evidence ${v.evidence.map((e) => `${e.check}:${e.code}`).join(",") || "-"}\n  steps: ${stepsLine(report.steps)}`;
          expect(expectedCauses(s).map((c) => `${s.expected.segment}/${c}`), context).toContain(got);
          expect(run.code, context).toBe(s.expected.segment === "none" ? 0 : 1);
          // Every step the verdict rests on was really measured (not skipped / errored).
          for (const e of v.evidence) {
            const step = report.steps.find((x) => x.check === e.check);
            expect(step && ["ok", "warn", "fail"].includes(step.status), `${context}\n  evidence from an unmeasured step: ${e.check}`).toBe(true);
          }
        }, 120_000);
      });
    }
  });
}
