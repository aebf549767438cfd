// Bench "lab": time to verdict, the figure the engineer waits for on the phone. Builds each variant of
// the network lab (scripts/lab.sh, namespaces only: nothing leaves them), applies each scenario's fault
// (test/lab/scenarios.ts) and runs the real `netdiag-agent check --json` where the variant puts it.
// Per scenario: wall time from process start to exit beside the sum of its steps' durations and the
// slowest step (the checks run in parallel: the slowest one is what a run cannot beat), the time from
// printing the verdict to exit, and whether the verdict matched. Budgets (issue 9): healthy <= 1.5 s,
// a fault <= 5 s, exit <= 0.2 s after printing. Needs root; skipped politely without it.
import { canUseNetns } from "../test/helpers/netns.js";
import { labHandle, parseReport } from "../test/helpers/lab.js";
import { byVariant, expectedCauses, SCENARIOS, type Scenario } from "../test/lab/scenarios.js";
import { fmt, type BenchRow } from "./report.js";

export const BUDGET_MS = { healthy: 1500, fault: 5000, exitAfterVerdict: 200 } as const;

/** --quick: the default network healthy and the six failures reported in issue 9. */
const QUICK = new Set(["default/healthy", "default/isp-uplink-down", "default/nat-missing", "client=udhcpc,snmp=off/dhcp-off-no-address", "default/isp-resolver-down", "default/pc-resolver-misconfigured", "default/pc-firewall-drops-web"]);

interface Measured {
  s: Scenario;
  wallMs: number;
  stepsSumMs: number;
  slowest: { check: string; ms: number };
  exitAfterOutputMs: number;
  got: string;
  match: boolean;
}

function budgetOf(s: Scenario): number {
  return s.expected.segment === "none" ? BUDGET_MS.healthy : BUDGET_MS.fault;
}

function table(ms: readonly Measured[]): string {
  const head = ["scenario", "expected", "agent says", "wall ms", "budget", "steps sum", "slowest step", "exit after verdict"];
  const rows = ms.map((m) => [
    m.s.name,
    `${m.s.expected.segment}/${expectedCauses(m.s).join("|")}`,
    `${m.got}${m.match ? "" : "  MISMATCH"}`,
    `${fmt(m.wallMs)}${m.wallMs > budgetOf(m.s) ? " OVER" : ""}`,
    String(budgetOf(m.s)),
    fmt(m.stepsSumMs),
    `${m.slowest.check} ${fmt(m.slowest.ms)}`,
    `${fmt(m.exitAfterOutputMs)}${m.exitAfterOutputMs > BUDGET_MS.exitAfterVerdict ? " OVER" : ""}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export async function labBench(quick: boolean): Promise<BenchRow[]> {
  if (!(await canUseNetns())) {
    process.stdout.write("skipped: the lab needs root (network namespaces) ");
    return [];
  }
  const scenarios = quick ? SCENARIOS.filter((s) => QUICK.has(s.name)) : SCENARIOS;
  const L = labHandle("ndb");
  const measured: Measured[] = [];
  try {
    for (const group of byVariant(scenarios)) {
      await L.up(group.variant);
      for (const s of group.scenarios) {
        await L.ok(["fault", s.fault], 60_000);
        const run = await L.agentCheck();
        const report = parseReport(run);
        const got = `${report.verdict.segment}/${report.verdict.cause}`;
        const slowest = report.steps.reduce((a, st) => (st.durationMs > a.ms ? { check: st.check, ms: st.durationMs } : a), { check: "-", ms: 0 });
        measured.push({
          s,
          wallMs: run.wallMs,
          stepsSumMs: report.steps.reduce((n, st) => n + st.durationMs, 0),
          slowest,
          exitAfterOutputMs: run.exitAfterOutputMs,
          got,
          match: report.verdict.segment === s.expected.segment && expectedCauses(s).includes(report.verdict.cause),
        });
      }
    }
  } finally {
    await L.run(["down"], 60_000);
  }
  const over = measured.filter((m) => m.wallMs > budgetOf(m.s)).length;
  const slowExit = measured.filter((m) => m.exitAfterOutputMs > BUDGET_MS.exitAfterVerdict).length;
  console.log(`\n\nlab: netdiag-agent check per scenario (budgets: healthy <= ${BUDGET_MS.healthy} ms, fault <= ${BUDGET_MS.fault} ms, exit <= ${BUDGET_MS.exitAfterVerdict} ms after the verdict)\n`);
  console.log(table(measured));
  console.log(`\n${measured.length} scenarios: ${measured.filter((m) => m.match).length} verdicts as expected, ${over} over the wall-time budget, ${slowExit} exit late after the verdict\n`);
  return measured.map((m) => ({
    bench: "lab",
    metric: `check wall, ${m.s.name}`,
    unit: "ms",
    value: m.wallMs,
    baselineName: "slowest step (parallel floor)",
    baseline: m.slowest.ms,
    better: "lower",
    note: `steps sum ${fmt(m.stepsSumMs)} ms, exit ${fmt(m.exitAfterOutputMs)} ms after the verdict, budget ${budgetOf(m.s)} ms; verdict ${m.got}${m.match ? "" : ` (expected ${m.s.expected.segment}/${expectedCauses(m.s).join("|")})`}`,
  }));
}
