// A customer's agent for the desk tests: the REAL link client (test/helpers/fake-agent.ts: real
// WebSocket, Bearer auth, outbox, acks) enrolled with a real one-time code, whose checks are scripted:
// the test decides when each step leaves, so it can see steps land one at a time. The steps are real
// shaped StepResults (the verdict engine's fixtures, valid against shared/steps) and the verdict is the
// real agent/verdict isolateFault over exactly the steps sent.
import { Enrolled, EnrollmentCreated } from "../../shared/api.js";
import type { StepResult } from "../../shared/checks.js";
import { httpJson } from "../../shared/http-client.js";
import type { RunRequestFrame } from "../../shared/protocol.js";
import { isolateFault } from "../../agent/verdict/isolate-fault.js";
import { AGENT_VERSION } from "../../agent/version.js";
import { dns, healthy, path, service, snmp, step } from "../agent/verdict/fixtures.js";
import { startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import type { TestCollector } from "../helpers/collector.js";

/** Durations a real run takes (ms): the step table shows them. */
const TOOK: Record<string, number> = { host: 41, gateway: 1180, dhcp: 3520, dns: 2410, ping: 4030, path: 9120, service: 3100, snmp: 860, routeros: 12 };

/** The access line is down: the modem reports its WAN down, nothing beyond the router answers. */
export function wanDownSteps(): Record<string, StepResult> {
  return { ...healthy(), snmp: snmp.wanDown(), dns: dns.allDead(), path: path({ hop: "none", anchors: { ok: false } }), service: service("SERVICE_DNS_FAILED") };
}
/** After the repair: everything answers. */
export const healthySteps = (): Record<string, StepResult> => healthy();

export interface ScriptedRun {
  req: RunRequestFrame;
  /** The steps for the run's checks, in the order requested (a check the script has no step for: skipped, not configured). */
  steps: StepResult[];
}

export class ScriptedAgent {
  private waiting: ((r: RunRequestFrame) => void)[] = [];
  private queued: RunRequestFrame[] = [];
  private seq = new Map<string, number>();
  constructor(readonly agent: FakeAgent) {}

  get id(): string {
    return this.agent.agentId;
  }

  /** Called by the link for every run.request frame. */
  onRequest(r: RunRequestFrame): void {
    const w = this.waiting.shift();
    if (w) w(r);
    else this.queued.push(r);
  }

  /** The next run the collector sends this agent. */
  nextRun(): Promise<RunRequestFrame> {
    const q = this.queued.shift();
    return q ? Promise.resolve(q) : new Promise((r) => this.waiting.push(r));
  }

  private async emit(runId: string, ev: Record<string, unknown>): Promise<void> {
    const seq = this.seq.get(runId) ?? 0;
    this.seq.set(runId, seq + 1);
    await this.agent.emit({ runId, seq, at: Date.now(), ...ev } as never);
    await this.agent.drained();
  }

  /** received + accepted (the customer's grant covers it): the run is running. */
  async accept(req: RunRequestFrame): Promise<void> {
    await this.emit(req.runId, { type: "run.received" });
    await this.emit(req.runId, { type: "run.accepted" });
  }

  /** The run's steps from a script (by check). */
  plan(req: RunRequestFrame, script: Record<string, StepResult>): ScriptedRun {
    const now = Date.now();
    const steps = req.checks.map((c) => ({ ...(script[c] ?? step(c as never, "skipped")), startedAt: now, durationMs: TOOK[c] ?? 10 }) as StepResult);
    return { req, steps };
  }

  /** One step, stored by the collector (acknowledged) before this resolves. */
  async sendStep(run: ScriptedRun, i: number): Promise<void> {
    await this.emit(run.req.runId, { type: "step", result: run.steps[i]! });
  }

  /** The verdict of the real engine over the steps sent, then run.finished. */
  async finish(run: ScriptedRun): Promise<ReturnType<typeof isolateFault>> {
    const verdict = isolateFault(run.steps);
    await this.emit(run.req.runId, { type: "verdict", verdict });
    await this.emit(run.req.runId, { type: "run.finished", outcome: "completed", steps: run.steps.length });
    return verdict;
  }

  /** A whole run: accept, every step, verdict, finished. */
  async complete(req: RunRequestFrame, script: Record<string, StepResult>): Promise<ReturnType<typeof isolateFault>> {
    await this.accept(req);
    const run = this.plan(req, script);
    for (let i = 0; i < run.steps.length; i++) await this.sendStep(run, i);
    return this.finish(run);
  }

  stop(): Promise<void> {
    return this.agent.stop();
  }
}

/** Enrolls an agent for the ticket with a one-time code (as the customer would) and connects it. */
export async function connectAgent(tc: TestCollector, ticketId: string, code?: string): Promise<ScriptedAgent> {
  const c = code ?? (await tc.api("/api/enrollments", EnrollmentCreated, { body: { ticketId } })).code;
  const creds = await httpJson(`${tc.url}/api/agents/enroll`, Enrolled, { body: { code: c, name: "wang-pc", hostname: "wang-pc", agentVersion: AGENT_VERSION } });
  let scripted: ScriptedAgent | undefined;
  const agent = startFakeAgent({ url: tc.url, creds, onFrame: (f) => f.type === "run.request" && scripted?.onRequest(f) });
  scripted = new ScriptedAgent(agent);
  await agent.opened();
  return scripted;
}
