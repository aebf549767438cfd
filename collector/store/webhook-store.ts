// The webhook part of the Store (docs/webhooks.md, "Delivery"): the outbox of ticket events, one
// delivery per event and target, and every attempt. Events are written by the store itself, in the
// transaction of the change that causes them (a ticket transition, a run reaching its end, the deadline
// sweep); the dispatcher (collector/webhooks/dispatcher.ts) fans them out, claims due deliveries and
// records each attempt through this interface. Only collector/store/ knows the tables.
import type { DeliveryQuery, DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookDeliveryDetail, WebhookEventType } from "../../shared/webhooks.js";

/** An event waiting to be fanned out to the targets (its body is not built yet). */
export interface UnexpandedEvent {
  id: string;
  type: WebhookEventType;
  at: number;
  ticketId: string;
  runId?: string;
  /** JSON written by the transaction that caused the event (read back through the bounded parser). */
  facts: string;
}

/** One event's fan-out: its body and a delivery per target that gets it. */
export interface FanOut {
  eventId: string;
  body: string | null;
  deliveries: { id: string; target: string }[];
}

/** A delivery the dispatcher holds a lease on: one attempt is made, then recordAttempt. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  type: WebhookEventType;
  target: string;
  /** The exact bytes every attempt sends (signed per attempt with its timestamp). */
  body: string;
  createdAt: number;
  /** Attempts made before this one. */
  attempts: number;
}

/** What an attempt decided for its delivery (collector/webhooks/backoff.ts). */
export type AttemptOutcome = { status: "delivered" } | { status: "failed" } | { status: "pending"; nextAt: number };

export type RedeliverResult =
  | { ok: true; delivery: WebhookDelivery }
  | { ok: false; code: "NOT_FOUND" | "DELIVERY_PENDING"; message: string };

export interface WebhookStore {
  /** Calls `listener` after a write that added events has committed (the dispatcher wakes up). */
  onEnqueued(listener: () => void): () => void;
  /**
   * Adds a ticket.deadline_approaching event for every open ticket whose response or resolution
   * deadline is not met and passes within `leadMs` (not yet passed); once per ticket and deadline, in
   * one transaction. Returns how many were added.
   */
  enqueueDeadlineWarnings(now: number, leadMs: number): Promise<number>;
  /** Events not fanned out yet, oldest first. */
  unexpandedEvents(limit: number): Promise<UnexpandedEvent[]>;
  /**
   * Fixes each event's body and creates its deliveries (due now), all in one transaction; an event
   * already fanned out is left as it is. A null body: the event goes nowhere (no target, unreadable).
   */
  expandEvents(items: readonly FanOut[], now: number): Promise<void>;
  /**
   * Leases up to `limit` pending deliveries of `target` due at `now` (oldest due first) until
   * now + leaseMs; a leased delivery is not claimed again until its attempt is recorded or the lease ends.
   */
  claimDue(target: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Ends every lease (a new dispatcher owns the store: nothing of an earlier process is in flight). */
  releaseClaims(): Promise<void>;
  /** Stores the attempt and applies its outcome to the delivery (lease ended), in one transaction. */
  recordAttempt(deliveryId: string, attempt: WebhookAttempt, outcome: AttemptOutcome): Promise<void>;
  /** Gives up pending deliveries of targets no longer configured ("failed", with the reason); returns how many. */
  failOrphans(configured: readonly string[], now: number, reason: string): Promise<number>;
  /** When the next pending delivery of these targets is due (undefined: none pending). */
  nextDueAt(targets: readonly string[]): Promise<number | undefined>;
  /** The delivery log, newest first. */
  listDeliveries(q: DeliveryQuery): Promise<WebhookDelivery[]>;
  /** One delivery with every attempt and the body it sends. */
  getDelivery(id: string): Promise<WebhookDeliveryDetail | undefined>;
  /**
   * A new delivery (id `newId`, due now) of the same event to the same target; the old one keeps its
   * log. Refused while the delivery is still pending (it is retried anyway).
   */
  redeliver(id: string, newId: string, now: number): Promise<RedeliverResult>;
  /** Counts by status (tests, the admin's overview). */
  countDeliveries(status?: DeliveryStatus): Promise<number>;
}
