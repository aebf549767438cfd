// Tickets: intake (DOMAIN.md §2) and the full record an engineer or technician reads. openTicket and
// readTicket are the one path for both the API routes and the web console's pages.
import { CreateTicketBody, Ticket, TicketWithRuns } from "../../shared/api.js";
import { Id } from "../../shared/protocol.js";
import { randomId } from "../../shared/secrets.js";
import { actorOf } from "../auth/principal.js";
import { redactTicketWithRuns } from "../auth/redact.js";
import { DEFAULT_DEADLINES, deadlinesFor } from "../tickets/deadlines.js";
import { ticketView, withDeadlines } from "./ticket-view.js";
import { badRequest, conflict, notFound } from "../http-error.js";
import { TicketQuery } from "../../shared/ticket.js";
import { z } from "zod";
import { DEFAULT_LIMITS } from "../limits.js";
import { readBody } from "./body.js";
import { stepPage } from "./runs.js";
import { ACTORS_AND_INTEGRATION, failure, principalOf, READERS_AND_INTEGRATION, type RouteSpec } from "./route-spec.js";
import { assertTicketInScope, ticketScopeOf } from "./integration-scope.js";

type Ctx = Parameters<RouteSpec["handler"]>[0];
type Deps = Parameters<RouteSpec["handler"]>[1];

/** The intake a ticket was opened with, as a body would give it (to compare a repeated externalId's). */
function intakeOf(t: Ticket): Omit<CreateTicketBody, "externalId"> {
  const { site, ...customer } = t.customer;
  return stripUndefined({
    customer: stripUndefined({ ...customer, site }),
    service: t.service,
    symptom: t.symptom,
    startedAt: t.startedAt,
    frequency: t.frequency,
    alreadyTried: t.alreadyTried,
    category: t.category,
    severity: t.severity,
  });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Same intake: every field of the body equal to the ticket's (JSON of both with sorted keys). */
function sameIntake(body: CreateTicketBody, t: Ticket): boolean {
  const { externalId: _e, ...b } = body;
  const canon = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
  return canon(stripUndefined(b)) === canon(intakeOf(t));
}

/**
 * Intake: stores the ticket with its deadlines and audits it; the ticket as the caller may see it.
 * Idempotent on `externalId` (docs/webhooks.md, "Inbound"): the same externalId again with the same
 * intake returns the ticket already opened (`created: false`); with a different intake it is refused
 * (409 EXTERNAL_ID_CONFLICT), since either the ticket system has a bug or two cases share one id.
 */
export async function intake(c: Ctx, d: Deps, body: CreateTicketBody): Promise<{ ticket: Ticket; created: boolean }> {
  const p = principalOf(c);
  const now = d.now();
  const id = randomId("tk_");
  // The deadlines are fixed at intake from the severity and the configured policy.
  const ticket = await d.store.createTicket(id, body, p.name, now, deadlinesFor(d.deadlines ?? DEFAULT_DEADLINES, body.severity, now));
  const created = ticket.id === id;
  const base = { at: now, actor: actorOf(p), action: "ticket.create", ticketId: ticket.id };
  if (!created && !sameIntake(body, ticket)) {
    await d.store.appendAudit({ ...base, outcome: "denied", detail: { externalId: body.externalId, code: "EXTERNAL_ID_CONFLICT" } });
    throw conflict("EXTERNAL_ID_CONFLICT", `externalId ${body.externalId} belongs to ticket ${ticket.id}, opened with a different intake; GET /api/tickets?externalId=${body.externalId} reads it`);
  }
  await d.store.appendAudit({ ...base, outcome: "ok", ...(body.externalId !== undefined ? { detail: { externalId: body.externalId, ...(created ? {} : { existing: true }) } } : {}) });
  return { ticket: ticketView(p.role, "record", ticket, now), created };
}

/** Intake for the web console's form (no externalId there): the ticket as the caller may see it. */
export async function openTicket(c: Ctx, d: Deps, body: CreateTicketBody): Promise<Ticket> {
  return (await intake(c, d, body)).ticket;
}

/** One ticket with its newest runs, as the reader's role may see it; the read is audited (ticket.read). */
export async function readTicket(c: Ctx, d: Deps, rawId: string | undefined): Promise<TicketWithRuns> {
  const id = Id.safeParse(rawId);
  const ticket = id.success ? await d.store.getTicket(id.data) : undefined;
  if (!ticket) throw notFound("ticket");
  await assertTicketInScope(c, d, ticket, "GET /api/tickets/:id");
  // The newest runs, their steps paged and sharing one byte budget (collector/limits.ts).
  const l = d.limits ?? DEFAULT_LIMITS.read;
  const runs = await d.store.listRunsForTicket(ticket.id, { maxRuns: l.ticketRuns, page: stepPage(d), totalBytes: l.viewStepBytes });
  const olderRuns = runs.length < l.ticketRuns ? 0 : (await d.store.countRunsForTicket(ticket.id)) - runs.length;
  const p = principalOf(c);
  await d.store.appendAudit({ at: d.now(), actor: actorOf(p), action: "ticket.read", ticketId: ticket.id, outcome: "ok" });
  const full: TicketWithRuns = { ...withDeadlines(ticket, d.now()), runs, ...(olderRuns > 0 ? { olderRuns } : {}) };
  return redactTicketWithRuns(p.role, full);
}

export const ticketRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/tickets",
    access: ACTORS_AND_INTEGRATION,
    summary: "open a ticket (customer, service, symptom, category, severity, externalId?): 201; with an externalId already on a ticket 200 and that ticket (409 `EXTERNAL_ID_CONFLICT` when the intake differs)",
    body: CreateTicketBody,
    response: { 201: Ticket, 200: Ticket, 409: failure("EXTERNAL_ID_CONFLICT: a ticket with this externalId exists with a different intake") },
    async handler(c, d) {
      const r = await intake(c, d, await readBody(c, CreateTicketBody));
      return c.json(r.ticket, r.created ? 201 : 200);
    },
  },
  {
    method: "GET",
    path: "/api/tickets",
    access: READERS_AND_INTEGRATION,
    summary: "list tickets: `?status=a,b&severity=..&overdue=1&agentId=..&cause=..&sort=deadline|created&limit=` (contact details masked: open one ticket to see them, audited)",
    query: TicketQuery,
    response: { 200: z.array(Ticket) },
    async handler(c, d) {
      const role = principalOf(c).role;
      const q = TicketQuery.safeParse(c.req.query());
      if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
      const now = d.now();
      return c.json((await d.store.listTickets(q.data, now, ticketScopeOf(c))).map((t) => ticketView(role, "list", t, now)));
    },
  },
  {
    method: "GET",
    path: "/api/tickets/:id",
    access: READERS_AND_INTEGRATION,
    summary: "a ticket with its runs, every step result and verdict",
    response: { 200: TicketWithRuns, 404: failure("NOT_FOUND: no such ticket") },
    async handler(c, d) {
      return c.json(await readTicket(c, d, c.req.param("id")));
    },
  },
];
