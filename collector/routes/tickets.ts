// Tickets: intake (DOMAIN.md §2) and the full record an engineer or technician reads. openTicket and
// readTicket are the one path for both the API routes and the web console's pages.
import { CreateTicketBody, Ticket, TicketWithRuns } from "../../shared/api.js";
import { Id } from "../../shared/protocol.js";
import { randomId } from "../../shared/secrets.js";
import { actorOf } from "../auth/principal.js";
import { redactTicketWithRuns } from "../auth/redact.js";
import { DEFAULT_DEADLINES, deadlinesFor } from "../tickets/deadlines.js";
import { ticketView, withDeadlines } from "./ticket-view.js";
import { badRequest, notFound } from "../http-error.js";
import { TicketQuery } from "../../shared/ticket.js";
import { z } from "zod";
import { DEFAULT_LIMITS } from "../limits.js";
import { readBody } from "./body.js";
import { stepPage } from "./runs.js";
import { ACTORS, failure, principalOf, READERS, type RouteSpec } from "./route-spec.js";

type Ctx = Parameters<RouteSpec["handler"]>[0];
type Deps = Parameters<RouteSpec["handler"]>[1];

/** Intake: stores the ticket with its deadlines and audits it; the ticket as the caller may see it. */
export async function openTicket(c: Ctx, d: Deps, body: CreateTicketBody): Promise<Ticket> {
  const p = principalOf(c);
  const now = d.now();
  // The deadlines are fixed at intake from the severity and the configured policy.
  const ticket = await d.store.createTicket(randomId("tk_"), body, p.name, now, deadlinesFor(d.deadlines ?? DEFAULT_DEADLINES, body.severity, now));
  await d.store.appendAudit({ at: now, actor: actorOf(p), action: "ticket.create", ticketId: ticket.id, outcome: "ok" });
  return ticketView(p.role, "record", ticket, now);
}

/** One ticket with its newest runs, as the reader's role may see it; the read is audited (ticket.read). */
export async function readTicket(c: Ctx, d: Deps, rawId: string | undefined): Promise<TicketWithRuns> {
  const id = Id.safeParse(rawId);
  const ticket = id.success ? await d.store.getTicket(id.data) : undefined;
  if (!ticket) throw notFound("ticket");
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
    access: ACTORS,
    summary: "open a ticket (customer, service, symptom, category, severity)",
    body: CreateTicketBody,
    response: { 201: Ticket },
    async handler(c, d) {
      return c.json(await openTicket(c, d, await readBody(c, CreateTicketBody)), 201);
    },
  },
  {
    method: "GET",
    path: "/api/tickets",
    access: READERS,
    summary: "list tickets: `?status=a,b&severity=..&overdue=1&agentId=..&cause=..&sort=deadline|created&limit=` (contact details masked: open one ticket to see them, audited)",
    query: TicketQuery,
    response: { 200: z.array(Ticket) },
    async handler(c, d) {
      const role = principalOf(c).role;
      const q = TicketQuery.safeParse(c.req.query());
      if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
      const now = d.now();
      return c.json((await d.store.listTickets(q.data, now)).map((t) => ticketView(role, "list", t, now)));
    },
  },
  {
    method: "GET",
    path: "/api/tickets/:id",
    access: READERS,
    summary: "a ticket with its runs, every step result and verdict",
    response: { 200: TicketWithRuns, 404: failure("NOT_FOUND: no such ticket") },
    async handler(c, d) {
      return c.json(await readTicket(c, d, c.req.param("id")));
    },
  },
];
