// Executes run requests from the collector: acknowledges each (run.received), refuses what it must
// (unknown checks, bad targets, an expired request, no customer grant), otherwise runs the diagnosis
// (agent/diagnose.ts) and emits seq-numbered events, each written to the outbox before it is sent. A
// run id is handled once: the collector re-sends a request until it holds the acknowledgement
// (docs/delivery.md).
import { CheckId, type StepResult } from "../shared/checks.js";
import type { Logger } from "../shared/log.js";
import type { RunEvent, RunRequestFrame } from "../shared/protocol.js";
import type { Verdict } from "../shared/verdict.js";
import { findCheck } from "./checks/index.js";
import { scrubberFor } from "./consent/scrub.js";
import { BadParamsError, buildContext, timeoutOverrides, type ContextDeps } from "./context.js";
import { diagnose, runEventSink } from "./diagnose.js";

/** What an authorizer may report while it decides. */
export interface AuthorizeHooks {
  /** The customer is being asked; `until` is when no answer counts as a refusal. Awaited before asking. */
  asking?: (until: number) => Promise<void>;
}

/** Decides whether the customer authorized this run; the agent is the final enforcement point. */
export type Authorizer = (req: RunRequestFrame, hooks?: AuthorizeHooks) => Promise<{ ok: true } | { ok: false; code: string; reason: string }>;

export interface ExecutorOptions {
  deps: ContextDeps;
  log: Logger;
  /** Puts the event in the outbox and sends it (the link replays it if the send is lost). */
  emit: (ev: RunEvent) => Promise<void>;
  authorize: Authorizer;
  /** Turns the step results into the fault-isolation verdict (streamed last); default the agent's. */
  judge?: (steps: StepResult[]) => Verdict;
  now?: () => number;
  /** True when the run id was handled before, also by an earlier process (the outbox remembers). */
  known?: (runId: string) => boolean;
}

export class RunExecutor {
  private readonly active = new Map<string, AbortController>();
  private readonly seen = new Set<string>();
  /** Every outgoing event passes through it: configured device secrets never leave the agent. */
  private readonly scrub: (ev: RunEvent) => RunEvent;

  constructor(private readonly o: ExecutorOptions) {
    this.scrub = scrubberFor(o.deps.config);
  }

  get activeRuns(): number {
    return this.active.size;
  }

  cancel(runId: string, reason = "cancelled by the engineer"): boolean {
    const ac = this.active.get(runId);
    ac?.abort(new Error(reason));
    return Boolean(ac);
  }

  cancelAll(): void {
    for (const ac of this.active.values()) ac.abort(new Error("agent stopping"));
  }

  /** Resolves when the run has finished (or was refused). Never rejects. */
  async handle(req: RunRequestFrame): Promise<void> {
    // The collector re-sends a request until it has stored our run.received (at least once); here it
    // is run at most once, even after a restart of the agent.
    if (this.seen.has(req.runId) || this.o.known?.(req.runId)) {
      this.o.log.info("run request already handled; ignored", { runId: req.runId });
      return;
    }
    this.seen.add(req.runId);
    const now = this.o.now ?? Date.now;
    let seq = 0;
    const emit = (ev: Record<string, unknown>) => this.o.emit(this.scrub({ runId: req.runId, seq: seq++, at: now(), ...ev } as RunEvent));
    const refuse = async (code: string, reason: string) => {
      this.o.log.warn("run refused", { runId: req.runId, code, reason });
      await emit({ type: "run.refused", code, reason });
    };

    // Durable before anything else: from here on the outbox knows this run id.
    await emit({ type: "run.received" });
    const unknown = req.checks.filter((c) => !CheckId.safeParse(c).success);
    if (unknown.length) return refuse("UNKNOWN_CHECK", `unknown check id(s): ${unknown.join(", ")}; this agent knows ${CheckId.options.join(", ")}`);
    if (req.notAfter < now()) return refuse("REQUEST_EXPIRED", "the run request arrived after its pickup deadline");
    let ctx;
    try {
      ctx = buildContext(this.o.deps, req.params);
    } catch (e) {
      if (e instanceof BadParamsError) return refuse("BAD_PARAMS", e.message);
      throw e;
    }
    // Registered before the customer is asked: a cancel while asking keeps the run from starting.
    const ac = new AbortController();
    this.active.set(req.runId, ac);
    const reasonOf = (sig: AbortSignal) => String((sig.reason as Error | undefined)?.message ?? sig.reason);
    try {
      const decision = await this.o.authorize(req, { asking: (until) => emit({ type: "run.consent", until }) });
      if (!decision.ok) return await refuse(decision.code, decision.reason);
      if (ac.signal.aborted) return void (await emit({ type: "run.finished", outcome: "cancelled", steps: 0, reason: reasonOf(ac.signal) }));
      await emit({ type: "run.accepted" });
      const checks = [...new Set(req.checks)].map((id) => findCheck(id)!);
      await diagnose({ checks, ctx, timeouts: timeoutOverrides(this.o.deps.config), ...(this.o.judge ? { judge: this.o.judge } : {}) }, runEventSink(emit, () => reasonOf(ac.signal)), ac.signal);
    } catch (e) {
      this.o.log.error("run failed", { runId: req.runId, error: e instanceof Error ? e.stack : String(e) });
      await emit({ type: "run.finished", outcome: "failed", steps: 0, reason: `the agent failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000) }).catch(() => undefined);
    } finally {
      this.active.delete(req.runId);
    }
  }
}
