// Turns a stored event into the body every attempt sends and one delivery per target that subscribes
// to it (docs/webhooks.md, "Delivery"); the dispatcher stores a batch of these in one transaction. The body is fixed here, once: retries and redeliveries send the
// same bytes. The escalation's hand-over is built here because it reads the ticket's runs and history,
// which the transaction that escalated did not load; it is built as of the escalation's time, for the
// integration role (collector/auth/redact.ts).
import type { Logger } from "../../shared/log.js";
import { orderedId } from "../../shared/secrets.js";
import { WebhookBody } from "../../shared/webhooks.js";
import { DEFAULT_LIMITS } from "../limits.js";
import { readRecord } from "../store/read-record.js";
import type { Store } from "../store/types.js";
import type { FanOut, UnexpandedEvent } from "../store/webhook-store.js";
import { buildHandover } from "../tickets/handover.js";
import { EVENT_FACTS } from "./events.js";
import { subscribes, type ResolvedTarget } from "./targets.js";

/** The JSON body of an event, or why it cannot be built (logged; the event is then sent nowhere). */
export async function buildEventBody(store: Store, ev: UnexpandedEvent): Promise<{ ok: true; body: string; externalId?: string } | { ok: false; reason: string }> {
  const facts = readRecord(ev.facts, EVENT_FACTS[ev.type]);
  if (!facts.ok) return { ok: false, reason: `${facts.code}: ${facts.reason}` };
  const ticket = await store.getTicket(ev.ticketId);
  if (!ticket) return { ok: false, reason: `ticket ${ev.ticketId} not found` };
  let data: Record<string, unknown> = facts.value;
  if (ev.type === "ticket.escalated") {
    const l = DEFAULT_LIMITS.read;
    const [runs, history] = await Promise.all([
      store.listRunsForTicket(ticket.id, { maxRuns: l.ticketRuns, page: { maxSteps: l.stepPageMax, maxBytes: l.stepPageBytes }, totalBytes: l.viewStepBytes }),
      store.listTicketHistory(ticket.id),
    ]);
    const handover = buildHandover({ ticket, runs, history: history.filter((h) => h.at <= ev.at), role: "integration", now: ev.at });
    data = { ...data, handover };
  }
  const body = { id: ev.id, type: ev.type, at: ev.at, ticketId: ev.ticketId, ...(ticket.externalId !== undefined ? { externalId: ticket.externalId } : {}), data };
  // The contract receivers parse against (shared/webhooks.ts): a body that breaks it is a bug, not sent.
  const checked = WebhookBody.safeParse(body);
  if (!checked.success) return { ok: false, reason: `INVALID_BODY: ${checked.error.issues[0]?.path.join(".")}: ${checked.error.issues[0]?.message}` };
  return { ok: true, body: JSON.stringify(body), ...(ticket.externalId !== undefined ? { externalId: ticket.externalId } : {}) };
}

/**
 * The body and the deliveries (due now) of one event, for the targets that subscribe. With no target
 * configured nothing is read: the event is marked as going nowhere.
 */
export async function fanOut(store: Store, targets: readonly ResolvedTarget[], ev: UnexpandedEvent, log: Logger): Promise<FanOut> {
  if (targets.length === 0) return { eventId: ev.id, body: null, deliveries: [] };
  const built = await buildEventBody(store, ev);
  if (!built.ok) {
    log.error("webhook event cannot be sent", { eventId: ev.id, type: ev.type, ticketId: ev.ticketId, reason: built.reason });
    return { eventId: ev.id, body: null, deliveries: [] };
  }
  const deliveries = targets.filter((t) => subscribes(t, ev.type, built.externalId)).map((t) => ({ id: orderedId("dlv_"), target: t.name }));
  return { eventId: ev.id, body: built.body, deliveries };
}
