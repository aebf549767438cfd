// Many cheap agents in one process for fault tests. Each is the REAL link client (agent/link's
// CollectorLink: real WebSocket, real Bearer auth, hello, outbox replay on reconnect, ack handling,
// heartbeat watchdog, jittered backoff) over a MemoryOutbox; only the checks are fake: the test makes
// up step events (each carrying a unique mark) instead of running real probes.
import { Enrolled, EnrollmentCreated, Ticket } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { memoryLogger } from "../../shared/log.js";
import type { StepResult } from "../../shared/checks.js";
import type { RunEvent, ServerFrame } from "../../shared/protocol.js";
import type { BackoffOptions } from "../../agent/link/backoff.js";
import { CollectorLink } from "../../agent/link/collector-link.js";
import { MemoryOutbox } from "../../agent/link/outbox.js";
import { AGENT_VERSION } from "../../agent/version.js";

export interface AgentCredentials {
  agentId: string;
  secret: string;
}

export async function createTicket(url: string, token: string): Promise<string> {
  const body = { customer: { name: "Fault Test", contact: "+86 000" }, service: "Fiber", symptom: "fault test" };
  return (await httpJson(`${url}/api/tickets`, Ticket, { token, body })).id;
}

/** Enrolls `n` agents through the public API (one-time code each), `parallel` at a time. */
export async function enrollAgents(url: string, token: string, n: number, ticketId?: string, parallel = 10): Promise<AgentCredentials[]> {
  const out: AgentCredentials[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const code = await httpJson(`${url}/api/enrollments`, EnrollmentCreated, { token, body: ticketId ? { ticketId } : {} });
      out[i] = await httpJson(`${url}/api/agents/enroll`, Enrolled, { body: { code: code.code, name: `fake-${i}`, agentVersion: AGENT_VERSION } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  return out;
}

/** Counts acks; resolves waiters when the outbox is empty (no polling needed). */
class WatchedOutbox extends MemoryOutbox {
  acks = 0;
  private waiters: (() => void)[] = [];
  override async ack(runId: string, seq: number): Promise<void> {
    await super.ack(runId, seq);
    this.acks++;
    if (this.pending().length === 0) for (const w of this.waiters.splice(0)) w();
  }
  whenEmpty(): Promise<void> {
    return this.pending().length === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}

export interface FakeAgentOptions {
  /** Collector (or proxy) http URL. */
  url: string;
  creds: AgentCredentials;
  backoff?: BackoffOptions;
  onFrame?: (f: ServerFrame) => void;
}

export interface FakeAgent {
  agentId: string;
  link: CollectorLink;
  outbox: WatchedOutbox;
  log: ReturnType<typeof memoryLogger>;
  /** Epoch ms of every connection attempt and every successful open. */
  attempts: number[];
  opens: number[];
  /** The close code of every closed connection, in order. */
  closes: number[];
  /** Frames other than welcome/ack (run.request, run.cancel, error). */
  frames: ServerFrame[];
  /** Exactly what the agent's executor does: outbox first, then send (lost sends are replayed). */
  emit(ev: RunEvent): Promise<void>;
  /** Resolves once every produced event has been acknowledged. */
  drained(): Promise<void>;
  /** Resolves at the next successful open (or now, when open). */
  opened(): Promise<void>;
  stop(): Promise<void>;
}

export function startFakeAgent(o: FakeAgentOptions): FakeAgent {
  const outbox = new WatchedOutbox();
  const log = memoryLogger();
  const attempts: number[] = [];
  const opens: number[] = [];
  const closes: number[] = [];
  const frames: ServerFrame[] = [];
  let openWaiters: (() => void)[] = [];
  const link = new CollectorLink({
    collectorUrl: o.url,
    agentId: o.creds.agentId,
    secret: o.creds.secret,
    outbox,
    log,
    ...(o.backoff ? { backoff: o.backoff } : {}),
    onFrame: (f) => {
      frames.push(f);
      o.onFrame?.(f);
    },
    onState: (s, info) => {
      if (s === "connecting") attempts.push(Date.now());
      if (s === "closed") closes.push(info?.code ?? 0);
      if (s === "open") {
        opens.push(Date.now());
        const w = openWaiters;
        openWaiters = [];
        for (const f of w) f();
      }
    },
  });
  link.start();
  return {
    agentId: o.creds.agentId,
    link,
    outbox,
    log,
    attempts,
    opens,
    closes,
    frames,
    async emit(ev) {
      await outbox.append(ev);
      link.send(ev);
    },
    drained: () => outbox.whenEmpty(),
    opened: () => (link.isOpen ? Promise.resolve() : new Promise((r) => openWaiters.push(r))),
    stop: () => link.stop(),
  };
}

/** A step event whose result carries a mark unique to (runId, seq) (read it with markOf), so a stored copy can be traced. */
export function markedStep(runId: string, seq: number): RunEvent {
  const now = Date.now();
  return {
    type: "step",
    runId,
    seq,
    at: now,
    // A skipped step's reason is free text, so the mark travels in a field the step schema allows.
    result: { check: "ping", status: "skipped", startedAt: now, durationMs: 1, findings: [], data: {}, skipReason: `mark ${runId}:${seq}` },
  };
}

/** The mark markedStep put into a step ("runId:seq"); undefined for any other step. */
export function markOf(result: StepResult): string | undefined {
  return result.status === "skipped" ? /^mark (\S+)$/.exec(result.skipReason)?.[1] : undefined;
}

/** The events of one offline run with `steps` steps: run.offline (seq 0), steps 1..n, run.finished. */
export function offlineRunEvents(runId: string, ticketId: string, steps: number): RunEvent[] {
  const now = Date.now();
  return [
    { type: "run.offline", runId, seq: 0, at: now, ticketId, checks: ["ping"] },
    ...Array.from({ length: steps }, (_, i) => markedStep(runId, i + 1)),
    { type: "run.finished", runId, seq: steps + 1, at: now, outcome: "completed", steps },
  ];
}
