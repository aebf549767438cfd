// Outbound webhook targets in the collector config (docs/webhooks.md).
import { z } from "zod";

/** One receiver: its URL, which ticket events it gets, and the file holding its HMAC secret. */
export const WebhookTarget = z
  .object({
    /** A stable name for the delivery log and the redeliver action. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/),
    url: z.string().url(),
    /** Event names (collector/webhooks/events.ts); empty = every event. */
    events: z.array(z.string()).default([]),
    /** File with the shared HMAC-SHA256 secret (kept out of the config so the config can be shown). */
    secretFile: z.string(),
  })
  .strict();
export const WebhooksConfig = z.array(WebhookTarget).default([]);
export type WebhookTarget = z.infer<typeof WebhookTarget>;
