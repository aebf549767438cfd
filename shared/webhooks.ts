// Outbound webhooks (docs/webhooks.md): the events a ticket system receives, the body of each delivery,
// and the admin API's delivery log. The collector builds bodies from these schemas; a receiver written
// in TypeScript can parse them with the same (WebhookBody.safeParse on the verified raw body).
import { z } from "zod";
import { RunState } from "./api.js";
import { Id } from "./protocol.js";
import { Confirmation, EscalationTeam, Handover, Resolution, TicketStatus } from "./ticket.js";
import { Verdict } from "./verdict.js";

/**
 * run.finished: a run of the ticket reached an end state (completed, failed, cancelled, refused,
 * expired), with its verdict when it has one. ticket.escalated: handed over, with the hand-over.
 * ticket.resolved / ticket.closed: with the resolution / the customer's confirmation.
 * ticket.deadline_approaching: the response or resolution deadline passes soon and is not met.
 */
export const WEBHOOK_EVENT_TYPES = ["run.finished", "ticket.escalated", "ticket.resolved", "ticket.closed", "ticket.deadline_approaching"] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

// ---- each event's data ------------------------------------------------------------------------------

export const RunFinishedData = z.strictObject({
  runId: Id,
  agentId: Id,
  /** The run's end state (shared/api.ts RunState). */
  state: RunState,
  /** Why it ended so (refused: "CODE: reason", failed, cancelled, expired). */
  reason: z.string().optional(),
  /** true when the agent ran it on its own (`netdiag-agent check --ticket`) and uploaded it later. */
  offline: z.boolean(),
  /** The run's verdict (the agent sends it before it ends the run); absent when it has none. */
  verdict: Verdict.optional(),
});
export type RunFinishedData = z.infer<typeof RunFinishedData>;

export const TicketEscalatedData = z.strictObject({
  /** Who escalated (the person's name, as in the ticket's history). */
  by: z.string(),
  from: TicketStatus,
  team: EscalationTeam,
  note: z.string().optional(),
  /** The hand-over as GET /api/tickets/:id/handover returns it to the integration role. */
  handover: Handover,
});
export type TicketEscalatedData = z.infer<typeof TicketEscalatedData>;

export const TicketResolvedData = z.strictObject({ by: z.string(), from: TicketStatus, resolution: Resolution, note: z.string().optional() });
export type TicketResolvedData = z.infer<typeof TicketResolvedData>;

export const TicketClosedData = z.strictObject({ by: z.string(), confirmation: Confirmation });
export type TicketClosedData = z.infer<typeof TicketClosedData>;

export const DeadlineApproachingData = z.strictObject({
  deadline: z.enum(["respond", "resolve"]),
  /** When it passes (epoch ms). */
  due: z.number().int(),
  /** due - the time the collector noticed (ms; the warning lead time or less). */
  leftMs: z.number().int(),
  status: TicketStatus,
});
export type DeadlineApproachingData = z.infer<typeof DeadlineApproachingData>;

// ---- the body of a delivery ---------------------------------------------------------------------------

const envelope = <T extends WebhookEventType, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({
    /** The event's id: the same on every attempt and every redelivery of it (receivers deduplicate on it). */
    id: Id,
    type: z.literal(type),
    /** When it happened (epoch ms, the collector's clock). */
    at: z.number().int(),
    ticketId: Id,
    /** The external ticket system's id of the ticket, when it was opened with one. */
    externalId: z.string().optional(),
    data,
  });

export const WebhookBody = z.discriminatedUnion("type", [
  envelope("run.finished", RunFinishedData),
  envelope("ticket.escalated", TicketEscalatedData),
  envelope("ticket.resolved", TicketResolvedData),
  envelope("ticket.closed", TicketClosedData),
  envelope("ticket.deadline_approaching", DeadlineApproachingData),
]);
export type WebhookBody = z.infer<typeof WebhookBody>;

/** The data schema of each event type (the collector checks what it stored against it before sending). */
export const WEBHOOK_DATA: { [T in WebhookEventType]: z.ZodType } = {
  "run.finished": RunFinishedData,
  "ticket.escalated": TicketEscalatedData,
  "ticket.resolved": TicketResolvedData,
  "ticket.closed": TicketClosedData,
  "ticket.deadline_approaching": DeadlineApproachingData,
};

// ---- the delivery log (admin API) -------------------------------------------------------------------

/** pending: an attempt is due at nextAttemptAt; delivered: a 2xx answer; failed: given up (attempts or age). */
export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export const DeliveryStatus = z.enum(DELIVERY_STATUSES);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const WebhookAttempt = z.object({
  /** 1, 2, ... within this delivery. */
  n: z.number().int(),
  at: z.number().int(),
  durationMs: z.number().int(),
  /** The receiver's HTTP status; absent when no answer came (see error). */
  statusCode: z.number().int().optional(),
  /** "CODE: message" when the attempt failed without an answer (ECONNREFUSED, TIMEOUT, ...) or was not 2xx. */
  error: z.string().optional(),
  /** The first bytes of the receiver's answer, as text. */
  response: z.string().optional(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z.object({
  /** Sent as X-Netdiag-Delivery; a redelivery gets a new id for the same event. */
  id: Id,
  eventId: Id,
  type: WebhookEventType,
  /** The receiver's name in the config. */
  target: z.string(),
  ticketId: Id,
  externalId: z.string().optional(),
  status: DeliveryStatus,
  createdAt: z.number().int(),
  attempts: z.number().int(),
  nextAttemptAt: z.number().int().optional(),
  lastAttemptAt: z.number().int().optional(),
  lastStatusCode: z.number().int().optional(),
  lastError: z.string().optional(),
  /** When it was delivered or given up. */
  completedAt: z.number().int().optional(),
  /** The delivery this one repeats (POST .../redeliver). */
  redeliveryOf: Id.optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryDetail = WebhookDelivery.extend({
  attemptLog: z.array(WebhookAttempt),
  /** The body as sent (every attempt sends the same bytes). */
  body: z.string(),
});
export type WebhookDeliveryDetail = z.infer<typeof WebhookDeliveryDetail>;

/** GET /api/webhooks/deliveries query. */
export const DeliveryQuery = z
  .object({
    target: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/).optional(),
    status: DeliveryStatus.optional(),
    ticketId: Id.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export type DeliveryQuery = z.infer<typeof DeliveryQuery>;
