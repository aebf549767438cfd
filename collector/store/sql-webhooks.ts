// The webhook queue in the store (collector/store/webhook-store.ts; tables: migration v5). Events are
// inserted by `enqueue`, called inside the transaction of the change that causes them (sql-tickets.ts
// transitionTicket, sql-run-events.ts writeDecision, the deadline sweep below); everything else is the
// dispatcher's side: fan-out, claims, attempts, the log. Rows of one millisecond are ordered by id, and
// event and delivery ids sort in the order they were made (shared/secrets.ts orderedId), so one
// ticket's events go out in the order they happened on both engines (PostgreSQL has no rowid).
import { orderedId } from "../../shared/secrets.js";
import type { Logger } from "../../shared/log.js";
import type { TicketStatus } from "../../shared/ticket.js";
import { WebhookEventType, type DeliveryQuery, type DeliveryStatus, type WebhookAttempt, type WebhookDelivery, type WebhookDeliveryDetail } from "../../shared/webhooks.js";
import { deadlineEvent, endsRun, runFinishedEvent, type EventRecord, type RunEndRow } from "../webhooks/events.js";
import type { SqlDb, SqlValue, Tx } from "./sql.js";
import type { AttemptOutcome, ClaimedDelivery, FanOut, RedeliverResult, UnexpandedEvent, WebhookStore } from "./webhook-store.js";

interface DeliveryRow {
  id: string;
  event_id: string;
  target: string;
  status: DeliveryStatus;
  created_at: number;
  next_at: number | null;
  attempts: number;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  completed_at: number | null;
  redelivery_of: string | null;
  type: string;
  ticket_id: string;
  external_id: string | null;
}

const DELIVERY_SELECT = `SELECT d.id, d.event_id, d.target, d.status, d.created_at, d.next_at, d.attempts, d.last_attempt_at,
  d.last_status_code, d.last_error, d.completed_at, d.redelivery_of, e.type, e.ticket_id, t.external_id
  FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id JOIN tickets t ON t.id = e.ticket_id`;

/** Errors and answers kept in the log are short: enough to see what went wrong. */
const MAX_LOGGED_TEXT = 500;

function toDelivery(r: DeliveryRow): WebhookDelivery {
  const type = WebhookEventType.safeParse(r.type);
  return {
    id: r.id,
    eventId: r.event_id,
    // Only this build writes the table (a newer one's file is refused at open), so the type is known.
    type: type.success ? type.data : "run.finished",
    target: r.target,
    ticketId: r.ticket_id,
    ...(r.external_id !== null ? { externalId: r.external_id } : {}),
    status: r.status,
    createdAt: r.created_at,
    attempts: r.attempts,
    ...(r.status === "pending" && r.next_at !== null ? { nextAttemptAt: r.next_at } : {}),
    ...(r.last_attempt_at !== null ? { lastAttemptAt: r.last_attempt_at } : {}),
    ...(r.last_status_code !== null ? { lastStatusCode: r.last_status_code } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.completed_at !== null ? { completedAt: r.completed_at } : {}),
    ...(r.redelivery_of !== null ? { redeliveryOf: r.redelivery_of } : {}),
  };
}

const inList = (values: readonly string[]) => values.map(() => "?").join(", ");

/**
 * What one write job enqueues: handed down into the job's transaction, then to `committed` after the
 * write resolved (its COMMIT is done), so the dispatcher is woken only once the events are readable.
 */
export class EventSink {
  added = false;

  /** Inserts the event inside the caller's transaction; false when its dedupe key was already used. */
  async enqueue(tx: Tx, ticketId: string, e: EventRecord, at: number, runId?: string): Promise<boolean> {
    const r = await tx.run(
      "INSERT INTO webhook_events (id, type, at, ticket_id, run_id, facts, dedupe_key) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      [orderedId("evt_"), e.type, at, ticketId, runId ?? null, JSON.stringify(e.facts), e.dedupeKey ?? null],
    );
    if (r.changes > 0) this.added = true;
    return r.changes > 0;
  }

  /** The run's state was just written in `tx` (writeDecision): run.finished when it reached an end state. */
  async runStateWritten(tx: Tx, runId: string, changed: boolean, state: RunEndRow["state"], now: number): Promise<void> {
    if (!endsRun(changed, state)) return;
    const r = await tx.get<{ ticket_id: string; agent_id: string; state: RunEndRow["state"]; reason: string | null; offline: number; verdict: string | null }>(
      "SELECT ticket_id, agent_id, state, reason, offline, verdict FROM runs WHERE id = ?",
      [runId],
    );
    if (!r) return;
    const ev = runFinishedEvent({
      id: runId,
      agentId: r.agent_id,
      state: r.state,
      offline: r.offline === 1,
      ...(r.reason !== null ? { reason: r.reason } : {}),
      ...(r.verdict !== null ? { verdict: r.verdict } : {}),
    });
    await this.enqueue(tx, r.ticket_id, ev, now, runId);
  }
}

export class SqlWebhookStore implements WebhookStore {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: SqlDb,
    private readonly log: Logger,
  ) {}

  /** A sink for one write job (see EventSink). */
  sink(): EventSink {
    return new EventSink();
  }

  /** Called after the write that used `sink` resolved (committed): wakes the listeners if it enqueued. */
  committed(sink: EventSink): void {
    if (!sink.added) return;
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.log.error("webhook listener failed", { error: String(e) });
      }
    }
  }

  onEnqueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async enqueueDeadlineWarnings(now: number, leadMs: number): Promise<number> {
    const sink = this.sink();
    const n = await this.db.write(async (tx) => {
      const rows = await tx.all<{ id: string; status: TicketStatus; respond_by: number; resolve_by: number; first_response_at: number | null; resolved_at: number | null }>(
        `SELECT id, status, respond_by, resolve_by, first_response_at, resolved_at FROM tickets
         WHERE status NOT IN ('resolved', 'closed')
           AND ((first_response_at IS NULL AND respond_by > ? AND respond_by <= ?) OR (resolved_at IS NULL AND resolve_by > ? AND resolve_by <= ?))
         ORDER BY created_at, id`,
        [now, now + leadMs, now, now + leadMs],
      );
      let added = 0;
      for (const t of rows) {
        const soon = (due: number) => due > now && due <= now + leadMs;
        if (t.first_response_at === null && soon(t.respond_by) && (await sink.enqueue(tx, t.id, deadlineEvent(t.id, "respond", t.respond_by, t.status, now), now))) added++;
        if (t.resolved_at === null && soon(t.resolve_by) && (await sink.enqueue(tx, t.id, deadlineEvent(t.id, "resolve", t.resolve_by, t.status, now), now))) added++;
      }
      return added;
    });
    this.committed(sink);
    return n;
  }

  // ---- the dispatcher's side ----------------------------------------------------------------------------

  async unexpandedEvents(limit: number): Promise<UnexpandedEvent[]> {
    const rows = await this.db.all<{ id: string; type: string; at: number; ticket_id: string; run_id: string | null; facts: string }>(
      "SELECT id, type, at, ticket_id, run_id, facts FROM webhook_events WHERE expanded_at IS NULL ORDER BY at, id LIMIT ?",
      [limit],
    );
    const out: UnexpandedEvent[] = [];
    for (const r of rows) {
      const type = WebhookEventType.safeParse(r.type);
      if (!type.success) {
        // Cannot happen with this build's tables; never send what we cannot name, never retry it forever.
        this.log.warn("unreadable stored record", { eventId: r.id, part: "type", code: "INVALID_RECORD", reason: "unknown webhook event type" });
        await this.expandEvents([{ eventId: r.id, body: null, deliveries: [] }], r.at);
        continue;
      }
      out.push({ id: r.id, type: type.data, at: r.at, ticketId: r.ticket_id, facts: r.facts, ...(r.run_id !== null ? { runId: r.run_id } : {}) });
    }
    return out;
  }

  async expandEvents(items: readonly FanOut[], now: number): Promise<void> {
    if (items.length === 0) return;
    await this.db.write(async (tx) => {
      for (const it of items) {
        const r = await tx.run("UPDATE webhook_events SET body = ?, expanded_at = ? WHERE id = ? AND expanded_at IS NULL", [it.body, now, it.eventId]);
        if (r.changes === 0 || it.body === null) continue;
        for (const d of it.deliveries) {
          await tx.run("INSERT INTO webhook_deliveries (id, event_id, target, status, created_at, next_at) VALUES (?, ?, ?, 'pending', ?, ?)", [d.id, it.eventId, d.target, now, now]);
        }
      }
    });
  }

  /**
   * The lease is a conditional UPDATE: the due conditions are repeated outside the subquery, so a
   * collector whose UPDATE waited for another one's claim of the same rows (PostgreSQL re-checks the
   * outer conditions on the row that committed meanwhile) skips them: two collectors never hold one
   * delivery at once.
   */
  claimDue(target: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.db.write(async (tx) => {
      const rows = await tx.all<{ id: string; event_id: string; type: string; target: string; body: string; created_at: number; attempts: number }>(
        `UPDATE webhook_deliveries SET claimed_until = ?
         WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?) AND id IN (SELECT id FROM webhook_deliveries
           WHERE status = 'pending' AND target = ? AND next_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
           ORDER BY next_at, id LIMIT ?)
         RETURNING id, event_id, target, created_at, attempts,
           (SELECT type FROM webhook_events WHERE webhook_events.id = event_id) AS type,
           (SELECT body FROM webhook_events WHERE webhook_events.id = event_id) AS body`,
        [now + leaseMs, now, target, now, now, limit],
      );
      return rows.map((r) => ({ id: r.id, eventId: r.event_id, type: WebhookEventType.parse(r.type), target: r.target, body: r.body, createdAt: r.created_at, attempts: r.attempts }));
    });
  }

  /**
   * SQLite: one collector owns the file, so a lease still running at its start is a dead process's.
   * PostgreSQL: other collectors may hold leases right now (ending them could deliver one delivery
   * twice at once), so nothing is released: a dead collector's leases end on their own (claimed_until).
   */
  async releaseClaims(): Promise<void> {
    if (this.db.dialect.name !== "sqlite") return;
    await this.db.write((tx) => tx.run("UPDATE webhook_deliveries SET claimed_until = NULL WHERE claimed_until IS NOT NULL"));
  }

  async recordAttempt(deliveryId: string, a: WebhookAttempt, outcome: AttemptOutcome): Promise<void> {
    await this.db.write(async (tx) => {
      const row = await tx.get<{ attempts: number }>(`SELECT attempts FROM webhook_deliveries WHERE id = ?${this.db.dialect.forUpdate}`, [deliveryId]);
      if (!row) throw new Error(`recordAttempt: unknown delivery ${deliveryId}`);
      const n = row.attempts + 1;
      const error = a.error?.slice(0, MAX_LOGGED_TEXT) ?? null;
      await tx.run("INSERT INTO webhook_attempts (delivery_id, n, at, duration_ms, status_code, error, response) VALUES (?, ?, ?, ?, ?, ?, ?)", [
        deliveryId,
        n,
        a.at,
        a.durationMs,
        a.statusCode ?? null,
        error,
        a.response?.slice(0, MAX_LOGGED_TEXT) ?? null,
      ]);
      const done = outcome.status !== "pending";
      await tx.run(
        `UPDATE webhook_deliveries SET attempts = ?, last_attempt_at = ?, last_status_code = ?, last_error = ?, claimed_until = NULL,
           status = ?, next_at = ?, completed_at = ? WHERE id = ?`,
        [n, a.at, a.statusCode ?? null, error, outcome.status, outcome.status === "pending" ? outcome.nextAt : null, done ? a.at : null, deliveryId],
      );
    });
  }

  async failOrphans(configured: readonly string[], now: number, reason: string): Promise<number> {
    const r = await this.db.write((tx) =>
      tx.run(
        `UPDATE webhook_deliveries SET status = 'failed', completed_at = ?, next_at = NULL, claimed_until = NULL, last_error = ?
         WHERE status = 'pending' ${configured.length ? `AND target NOT IN (${inList(configured)})` : ""}`,
        [now, reason, ...configured],
      ),
    );
    return r.changes;
  }

  async nextDueAt(targets: readonly string[]): Promise<number | undefined> {
    if (targets.length === 0) return undefined;
    // A leased delivery is due again only when its lease ends (its attempt normally ends it sooner).
    const r = await this.db.get<{ due: number | null }>(
      `SELECT min(${this.db.dialect.greatest("next_at", "coalesce(claimed_until, 0)")}) AS due FROM webhook_deliveries WHERE status = 'pending' AND target IN (${inList(targets)})`,
      [...targets],
    );
    return r?.due ?? undefined;
  }

  async listDeliveries(q: DeliveryQuery): Promise<WebhookDelivery[]> {
    const conds: string[] = [];
    const params: SqlValue[] = [];
    if (q.target !== undefined) (conds.push("d.target = ?"), params.push(q.target));
    if (q.status !== undefined) (conds.push("d.status = ?"), params.push(q.status));
    if (q.ticketId !== undefined) (conds.push("e.ticket_id = ?"), params.push(q.ticketId));
    const rows = await this.db.all<DeliveryRow>(
      `${DELIVERY_SELECT} ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""} ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
      [...params, q.limit],
    );
    return rows.map(toDelivery);
  }

  async getDelivery(id: string): Promise<WebhookDeliveryDetail | undefined> {
    const r = await this.db.get<DeliveryRow & { body: string | null }>(
      `${DELIVERY_SELECT.replace("SELECT d.id,", "SELECT e.body, d.id,")} WHERE d.id = ?`,
      [id],
    );
    if (!r) return undefined;
    const attempts = await this.db.all<{ n: number; at: number; duration_ms: number; status_code: number | null; error: string | null; response: string | null }>(
      "SELECT n, at, duration_ms, status_code, error, response FROM webhook_attempts WHERE delivery_id = ? ORDER BY n",
      [id],
    );
    return {
      ...toDelivery(r),
      body: r.body ?? "",
      attemptLog: attempts.map((a) => ({
        n: a.n,
        at: a.at,
        durationMs: a.duration_ms,
        ...(a.status_code !== null ? { statusCode: a.status_code } : {}),
        ...(a.error !== null ? { error: a.error } : {}),
        ...(a.response !== null ? { response: a.response } : {}),
      })),
    };
  }

  async redeliver(id: string, newId: string, now: number): Promise<RedeliverResult> {
    const r = await this.db.write(async (tx): Promise<RedeliverResult | undefined> => {
      const d = await tx.get<{ event_id: string; target: string; status: DeliveryStatus; next_at: number | null }>(`SELECT event_id, target, status, next_at FROM webhook_deliveries WHERE id = ?${this.db.dialect.forUpdate}`, [id]);
      if (!d) return { ok: false, code: "NOT_FOUND", message: `delivery ${id} not found` };
      if (d.status === "pending") {
        return { ok: false, code: "DELIVERY_PENDING", message: `delivery ${id} is still pending${d.next_at !== null ? `; its next attempt is due at ${new Date(d.next_at).toISOString()}` : ""}` };
      }
      await tx.run("INSERT INTO webhook_deliveries (id, event_id, target, status, created_at, next_at, redelivery_of) VALUES (?, ?, ?, 'pending', ?, ?, ?)", [newId, d.event_id, d.target, now, now, id]);
      return undefined;
    });
    if (r) return r;
    // The new delivery is due now: wake the dispatcher like an enqueued event does.
    this.committed(Object.assign(this.sink(), { added: true }));
    const created = await this.db.get<DeliveryRow>(`${DELIVERY_SELECT} WHERE d.id = ?`, [newId]);
    return { ok: true, delivery: toDelivery(created!) };
  }

  async countDeliveries(status?: DeliveryStatus): Promise<number> {
    const r = await this.db.get<{ n: number }>(`SELECT count(*) AS n FROM webhook_deliveries ${status ? "WHERE status = ?" : ""}`, status ? [status] : []);
    return r?.n ?? 0;
  }
}
