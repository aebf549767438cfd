// A run whose step results the retention removed says so wherever a person reads it: the engineer CLI
// and the web console's run section (en and zh-CN), instead of "no step has arrived yet".
import { describe, expect, test } from "vitest";
import type { Run } from "../../../shared/api.js";
import { t, type Locale } from "../../../shared/i18n/index.js";
import { formatRun } from "../../../cli/format.js";
import { runSection } from "../../../collector/web/desk/run-view.js";
import { judge, REPAIRED } from "../tickets/desk-fixtures.js";

const AT = Date.UTC(2024, 4, 2, 3, 0, 0);
const run: Run = {
  id: "run_pruned00001",
  ticketId: "tk_pruned00001",
  agentId: "ag_pruned00001",
  checks: ["host", "dns"],
  params: {},
  state: "completed",
  requestedBy: "alice",
  createdAt: AT - 40 * 86_400_000,
  updatedAt: AT - 40 * 86_400_000,
  pickupBy: AT,
  offline: false,
  verdict: judge(REPAIRED()),
  steps: [],
  stepsPruned: { at: AT, steps: 9 },
};

const view = (lang: Locale) => ({ lang, t: (k: Parameters<typeof t>[1], vars?: Record<string, string | number>) => t(lang, k, vars), principal: undefined, csrf: "", now: AT, path: "/" });

describe("a pruned run, read by a person", () => {
  test("the CLI names how many results went and when, and still prints the verdict", () => {
    const text = formatRun(run).text;
    expect(text).toContain("(9 step results removed by the retention setting on 2024-05-02T03:00:00.000Z; the verdict is kept)");
    expect(text).toMatch(/NONE/);
  });

  test.each([
    ["en", /9 step results were removed by the retention setting on .*; the verdict is kept\./],
    ["zh-CN", /9 条检查结果已于 .* 按保留期限删除/],
  ] as const)("the web console (%s)", async (lang, expected) => {
    const html = String(await runSection(view(lang), run));
    expect(html).toMatch(expected);
    expect(html).not.toContain(t(lang, "desk.run.noSteps"));
  });
});
