// Trigger latency, as the engineer lives it with `netdiag run --follow`: POST /api/runs on the trigger
// node, the run request reaches the agent (wherever it is connected), the agent answers at once
// (instant-agent.ts), and the first step shows on the run's SSE stream read from the viewer node.
// The three URLs are parameters so the cross-node variant (trigger, agent and viewer on different
// collectors) is the same code with different URLs.
import { readSse } from "../../cli/sse.js";
import { Run } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import type { InstantAgent } from "./instant-agent.js";

export interface TriggerSetup {
  /** Node the engineer's POST /api/runs goes to. */
  triggerUrl: string;
  /** Node whose GET /api/runs/:id/events the viewer reads. */
  viewerUrl: string;
  token: string;
  ticketId: string;
  /** Connected to any node. */
  agent: InstantAgent;
  /**
   * After each trigger, one GET /healthz here is timed too: the same moment's floor for any API call,
   * so a burst of load from elsewhere on the machine shows in both (the bench's baseline).
   */
  floorUrl?: string;
}

export interface TriggerSamples {
  /** ms from sending the POST to its answer (the run stored, audited and sent). */
  toAnswer: number[];
  /** ms from sending the POST to the run request arriving at the agent. */
  toAgent: number[];
  /** ms from sending the POST to the first step event read from the SSE stream. */
  toViewer: number[];
  /** ms of each GET /healthz round trip on floorUrl (empty without one). */
  floor: number[];
}

/** Longest one trigger may take before the bench fails instead of hanging. */
const TRIGGER_DEADLINE_MS = 15_000;

async function firstStep(url: string, token: string, signal: AbortSignal): Promise<number> {
  for await (const { event } of readSse(url, token, signal)) {
    if (event === "step") return performance.now();
  }
  throw new Error(`the SSE stream ${url} ended without a step`);
}

async function roundTrip(url: string, signal: AbortSignal): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { signal });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - t0;
}

/** `n` triggers one after another (each waits for its first step), after `warmup` unrecorded ones. */
export async function measureTriggers(s: TriggerSetup, n: number, warmup = 5): Promise<TriggerSamples> {
  const out: TriggerSamples = { toAnswer: [], toAgent: [], toViewer: [], floor: [] };
  for (let i = 0; i < warmup + n; i++) {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`trigger ${i}: no step within ${TRIGGER_DEADLINE_MS} ms`)), TRIGGER_DEADLINE_MS);
    try {
      const t0 = performance.now();
      const run = await httpJson(`${s.triggerUrl}/api/runs`, Run, { token: s.token, body: { ticketId: s.ticketId, agentId: s.agent.creds.agentId, checks: ["path"], params: {}, pickupTimeoutS: 60 }, signal: ac.signal });
      const answered = performance.now();
      const seen = await firstStep(`${s.viewerUrl}/api/runs/${run.id}/events`, s.token, ac.signal);
      const arrived = s.agent.arrivals.get(run.id);
      if (arrived === undefined) throw new Error(`run ${run.id}: a step was seen but the request never reached the agent`);
      s.agent.arrivals.delete(run.id);
      if (i >= warmup) {
        out.toAnswer.push(answered - t0);
        out.toAgent.push(arrived - t0);
        out.toViewer.push(seen - t0);
        if (s.floorUrl) out.floor.push(await roundTrip(`${s.floorUrl}/healthz`, ac.signal));
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
  }
  if (s.agent.errors.length) throw new Error(`the collector refused the instant agent's events: ${s.agent.errors.slice(0, 3).join("; ")}`);
  return out;
}
