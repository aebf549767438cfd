// What a ticket system's token (role integration) may touch beyond its routes' access lists
// (docs/webhooks.md, "Inbound"): only tickets opened with an externalId, and on them only the agent
// of that ticket. Anything else looks like a missing ticket (no probing of ticket ids) and is audited.
import type { Ticket } from "../../shared/api.js";
import { actorOf } from "../auth/principal.js";
import { HttpError, notFound } from "../http-error.js";
import type { AgentRecord, TicketScope } from "../store/types.js";
import { principalOf, type RouteSpec } from "./route-spec.js";

type Ctx = Parameters<RouteSpec["handler"]>[0];
type Deps = Parameters<RouteSpec["handler"]>[1];

export const ticketScopeOf = (c: Ctx): TicketScope => (principalOf(c).role === "integration" ? "external" : "all");

async function deny(c: Ctx, d: Deps, ticketId: string, route: string, reason: string): Promise<void> {
  await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action: "auth.forbidden", ticketId, outcome: "denied", detail: { route, reason } });
}

/** 404 (audited) when an integration asks for a ticket that was not opened with an externalId. */
export async function assertTicketInScope(c: Ctx, d: Deps, ticket: Ticket, route: string): Promise<void> {
  if (principalOf(c).role !== "integration" || ticket.externalId !== undefined) return;
  await deny(c, d, ticket.id, route, "the ticket has no externalId: not a ticket system's ticket");
  throw notFound("ticket");
}

/**
 * An integration requests runs on its ticket's own agent only: the one enrolled for the ticket, or one
 * already run on it. Engineers choose any agent; a ticket system cannot see agents at all.
 */
export async function assertAgentOfTicket(c: Ctx, d: Deps, ticket: Ticket, agent: AgentRecord | undefined, route: string): Promise<void> {
  if (principalOf(c).role !== "integration") return;
  await assertTicketInScope(c, d, ticket, route);
  if (agent && (agent.ticketId === ticket.id || ticket.agentId === agent.id)) return;
  await deny(c, d, ticket.id, route, "the agent is not this ticket's agent");
  throw new HttpError(403, "FORBIDDEN", "an integration may request runs only on the ticket's own agent (enrolled for it or already run on it: the ticket's agentId)");
}
