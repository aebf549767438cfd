// Outbound webhooks in the collector config (docs/webhooks.md, "Configuration"): the receivers, which
// events each gets, and the delivery policy (timeout, retries, the deadline warning's lead time).
import { z } from "zod";
import { isLoopbackHost } from "../../shared/transport.js";
import { WebhookEventType } from "../../shared/webhooks.js";

/** One receiver: its URL, which ticket events it gets, and the file holding its HMAC secret. */
export const WebhookTarget = z
  .object({
    /** A stable name for the delivery log and the redeliver action. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "name: 1-40 lower-case letters, digits, '_' or '-'"),
    /** https://..., or http:// to a loopback address (anything else needs `insecure: true`). */
    url: z.url({ protocol: /^https?$/ }),
    /** Event types (shared/webhooks.ts WEBHOOK_EVENT_TYPES); empty = every event. */
    events: z.array(WebhookEventType).default([]),
    /** "external": only tickets opened with an externalId (the ticket system's own); "all": every ticket. */
    tickets: z.enum(["all", "external"]).default("all"),
    /**
     * File with the shared HMAC-SHA256 secret (at least 32 characters; kept out of the config so the
     * config can be shown). Read once at start.
     */
    secretFile: z.string().min(1),
    /** PEM file of the CA that signed the receiver's certificate (a private CA); default: the system's. */
    caFile: z.string().min(1).optional(),
    /** Allow plain http:// to a host that is not loopback: ticket data then crosses the network in clear text (logged at start). */
    insecure: z.boolean().default(false),
  })
  .strict()
  .refine((t) => t.insecure || new URL(t.url).protocol === "https:" || isLoopbackHost(new URL(t.url).hostname), {
    message: "plain http:// is allowed only to a loopback address; use https:// (or set insecure: true deliberately)",
    path: ["url"],
  });
export type WebhookTarget = z.infer<typeof WebhookTarget>;

export const WebhookRetryPolicy = z
  .object({
    /** Delay before the second attempt; each later one doubles it (with jitter). */
    firstDelayMs: z.number().int().min(1_000).default(10_000),
    /** The longest delay between two attempts. */
    maxDelayMs: z.number().int().min(1_000).default(3_600_000),
    /** Attempts before a delivery is given up ("failed"; POST .../redeliver sends it again). */
    maxAttempts: z.number().int().min(1).max(100).default(20),
    /** Age after which a delivery is given up whatever its attempts. */
    maxAgeMs: z.number().int().min(60_000).default(86_400_000),
  })
  .strict()
  .refine((p) => p.maxDelayMs >= p.firstDelayMs, { message: "maxDelayMs must be at least firstDelayMs", path: ["maxDelayMs"] });
export type WebhookRetryPolicy = z.infer<typeof WebhookRetryPolicy>;

const RETRY_DEFAULTS: WebhookRetryPolicy = { firstDelayMs: 10_000, maxDelayMs: 3_600_000, maxAttempts: 20, maxAgeMs: 86_400_000 };

export const WebhooksConfig = z
  .object({
    targets: z
      .array(WebhookTarget)
      .default([])
      .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, { message: "target names must be unique" }),
    /** ticket.deadline_approaching goes out this long before a response or resolution deadline that is not met. */
    deadlineWarningMs: z.number().int().min(60_000).default(900_000),
    /** One attempt's budget: connect, send, and the receiver's answer (the request is aborted after it). */
    timeoutMs: z.number().int().min(1_000).max(120_000).default(10_000),
    retry: WebhookRetryPolicy.default(RETRY_DEFAULTS),
  })
  .strict()
  .default({ targets: [], deadlineWarningMs: 900_000, timeoutMs: 10_000, retry: RETRY_DEFAULTS });
export type WebhooksConfig = z.infer<typeof WebhooksConfig>;
