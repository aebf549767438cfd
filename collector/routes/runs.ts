// Runs: an engineer triggers checks on an enrolled agent for a ticket, then watches the steps arrive.
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { CreateRunBody, Run, RunStreamEvent, TERMINAL_RUN_STATES } from "../../shared/api.js";
import { RunCancelled } from "../../shared/api-responses.js";
import { Id } from "../../shared/protocol.js";
import { randomId } from "../../shared/secrets.js";
import { HostTarget, ServiceTarget } from "../../shared/targets.js";
import { actorOf } from "../auth/principal.js";
import { redactRun, scrubSecrets } from "../auth/redact.js";
import { badRequest, conflict, notFound } from "../http-error.js";
import { DEFAULT_LIMITS } from "../limits.js";
import { publishTransition } from "../runs/publish.js";
import { stateDeadline } from "../runs/run-state.js";
import type { StepPage } from "../store/types.js";
import { readBody } from "./body.js";
import { applyTicketAction } from "./ticket-action.js";
import { ACTORS, ACTORS_AND_INTEGRATION, failure, principalOf, READERS, type RouteSpec } from "./route-spec.js";
import { assertAgentOfTicket } from "./integration-scope.js";

type Ctx = Parameters<RouteSpec["handler"]>[0];
type Deps = Parameters<RouteSpec["handler"]>[1];

/** One page of a run's steps, as collector/limits.ts says. */
export function stepPage(d: Pick<Deps, "limits">): StepPage {
  const l = d.limits ?? DEFAULT_LIMITS.read;
  return { maxSteps: l.stepPageMax, maxBytes: l.stepPageBytes };
}

/** GET /api/runs/:id?afterSeq=N: the page of steps after seq N (see Run.nextAfterSeq). */
const RunQuery = z.object({ afterSeq: z.coerce.number().int().min(-1).optional() }).strict();

async function loadRun(c: Ctx, d: Deps, page?: StepPage) {
  const id = Id.safeParse(c.req.param("id"));
  const run = id.success ? await d.store.getRun(id.data, page) : undefined;
  if (!run) throw notFound("run");
  return run;
}

/** Loads the run and records who read or watched it (confidentiality: every read is audited). */
async function readRun(c: Ctx, d: Deps, action: "run.read" | "run.watch", page?: StepPage) {
  const run = await loadRun(c, d, page);
  await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action, runId: run.id, ticketId: run.ticketId, outcome: "ok" });
  return run;
}

export interface RunRequest {
  ticketId: string;
  agentId: string;
  checks: string[];
  params: Run["params"];
  pickupTimeoutS: number;
}

/**
 * Requests a run on a ticket: the agent must exist and not be revoked; the ticket's lifecycle is asked
 * first (a diagnosis moves a new or waiting ticket to diagnosing; a closed ticket refuses it, audited,
 * 409 TICKET_CLOSED), then the run is stored, audited and sent. `detail` goes into the run.request audit.
 */
export async function requestRun(c: Ctx, d: Deps, r: RunRequest, detail: Record<string, unknown> = {}): Promise<Run> {
  const p = principalOf(c);
  const now = d.now();
  const agent = await d.store.getAgent(r.agentId);
  if (!agent) throw notFound("agent");
  if (agent.revokedAt !== undefined) throw conflict("AGENT_REVOKED", "this agent was revoked");
  const id = randomId("run_");
  await applyTicketAction(c, d, r.ticketId, { kind: "diagnosis_triggered", runId: id }, { agentId: agent.id, runId: id });
  const pickupBy = now + r.pickupTimeoutS * 1000;
  // The run and its run.request audit record commit together: never a run without its record.
  await d.store.createRun(
    { id, ticketId: r.ticketId, agentId: agent.id, checks: r.checks, params: r.params, requestedBy: p.name, pickupBy, createdAt: now },
    { at: now, actor: actorOf(p), action: "run.request", ticketId: r.ticketId, agentId: agent.id, runId: id, outcome: "ok", detail: { checks: r.checks, params: r.params, ...detail } },
  );
  await d.hub.dispatch((await d.store.getRun(id))!);
  return (await d.store.getRun(id))!;
}

/**
 * POST /api/runs as a function: the targets and the ticket are checked, then requestRun. The web
 * console's "run a diagnosis" form calls this too, so both go through one path with one set of rules.
 */
export async function triggerRun(c: Ctx, d: Deps, body: CreateRunBody): Promise<Run> {
  // Targets are validated here too, so a hostile value is refused before it is stored or sent;
  // the agent validates again (it trusts nothing from the network).
  const badTarget = [...(body.params.names ?? []), ...(body.params.targets ?? [])].find((t) => !HostTarget.safeParse(t).success);
  if (badTarget !== undefined) throw badRequest("BAD_TARGET", `invalid target ${JSON.stringify(badTarget)}: must be an IP address or hostname`);
  if (body.params.service !== undefined && !ServiceTarget.safeParse(body.params.service).success) {
    throw badRequest("BAD_TARGET", `invalid service ${JSON.stringify(body.params.service)}: must be an http(s) URL or host:port`);
  }
  const ticket = await d.store.getTicket(body.ticketId);
  if (!ticket) throw notFound("ticket");
  await assertAgentOfTicket(c, d, ticket, await d.store.getAgent(body.agentId), "POST /api/runs");
  const run = await requestRun(c, d, { ticketId: ticket.id, agentId: body.agentId, checks: body.checks, params: body.params, pickupTimeoutS: body.pickupTimeoutS });
  return redactRun(run);
}

export const runRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/runs",
    access: ACTORS_AND_INTEGRATION,
    summary: "trigger a diagnosis run on an agent for a ticket (an integration: only on its ticket's own agent)",
    body: CreateRunBody,
    response: {
      201: Run,
      400: failure("BAD_TARGET: a name, target or service is not an IP address, hostname or http(s) URL / host:port"),
      404: failure("NOT_FOUND: no such ticket or agent"),
      403: failure("FORBIDDEN: an integration may run only its ticket's own agent"),
      409: failure("AGENT_REVOKED: the agent was revoked; TICKET_CLOSED or ILLEGAL_TRANSITION: the ticket's lifecycle refuses a diagnosis"),
    },
    async handler(c, d) {
      return c.json(await triggerRun(c, d, await readBody(c, CreateRunBody)), 201);
    },
  },
  {
    method: "GET",
    path: "/api/runs/:id",
    access: READERS,
    summary: "a run with its step results and verdict",
    query: RunQuery,
    response: { 200: Run, 404: failure("NOT_FOUND: no such run") },
    async handler(c, d) {
      const q = RunQuery.safeParse(c.req.query());
      if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
      const run = await readRun(c, d, "run.read", { ...stepPage(d), ...(q.data.afterSeq !== undefined ? { afterSeq: q.data.afterSeq } : {}) });
      return c.json(redactRun(run));
    },
  },
  {
    method: "POST",
    path: "/api/runs/:id/cancel",
    access: ACTORS,
    summary: "cancel a run (the agent stops its checks)",
    response: { 202: RunCancelled, 404: failure("NOT_FOUND: no such run"), 409: failure("RUN_FINISHED: the run has already ended") },
    async handler(c, d) {
      const run = await loadRun(c, d);
      const p = principalOf(c);
      // The run state machine decides: a run the agent has not acknowledged ends here; one it holds is
      // stopped by the agent, which reports run.finished "cancelled".
      const [t] = await d.store.transitionRuns({ runId: run.id }, { kind: "cancel", by: p.name }, d.now());
      if (!t!.decision.ok) throw conflict(t!.decision.code, t!.decision.reason);
      publishTransition(d.bus, t!);
      const sent = t!.decision.effects.includes("send_cancel") && (await d.hub.cancel(run.agentId, run.id));
      await d.store.appendAudit({ at: d.now(), actor: actorOf(p), action: "run.cancel", runId: run.id, ticketId: run.ticketId, agentId: run.agentId, outcome: "ok", detail: { delivered: sent } });
      return c.json({ cancelled: true, deliveredToAgent: sent }, 202);
    },
  },
  {
    method: "GET",
    path: "/api/runs/:id/events",
    access: READERS,
    summary: "Server-Sent Events: stored steps first, then each new step, the verdict and state changes live",
    response: {
      200: { description: "the run's stored state and steps, then each change live; the stream ends after a final state", sse: RunStreamEvent },
      404: failure("NOT_FOUND: no such run"),
    },
    async handler(c, d) {
      const run = await readRun(c, d, "run.watch");
      return streamSSE(c, async (stream) => {
        // Subscribe before reading the stored state, then drop live events already covered by it,
        // so nothing falls in the gap between the two.
        const queue: RunStreamEvent[] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = d.bus.subscribe(run.id, (ev) => {
          queue.push(ev);
          wake?.();
        });
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        try {
          const page = stepPage(d);
          let snap = (await d.store.getRun(run.id, page))!;
          const sentSeqs = new Set<number>();
          const write = (ev: RunStreamEvent) =>
            stream.writeSSE({ event: ev.type, data: JSON.stringify(scrubSecrets(ev)) });
          const until = stateDeadline(snap);
          // With several collectors a change can reach this stream twice (published here, and re-read
          // after another node's signal): each step, the verdict and each state go out once.
          let lastState = `${snap.state}|${snap.reason ?? ""}|${until ?? ""}`;
          await write({ type: "state", state: snap.state, ...(snap.reason ? { reason: snap.reason } : {}), ...(until !== undefined ? { until } : {}) });
          // Stored steps a page at a time: a run of any size streams in bounded memory.
          for (;;) {
            for (const s of snap.steps) {
              sentSeqs.add(s.seq);
              await write({ type: "step", seq: s.seq, result: s.result });
            }
            if (snap.nextAfterSeq === undefined || stream.aborted) break;
            snap = (await d.store.getRun(run.id, { ...page, afterSeq: snap.nextAfterSeq }))!;
          }
          let verdictSent = snap.verdict !== undefined;
          if (snap.verdict) await write({ type: "verdict", verdict: snap.verdict });
          let terminal = TERMINAL_RUN_STATES.includes(snap.state);
          while (!terminal && !stream.aborted) {
            if (queue.length === 0) await new Promise<void>((r) => (wake = r));
            wake = undefined;
            for (const ev of queue.splice(0)) {
              if (ev.type === "step" && sentSeqs.has(ev.seq)) continue;
              if (ev.type === "step") sentSeqs.add(ev.seq);
              if (ev.type === "verdict" && verdictSent) continue;
              if (ev.type === "verdict") verdictSent = true;
              if (ev.type === "state" && `${ev.state}|${ev.reason ?? ""}|${ev.until ?? ""}` === lastState) continue;
              if (ev.type === "state") lastState = `${ev.state}|${ev.reason ?? ""}|${ev.until ?? ""}`;
              await write(ev);
              if (ev.type === "state" && TERMINAL_RUN_STATES.includes(ev.state)) terminal = true;
            }
          }
        } finally {
          unsubscribe();
        }
      });
    },
  },
];
