// The webhook part of the Store (durable outbound queue, delivery log): implemented by the webhooks work.
export interface WebhookStore {}
