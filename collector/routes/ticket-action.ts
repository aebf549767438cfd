// One lifecycle action on a ticket, as every route applies it: the store decides through the ticket
// state machine (collector/tickets/ticket-state.ts) in one transaction, the outcome is audited as
// "ticket.<kind>" (ok, or denied with the refusal code), and a refusal is a 409 with the machine's code.
import type { Ticket } from "../../shared/api.js";
import type { TicketAction } from "../../shared/ticket.js";
import { actorOf } from "../auth/principal.js";
import { conflict, notFound } from "../http-error.js";
import { principalOf, type RouteSpec } from "./route-spec.js";

type Ctx = Parameters<RouteSpec["handler"]>[0];
type Deps = Parameters<RouteSpec["handler"]>[1];

/** The ticket after the action (not yet redacted); throws 404 / 409. `audit` adds ids to the audit row. */
export async function applyTicketAction(c: Ctx, d: Deps, ticketId: string, action: TicketAction, audit: { agentId?: string; runId?: string } = {}): Promise<Ticket> {
  const p = principalOf(c);
  const now = d.now();
  // History names the person (like createdBy); the audit trail names the credential too.
  const r = await d.store.transitionTicket(ticketId, action, p.name, now);
  if (!r.ok && r.code === "NOT_FOUND") throw notFound("ticket");
  const base = { at: now, actor: actorOf(p), action: `ticket.${action.kind}`, ticketId, ...audit };
  if (!r.ok) {
    await d.store.appendAudit({ ...base, outcome: "denied", detail: { code: r.code, reason: r.message } });
    throw conflict(r.code, r.message);
  }
  // A run on a ticket already being diagnosed changes nothing: its run.request is the record.
  if (r.changed || action.kind !== "diagnosis_triggered") {
    await d.store.appendAudit({ ...base, outcome: "ok", detail: { ...(r.entry ? { from: r.entry.from, to: r.entry.to, ...r.entry.detail } : { changed: false }) } });
  }
  return r.ticket;
}
