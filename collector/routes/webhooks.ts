// The webhook delivery log for admins (docs/webhooks.md, "Delivery log"): deliveries filtered by target,
// status and ticket; one delivery with every attempt and the body it sends (a read of ticket data:
// audited); a redelivery of a delivered or failed one (audited).
import { z } from "zod";
import { Id } from "../../shared/protocol.js";
import { randomId } from "../../shared/secrets.js";
import { DeliveryQuery, WebhookDelivery, WebhookDeliveryDetail } from "../../shared/webhooks.js";
import { actorOf } from "../auth/principal.js";
import { badRequest, conflict, notFound } from "../http-error.js";
import { ADMINS, failure, principalOf, type RouteSpec } from "./route-spec.js";

function deliveryId(raw: string | undefined): string {
  const id = Id.safeParse(raw);
  if (!id.success) throw notFound("delivery");
  return id.data;
}

export const webhooksRoutes: RouteSpec[] = [
  {
    method: "GET",
    path: "/api/webhooks/deliveries",
    access: ADMINS,
    summary: "the webhook delivery log, newest first: `?target=&status=pending|delivered|failed&ticketId=&limit=` (status, attempts, last answer or error, next attempt)",
    query: DeliveryQuery,
    response: { 200: z.array(WebhookDelivery) },
    async handler(c, d) {
      const q = DeliveryQuery.safeParse(c.req.query());
      if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
      return c.json(await d.store.webhooks.listDeliveries(q.data));
    },
  },
  {
    method: "GET",
    path: "/api/webhooks/deliveries/:id",
    access: ADMINS,
    summary: "one delivery with every attempt (time, duration, HTTP status or error, the answer's first bytes) and the body it sends (audited as `webhook.delivery.read`)",
    response: { 200: WebhookDeliveryDetail, 404: failure("NOT_FOUND: no such delivery") },
    async handler(c, d) {
      const delivery = await d.store.webhooks.getDelivery(deliveryId(c.req.param("id")));
      if (!delivery) throw notFound("delivery");
      await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action: "webhook.delivery.read", ticketId: delivery.ticketId, outcome: "ok", detail: { delivery: delivery.id } });
      return c.json(delivery);
    },
  },
  {
    method: "POST",
    path: "/api/webhooks/deliveries/:id/redeliver",
    access: ADMINS,
    summary: "send a delivered or failed delivery again: a new delivery (new X-Netdiag-Delivery, same event id and body), due now; 409 `DELIVERY_PENDING` while it is still being retried, 409 `TARGET_NOT_CONFIGURED` (audited as `webhook.redeliver`)",
    response: {
      202: WebhookDelivery,
      404: failure("NOT_FOUND: no such delivery"),
      409: failure("DELIVERY_PENDING: it is still being retried; TARGET_NOT_CONFIGURED: its target is not configured any more"),
    },
    async handler(c, d) {
      const id = deliveryId(c.req.param("id"));
      const p = principalOf(c);
      const now = d.now();
      const audit = (outcome: string, ticketId: string | undefined, detail: Record<string, unknown>) =>
        d.store.appendAudit({ at: now, actor: actorOf(p), action: "webhook.redeliver", outcome, ...(ticketId !== undefined ? { ticketId } : {}), detail: { delivery: id, ...detail } });
      const old = await d.store.webhooks.getDelivery(id);
      if (!old) throw notFound("delivery");
      if (!(d.webhookTargets ?? []).includes(old.target)) {
        await audit("denied", old.ticketId, { code: "TARGET_NOT_CONFIGURED" });
        throw conflict("TARGET_NOT_CONFIGURED", `webhook target ${old.target} is not in the configuration any more`);
      }
      const r = await d.store.webhooks.redeliver(id, randomId("dlv_"), now);
      if (!r.ok) {
        if (r.code === "NOT_FOUND") throw notFound("delivery");
        await audit("denied", old.ticketId, { code: r.code });
        throw conflict(r.code, r.message);
      }
      await audit("ok", old.ticketId, { redelivery: r.delivery.id, target: old.target, event: old.eventId });
      return c.json(r.delivery, 202);
    },
  },
];
