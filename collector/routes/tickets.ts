// Tickets: intake (DOMAIN.md §2) and the full record an engineer or technician reads.
import { CreateTicketBody, type Ticket, type TicketWithRuns } from "../../shared/api.js";
import { Id } from "../../shared/protocol.js";
import { randomId } from "../../shared/secrets.js";
import { actorOf, type Principal } from "../auth/principal.js";
import { redactTicket, redactTicketWithRuns } from "../auth/redact.js";
import { badRequest, notFound } from "../http-error.js";
import { TicketQuery } from "../../shared/ticket.js";
import { z } from "zod";
import { DEFAULT_LIMITS } from "../limits.js";
import { readBody } from "./body.js";
import { stepPage } from "./runs.js";
import { ACTORS, principalOf, READERS, type RouteSpec } from "./route-spec.js";

type Deps = Parameters<RouteSpec["handler"]>[1];

/** Intake: stores the ticket and audits it; the API route and the web console's intake form both call this. */
export async function openTicket(d: Deps, p: Principal, body: CreateTicketBody): Promise<Ticket> {
  const ticket = await d.store.createTicket(randomId("tk_"), body, p.name, d.now());
  await d.store.appendAudit({ at: d.now(), actor: actorOf(p), action: "ticket.create", ticketId: ticket.id, outcome: "ok" });
  return redactTicket(p.role, "record", ticket);
}

/**
 * One ticket with its newest runs, as the reader's role may see it; the read is audited (ticket.read).
 * The API route and the web console's ticket page both call this.
 */
export async function readTicket(d: Deps, p: Principal, rawId: string | undefined): Promise<TicketWithRuns> {
  const id = Id.safeParse(rawId);
  const ticket = id.success ? await d.store.getTicket(id.data) : undefined;
  if (!ticket) throw notFound("ticket");
  // The newest runs, their steps paged and sharing one byte budget (collector/limits.ts).
  const l = d.limits ?? DEFAULT_LIMITS.read;
  const runs = await d.store.listRunsForTicket(ticket.id, { maxRuns: l.ticketRuns, page: stepPage(d), totalBytes: l.viewStepBytes });
  const olderRuns = runs.length < l.ticketRuns ? 0 : (await d.store.countRunsForTicket(ticket.id)) - runs.length;
  await d.store.appendAudit({ at: d.now(), actor: actorOf(p), action: "ticket.read", ticketId: ticket.id, outcome: "ok" });
  const full: TicketWithRuns = { ...ticket, runs, ...(olderRuns > 0 ? { olderRuns } : {}) };
  return redactTicketWithRuns(p.role, full);
}

export const ticketRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/tickets",
    access: ACTORS,
    summary: "open a ticket (customer, service, symptom, category, severity)",
    async handler(c, d) {
      const p = principalOf(c);
      return c.json(await openTicket(d, p, await readBody(c, CreateTicketBody)), 201);
    },
  },
  {
    method: "GET",
    path: "/api/tickets",
    access: READERS,
    summary: "list recent tickets (contact details masked: open one ticket to see them, audited)",
    async handler(c, d) {
      const role = principalOf(c).role;
      const q = TicketQuery.safeParse(c.req.query());
      if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
      return c.json((await d.store.listTickets(q.data, d.now())).map((t) => redactTicket(role, "list", t)));
    },
  },
  {
    method: "GET",
    path: "/api/tickets/:id",
    access: READERS,
    summary: "a ticket with its runs, every step result and verdict",
    async handler(c, d) {
      return c.json(await readTicket(d, principalOf(c), c.req.param("id")));
    },
  },
];
