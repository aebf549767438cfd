// The support process on a ticket (docs/support-process.md): set status, escalate with the hand-over,
// verify the fix (a re-run beside the failing run), resolve, close with the customer's confirmation,
// reopen, the history, and the knowledge base by verdict cause. Every action goes through the ticket
// state machine (ticket-action.ts); every ticket in a response carries its deadlines.
import { z } from "zod";
import { Run, Ticket, type Role } from "../../shared/api.js";
import { Escalated } from "../../shared/api-responses.js";
import { CheckId } from "../../shared/checks.js";
import { Id } from "../../shared/protocol.js";
import { CloseBody, EscalateBody, Handover, Knowledge, ReopenBody, ResolveBody, RunComparison, SetStatusBody, TicketHistoryEntry, VerifyBody } from "../../shared/ticket.js";
import { actorOf } from "../auth/principal.js";
import { redactRun } from "../auth/redact.js";
import { badRequest, conflict, HttpError, notFound } from "../http-error.js";
import { DEFAULT_LIMITS } from "../limits.js";
import { compareRuns } from "../tickets/compare-runs.js";
import { buildHandover, handoverText } from "../tickets/handover.js";
import { failingRun, newestRunAfter, resolutionFacts } from "../tickets/verification.js";
import { readBody } from "./body.js";
import { ACTORS, failure, principalOf, READERS, READERS_AND_INTEGRATION, type RouteSpec } from "./route-spec.js";
import { assertTicketInScope } from "./integration-scope.js";
import { requestRun, stepPage } from "./runs.js";
import { applyTicketAction } from "./ticket-action.js";
import { ticketView } from "./ticket-view.js";

type Ctx = Parameters<RouteSpec["handler"]>[0];
type Deps = Parameters<RouteSpec["handler"]>[1];

/** The ticket by id (404 when there is none); the id as it came in a path. */
export async function loadTicketById(d: Deps, rawId: string | undefined): Promise<Ticket> {
  const id = Id.safeParse(rawId);
  const ticket = id.success ? await d.store.getTicket(id.data) : undefined;
  if (!ticket) throw notFound("ticket");
  return ticket;
}

const loadTicket = (c: Ctx, d: Deps) => loadTicketById(d, c.req.param("id"));

/** What reading a ticket's contents needs: the routes pass their deps, the export command its own. */
export type ReadDeps = Pick<Deps, "store" | "limits" | "now">;

/** The ticket's newest runs with their steps, oldest first, bounded as a ticket read is (collector/limits.ts). */
function ticketRuns(d: ReadDeps, ticketId: string): Promise<Run[]> {
  const l = d.limits ?? DEFAULT_LIMITS.read;
  return d.store.listRunsForTicket(ticketId, { maxRuns: l.ticketRuns, page: stepPage(d), totalBytes: l.viewStepBytes });
}

/** A read of one ticket's contents, audited like GET /api/tickets/:id (confidentiality). */
async function auditRead(c: Ctx, d: Deps, action: string, ticketId: string, detail?: Record<string, unknown>): Promise<void> {
  await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action, ticketId, outcome: "ok", ...(detail ? { detail } : {}) });
}

/** The hand-over as `role` may see it; not audited here (each caller audits its own read). */
export async function handoverFor(d: ReadDeps, ticket: Ticket, role: Role): Promise<Handover> {
  const [runs, history] = await Promise.all([ticketRuns(d, ticket.id), d.store.listTicketHistory(ticket.id)]);
  return buildHandover({ ticket, runs, history, role, now: d.now() });
}

const handoverOf = (c: Ctx, d: Deps, ticket: Ticket) => handoverFor(d, ticket, principalOf(c).role);

/** The response of an action: the ticket as the caller may see it, with its deadlines. */
const shown = (c: Ctx, d: Deps, t: Ticket) => ticketView(principalOf(c).role, "record", t, d.now());

const HandoverQuery = z.object({ format: z.enum(["json", "text"]).default("json") }).strict();
export const ComparisonQuery = z.object({ before: Id.optional(), after: Id.optional() }).strict();
const KnowledgeQuery = z
  .object({
    /** The ticket asking ("what fixed this last time" leaves itself out). */
    excludeTicketId: Id.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();
const Cause = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, "a verdict cause code (e.g. ROUTER_NAT_FAILED)");

function query<S extends z.ZodType>(c: Ctx, schema: S): z.infer<S> {
  const q = schema.safeParse(c.req.query());
  if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
  return q.data;
}

/** A run by id that must belong to the ticket (another ticket's run looks like a missing one). */
async function runOfTicket(d: ReadDeps, ticketId: string, runId: string): Promise<Run> {
  const run = await d.store.getRun(runId, stepPage(d));
  if (!run || run.ticketId !== ticketId) throw notFound(`run ${runId} of this ticket`);
  return run;
}

// ---- the actions as functions: the API routes below and the web console's desk pages call these, so a
// form and an API call go through one path (body validated by the same schema before it gets here).

type Body<S extends z.ZodType> = z.infer<S>;

export async function setTicketStatus(c: Ctx, d: Deps, ticket: Ticket, body: Body<typeof SetStatusBody>): Promise<Ticket> {
  return shown(c, d, await applyTicketAction(c, d, ticket.id, { kind: "set_status", to: body.to, note: body.note }));
}

export async function escalateTicket(c: Ctx, d: Deps, ticket: Ticket, body: Body<typeof EscalateBody>): Promise<{ ticket: Ticket; handover: Handover }> {
  const t = await applyTicketAction(c, d, ticket.id, { kind: "escalate", to: body.to, note: body.note });
  return { ticket: shown(c, d, t), handover: await handoverOf(c, d, t) };
}

/** The hand-over as the reader's role may see it; the read is audited (ticket.handover). */
export async function readHandover(c: Ctx, d: Deps, ticket: Ticket, format: "json" | "text" | "page"): Promise<Handover> {
  const h = await handoverOf(c, d, ticket);
  await auditRead(c, d, "ticket.handover", ticket.id, { format });
  return h;
}

export async function verifyFix(c: Ctx, d: Deps, ticket: Ticket, body: Body<typeof VerifyBody>): Promise<Run> {
  const failing = failingRun(await ticketRuns(d, ticket.id));
  if (!failing) throw conflict("NO_FAILING_RUN", "no completed run on this ticket found a fault: trigger a diagnosis first (POST /api/runs)");
  // A stored request names its checks as strings; only those this build knows are asked again.
  const checks = failing.checks.filter((ch) => CheckId.safeParse(ch).success);
  if (checks.length === 0) throw conflict("NO_FAILING_RUN", `the failing run ${failing.id} names no check this collector knows`);
  const run = await requestRun(c, d, { ticketId: ticket.id, agentId: failing.agentId, checks, params: failing.params, pickupTimeoutS: body.pickupTimeoutS }, { verifies: failing.id });
  return redactRun(run);
}

/**
 * The failing run beside the run after it (or the given pair); undefined when there is nothing to
 * compare. Runs carry no personal data, so every role sees the same (secrets scrubbed). Not audited here.
 */
export async function comparisonOf(d: ReadDeps, ticket: Ticket, q: Body<typeof ComparisonQuery>): Promise<RunComparison | undefined> {
  // Explicit runs are read by id (any run of the ticket); the defaults are picked from its newest runs.
  // Either way each run is read on its own, so it comes with a full page of steps.
  const runs = q.before === undefined || q.after === undefined ? await ticketRuns(d, ticket.id) : [];
  const reread = async (r: Run | undefined) => r && runOfTicket(d, ticket.id, r.id);
  const before = q.before !== undefined ? await runOfTicket(d, ticket.id, q.before) : await reread(failingRun(runs));
  const after = q.after !== undefined ? await runOfTicket(d, ticket.id, q.after) : before && (await reread(newestRunAfter(runs, before)));
  return before && after ? compareRuns(ticket.id, redactRun(before), redactRun(after)) : undefined;
}

/** comparisonOf as the API serves it: 404 NO_COMPARISON when there is none; the read is audited (ticket.comparison). */
export async function readComparison(c: Ctx, d: Deps, ticket: Ticket, q: Body<typeof ComparisonQuery>): Promise<RunComparison> {
  const comparison = await comparisonOf(d, ticket, q);
  if (!comparison) throw new HttpError(404, "NO_COMPARISON", "nothing to compare: no failing run on this ticket with a run after it");
  await auditRead(c, d, "ticket.comparison", ticket.id, { before: comparison.before.runId, after: comparison.after.runId });
  return comparison;
}

export async function resolveTicket(c: Ctx, d: Deps, ticket: Ticket, body: Body<typeof ResolveBody>): Promise<Ticket> {
  // The runs decide the verification and the cause the knowledge base files it under.
  const facts = resolutionFacts(ticket.id, await ticketRuns(d, ticket.id));
  const resolution = {
    rootCause: body.rootCause,
    fix: body.fix,
    ...facts,
    ...(body.unverifiedReason !== undefined ? { unverifiedReason: body.unverifiedReason } : {}),
  };
  const t = await applyTicketAction(c, d, ticket.id, { kind: "resolve", resolution, note: body.note }, facts.verificationRunId ? { runId: facts.verificationRunId } : {});
  return shown(c, d, t);
}

export async function closeTicket(c: Ctx, d: Deps, ticket: Ticket, body: Body<typeof CloseBody>): Promise<Ticket> {
  return shown(c, d, await applyTicketAction(c, d, ticket.id, { kind: "close", confirmation: body }));
}

export async function reopenTicket(c: Ctx, d: Deps, ticket: Ticket, body: Body<typeof ReopenBody>): Promise<Ticket> {
  return shown(c, d, await applyTicketAction(c, d, ticket.id, { kind: "reopen", note: body.note }));
}

const NO_TICKET = failure("NOT_FOUND: no such ticket");
/** The ticket state machine's refusal (collector/tickets/ticket-state.ts). */
const REFUSED = failure("the state machine refused the action: ILLEGAL_TRANSITION, TICKET_CLOSED, NO_CHANGE, VERIFICATION_REQUIRED or CONFIRMATION_INCOMPLETE, with the reason");

export const ticketLifecycleRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/tickets/:id/status",
    access: ACTORS,
    summary: "set the status by hand: `{to: diagnosing|waiting_customer, note?}` (409 with the state machine's code when not allowed)",
    body: SetStatusBody,
    response: { 200: Ticket, 404: NO_TICKET, 409: REFUSED },
    async handler(c, d) {
      const ticket = await loadTicket(c, d);
      return c.json(await setTicketStatus(c, d, ticket, await readBody(c, SetStatusBody)));
    },
  },
  {
    method: "POST",
    path: "/api/tickets/:id/escalate",
    access: ACTORS,
    summary: "escalate to a team `{to: network_operations|field_service|second_line|service_owner, note?}`: returns `{ticket, handover}`",
    body: EscalateBody,
    response: { 200: Escalated, 404: NO_TICKET, 409: REFUSED },
    async handler(c, d) {
      const ticket = await loadTicket(c, d);
      return c.json(await escalateTicket(c, d, ticket, await readBody(c, EscalateBody)));
    },
  },
  {
    method: "GET",
    path: "/api/tickets/:id/handover",
    access: READERS_AND_INTEGRATION,
    summary: "the hand-over: symptom, customer (as the role permits), every step checked, verdict and evidence, deadlines, to whom; `?format=text` for plain text (audited)",
    query: HandoverQuery,
    response: { 200: { description: "the hand-over", json: Handover, text: "the hand-over as plain text (?format=text), ready to paste into another team's system" }, 404: NO_TICKET },
    async handler(c, d) {
      const q = query(c, HandoverQuery);
      const ticket = await loadTicket(c, d);
      await assertTicketInScope(c, d, ticket, "GET /api/tickets/:id/handover");
      const h = await readHandover(c, d, ticket, q.format);
      if (q.format === "text") return c.text(handoverText(h), 200, { "content-type": "text/plain; charset=utf-8" });
      return c.json(h);
    },
  },
  {
    method: "POST",
    path: "/api/tickets/:id/verify",
    access: ACTORS,
    summary: "verify the fix: re-run the failing run's checks and parameters on its agent (201 Run; 409 NO_FAILING_RUN when no run found a fault)",
    body: VerifyBody,
    response: { 201: Run, 404: failure("NOT_FOUND: no such ticket, or the failing run's agent is gone"), 409: failure("NO_FAILING_RUN: no completed run on this ticket found a fault; AGENT_REVOKED: that run's agent was revoked; or the state machine's code (TICKET_CLOSED)") },
    async handler(c, d) {
      const ticket = await loadTicket(c, d);
      return c.json(await verifyFix(c, d, ticket, await readBody(c, VerifyBody)), 201);
    },
  },
  {
    method: "GET",
    path: "/api/tickets/:id/comparison",
    access: READERS,
    summary: "the failing run beside the verification run, check by check (`?before=RUN&after=RUN`; default: the newest failing run and the newest run after it)",
    query: ComparisonQuery,
    response: { 200: RunComparison, 404: failure("NOT_FOUND: no such ticket, or a named run is not this ticket's; NO_COMPARISON: no failing run with a run after it") },
    async handler(c, d) {
      const q = query(c, ComparisonQuery);
      const ticket = await loadTicket(c, d);
      return c.json(await readComparison(c, d, ticket, q));
    },
  },
  {
    method: "POST",
    path: "/api/tickets/:id/resolve",
    access: ACTORS,
    summary: "resolve `{rootCause, fix, unverifiedReason?, note?}` (409 VERIFICATION_REQUIRED without a healthy verification run after the failing one and without unverifiedReason)",
    body: ResolveBody,
    response: { 200: Ticket, 404: NO_TICKET, 409: REFUSED },
    async handler(c, d) {
      const ticket = await loadTicket(c, d);
      return c.json(await resolveTicket(c, d, ticket, await readBody(c, ResolveBody)));
    },
  },
  {
    method: "POST",
    path: "/api/tickets/:id/close",
    access: ACTORS,
    summary: "close with the customer's confirmation `{outcome: confirmed|unreachable, satisfaction?: 1-5, note?}` (confirmed needs satisfaction, unreachable a note)",
    body: CloseBody,
    response: { 200: Ticket, 404: NO_TICKET, 409: REFUSED },
    async handler(c, d) {
      const ticket = await loadTicket(c, d);
      return c.json(await closeTicket(c, d, ticket, await readBody(c, CloseBody)));
    },
  },
  {
    method: "POST",
    path: "/api/tickets/:id/reopen",
    access: ACTORS,
    summary: "reopen a resolved or closed ticket `{note}`: back to diagnosing, resolution and confirmation cleared",
    body: ReopenBody,
    response: { 200: Ticket, 404: NO_TICKET, 409: REFUSED },
    async handler(c, d) {
      const ticket = await loadTicket(c, d);
      return c.json(await reopenTicket(c, d, ticket, await readBody(c, ReopenBody)));
    },
  },
  {
    method: "GET",
    path: "/api/tickets/:id/history",
    access: READERS,
    summary: "the ticket's lifecycle history: every transition with who, when, from, to and the note (audited)",
    response: { 200: z.array(TicketHistoryEntry), 404: NO_TICKET },
    async handler(c, d) {
      const ticket = await loadTicket(c, d);
      const history = await d.store.listTicketHistory(ticket.id);
      await auditRead(c, d, "ticket.history", ticket.id);
      return c.json(history);
    },
  },
  {
    method: "GET",
    path: "/api/knowledge/:cause",
    access: READERS,
    summary: "what fixed this cause last time: resolved and closed tickets resolved with this verdict cause, newest first (`?excludeTicketId=&limit=`)",
    query: KnowledgeQuery,
    response: { 200: Knowledge, 400: failure("INVALID_CAUSE: not a verdict cause code") },
    async handler(c, d) {
      const cause = Cause.safeParse(c.req.param("cause"));
      if (!cause.success) throw badRequest("INVALID_CAUSE", z.prettifyError(cause.error));
      const q = query(c, KnowledgeQuery);
      const k = await d.store.listKnowledge(cause.data, { limit: q.limit, ...(q.excludeTicketId !== undefined ? { excludeTicketId: q.excludeTicketId } : {}) });
      const out: z.infer<typeof Knowledge> = { cause: cause.data, ...k };
      return c.json(out);
    },
  },
];
