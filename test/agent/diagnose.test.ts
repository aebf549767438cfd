// The one diagnosis path (agent/diagnose.ts) with made-up checks and a recording sink: what reaches
// the destination, in which order, and when the verdict is judged.
import { describe, expect, test } from "vitest";
import type { CheckId, StepResult } from "../../shared/checks.js";
import type { Verdict } from "../../shared/verdict.js";
import type { AnyCheck } from "../../agent/checks/types.js";
import { diagnose, runEventSink, teeSink, type DiagnosisSink } from "../../agent/diagnose.js";
import { testCheckContext } from "../helpers/check-context.js";

const verdictOf = (steps: StepResult[]): Verdict => ({
  segment: "none",
  cause: "NONE",
  summary: `${steps.length} steps`,
  evidence: [],
  consequences: [],
  unverified: [],
  next_steps: { customer: [], engineer: [] },
});

/** A check that finishes when `gate` resolves (or at once). */
function check(id: CheckId, gate: Promise<void> = Promise.resolve(), after?: CheckId[]): AnyCheck {
  // Skipped with no data: a valid step of any check (shared/steps/index.ts), so the runner passes it on.
  return { id, title: id, timeoutMs: 60_000, ...(after ? { after } : {}), run: async () => (await gate, { status: "skipped" as const, findings: [], data: {}, skipReason: "test check" }) } as unknown as AnyCheck;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Records every call; step writes can be held until released. */
function recordingSink(holdSteps?: Promise<void>) {
  const calls: string[] = [];
  const sink: DiagnosisSink = {
    async step(r) {
      calls.push(`step:${r.check}:start`);
      await holdSteps;
      calls.push(`step:${r.check}`);
    },
    verdict: (v) => void calls.push(`verdict:${v.summary}`),
    finish: (o, steps) => void calls.push(`finish:${o}:${steps.length}`),
  };
  return { calls, sink };
}

describe("diagnose", () => {
  test("steps in completion order, then the verdict, then finish", async () => {
    const slow = deferred();
    const { ctx } = testCheckContext();
    const { calls, sink } = recordingSink();
    const run = diagnose({ checks: [check("host", slow.promise), check("dns")], ctx, judge: verdictOf }, sink, new AbortController().signal);
    await expect.poll(() => calls).toContain("step:dns");
    expect(calls).not.toContain("step:host");
    slow.resolve();
    const out = await run;
    expect(calls).toEqual(["step:dns:start", "step:dns", "step:host:start", "step:host", "verdict:2 steps", "finish:completed:2"]);
    expect(out).toMatchObject({ outcome: "completed", verdict: { summary: "2 steps" } });
    expect(out.steps.map((s) => s.check)).toEqual(["dns", "host"]);
  });

  test("the verdict is judged the moment the last check ends, not after slow step writes", async () => {
    const writes = deferred();
    const { ctx } = testCheckContext();
    const { calls, sink } = recordingSink(writes.promise);
    let judgedWith: string[] | undefined;
    const judge = (steps: StepResult[]) => {
      judgedWith = [...calls];
      return verdictOf(steps);
    };
    const run = diagnose({ checks: [check("host"), check("dns")], ctx, judge }, sink, new AbortController().signal);
    await expect.poll(() => judgedWith).toBeDefined();
    // Judged while the first step write is still held: nothing written yet but its start.
    expect(judgedWith).toEqual(["step:host:start"]);
    writes.resolve();
    await run;
    // ...and written right behind the steps, in order.
    expect(calls.slice(-2)).toEqual(["verdict:2 steps", "finish:completed:2"]);
  });

  test("a check that reads another waits for it; the sink still sees both", async () => {
    const { ctx } = testCheckContext();
    const { calls, sink } = recordingSink();
    await diagnose({ checks: [check("dhcp", undefined, ["host"]), check("host")], ctx, judge: verdictOf }, sink, new AbortController().signal);
    expect(calls.filter((c) => !c.endsWith(":start"))).toEqual(["step:host", "step:dhcp", "verdict:2 steps", "finish:completed:2"]);
  });

  test("cancelled: no verdict, finish says so", async () => {
    const never = deferred();
    const ac = new AbortController();
    const { ctx } = testCheckContext();
    const { calls, sink } = recordingSink();
    const run = diagnose({ checks: [check("host", never.promise)], ctx, judge: verdictOf }, sink, ac.signal);
    ac.abort(new Error("engineer cancelled"));
    const out = await run;
    expect(out.outcome).toBe("cancelled");
    expect(out.verdict).toBeUndefined();
    expect(calls).toEqual(["step:host:start", "step:host", "finish:cancelled:1"]);
  });

  test("a failing step write is logged; later writes, the verdict and finish still happen", async () => {
    const { ctx, log } = testCheckContext();
    const calls: string[] = [];
    const sink: DiagnosisSink = {
      step: async (r) => {
        if (r.check === "host") throw new Error("disk full");
        calls.push(`step:${r.check}`);
      },
      verdict: () => void calls.push("verdict"),
      finish: () => void calls.push("finish"),
    };
    const gate = deferred();
    const run = diagnose({ checks: [check("host"), check("dns", gate.promise)], ctx, judge: verdictOf }, sink, new AbortController().signal);
    await expect.poll(() => log.lines.some((e) => e.msg === "writing a step failed")).toBe(true);
    gate.resolve();
    await run;
    expect(calls).toEqual(["step:dns", "verdict", "finish"]);
  });

  test("runEventSink: the event shapes of shared/protocol.ts; teeSink: each destination in order", async () => {
    const events: Record<string, unknown>[] = [];
    const order: string[] = [];
    const a = runEventSink(async (ev) => void (events.push(ev), order.push(`a:${String(ev.type)}`)));
    const b: DiagnosisSink = { step: () => void order.push("b:step"), verdict: () => void order.push("b:verdict"), finish: () => void order.push("b:finish") };
    const { ctx } = testCheckContext();
    await diagnose({ checks: [check("host")], ctx, judge: verdictOf }, teeSink(a, b), new AbortController().signal);
    expect(events.map((e) => e.type)).toEqual(["step", "verdict", "run.finished"]);
    expect(events[2]).toEqual({ type: "run.finished", outcome: "completed", steps: 1 });
    expect(order).toEqual(["a:step", "b:step", "a:verdict", "b:verdict", "a:run.finished", "b:finish"]);
  });
});
