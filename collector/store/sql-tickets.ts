// The support desk's part of the store: ticket lists with filters, lifecycle transitions through
// collector/tickets/ticket-state.ts, history and knowledge. SqlStore delegates to these.
import { z } from "zod";
import type { Ticket } from "../../shared/api.js";
import type { Logger } from "../../shared/log.js";
import { Confirmation, Resolution, type KnowledgeEntry, type TicketAction, type TicketHistoryEntry, type TicketQuery } from "../../shared/ticket.js";
import { decideTicket, noteOf, type TicketPatch } from "../tickets/ticket-state.js";
import { readRecord } from "./read-record.js";
import type { Dialect, SqlDb, SqlValue, Tx } from "./sql.js";
import { TICKET_SELECT, toTicket, type TicketRow } from "./ticket-row.js";
import type { TicketScope, TicketTransitionResult } from "./types.js";
import { ticketEvent } from "../webhooks/events.js";
import type { EventSink } from "./sql-webhooks.js";

/** Statuses in which a ticket is done with (its deadlines no longer run; listed after the open ones). */
const DONE = "('resolved', 'closed')";

/**
 * Past a deadline not met: no first response by respond_by, or not resolved by resolve_by. The same
 * rule as deadlineStatus (collector/tickets/deadlines.ts): overdue when now > due.
 */
const OVERDUE = "((first_response_at IS NULL AND respond_by < ?) OR (resolved_at IS NULL AND resolve_by < ?))";

/** The nearest deadline not yet met (NULL when both are met). */
const nextDue = (d: Dialect) => `CASE
  WHEN first_response_at IS NULL AND resolved_at IS NULL THEN ${d.least("respond_by", "resolve_by")}
  WHEN first_response_at IS NULL THEN respond_by
  WHEN resolved_at IS NULL THEN resolve_by
END`;

/**
 * deadline: open tickets by their nearest unmet deadline (so the most overdue come first), then the
 * resolved ones waiting for the customer's confirmation, then closed ones, each newest resolved first.
 * created: newest first. NULLs are placed explicitly (SQLite sorts them first, PostgreSQL last).
 */
const order = (d: Dialect): Record<TicketQuery["sort"], string> => ({
  deadline: `CASE status WHEN 'resolved' THEN 1 WHEN 'closed' THEN 2 ELSE 0 END, ${nextDue(d)} NULLS LAST, resolved_at DESC NULLS LAST, created_at DESC, id`,
  created: "created_at DESC, id DESC",
});

export async function listTickets(db: SqlDb, log: Logger, q: TicketQuery, now: number, scope: TicketScope = "all"): Promise<Ticket[]> {
  const conds: string[] = [];
  const params: SqlValue[] = [];
  const oneOf = (col: string, values: readonly string[] | undefined) => {
    if (!values?.length) return;
    conds.push(`${col} IN (${values.map(() => "?").join(", ")})`);
    params.push(...values);
  };
  oneOf("status", q.status);
  oneOf("severity", q.severity);
  if (q.overdue === "1") {
    conds.push(OVERDUE);
    params.push(now, now);
  }
  if (q.agentId !== undefined) {
    // The ticket's agent: enrolled for it, or ran a run on it (either is "this site's ticket").
    conds.push("tickets.id IN (SELECT ticket_id FROM agents WHERE id = ? AND ticket_id IS NOT NULL UNION SELECT ticket_id FROM runs WHERE agent_id = ?)");
    params.push(q.agentId, q.agentId);
  }
  if (q.cause !== undefined) {
    conds.push("last_cause = ?");
    params.push(q.cause);
  }
  if (q.externalId !== undefined) {
    conds.push("external_id = ?");
    params.push(q.externalId);
  }
  if (scope === "external") conds.push("external_id IS NOT NULL");
  const rows = await db.all<TicketRow>(
    `${TICKET_SELECT} ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""} ORDER BY ${order(db.dialect)[q.sort]} LIMIT ?`,
    [...params, q.limit],
  );
  return rows.map((r) => toTicket(r, log));
}

/** A patch key -> its column; JSON columns are serialized, `null` clears. */
const PATCH_COLUMNS: { [K in keyof TicketPatch]-?: string } = {
  status: "status",
  firstResponseAt: "first_response_at",
  escalatedTo: "escalated_to",
  escalatedAt: "escalated_at",
  resolvedAt: "resolved_at",
  closedAt: "closed_at",
  resolution: "resolution",
  confirmation: "confirmation",
};

function patchAssignments(p: TicketPatch): { sets: string[]; values: SqlValue[] } {
  const sets: string[] = [];
  const values: SqlValue[] = [];
  for (const [key, col] of Object.entries(PATCH_COLUMNS) as [keyof TicketPatch, string][]) {
    const v = p[key];
    if (v === undefined) continue;
    sets.push(`${col} = ?`);
    values.push(v === null || typeof v === "string" || typeof v === "number" ? v : JSON.stringify(v));
  }
  // The knowledge base's key goes with the resolution: set by resolve, cleared by reopen.
  if (p.resolution !== undefined) {
    sets.push("resolution_cause = ?");
    values.push(p.resolution?.cause ?? null);
  }
  return { sets, values };
}

/**
 * One transaction: read the ticket, let the state machine decide, write its patch, a history entry and
 * the webhook event the transition causes (collector/webhooks/events.ts: escalated, resolved, closed).
 * The ticket's row is locked first (forUpdate: another collector's transition of it waits), so nothing
 * changes the ticket between the read and the write.
 */
export function transitionTicket(db: SqlDb, log: Logger, id: string, a: TicketAction, actor: string, now: number, sink: EventSink): Promise<TicketTransitionResult> {
  return db.write(async (tx): Promise<TicketTransitionResult> => {
    if (db.dialect.forUpdate) await tx.get(`SELECT id FROM tickets WHERE id = ?${db.dialect.forUpdate}`, [id]);
    const row = await readTicket(tx, id);
    if (!row) return { ok: false, code: "NOT_FOUND", message: `ticket ${id} not found` };
    const d = decideTicket({ status: row.status, firstResponseAt: row.first_response_at ?? undefined, escalatedTo: row.escalated_to ?? undefined }, a, now);
    if (!d.ok) return { ok: false, code: d.code, message: d.message };
    if (!d.changed) return { ok: true, ticket: toTicket(row, log), changed: false };
    const { sets, values } = patchAssignments(d.patch);
    await tx.run(`UPDATE tickets SET ${sets.join(", ")} WHERE id = ?`, [...values, id]);
    const note = noteOf(a);
    const entry: TicketHistoryEntry = {
      at: now,
      actor,
      action: a.kind,
      from: d.from,
      to: d.to,
      ...(note !== undefined ? { note } : {}),
      ...(Object.keys(d.detail).length ? { detail: d.detail } : {}),
    };
    await tx.run("INSERT INTO ticket_history (ticket_id, at, actor, action, from_status, to_status, note, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      id,
      now,
      actor,
      a.kind,
      d.from,
      d.to,
      note ?? null,
      entry.detail ? JSON.stringify(entry.detail) : null,
    ]);
    const event = ticketEvent(a, d.from, actor);
    if (event) await sink.enqueue(tx, id, event, now);
    const after = await readTicket(tx, id);
    return { ok: true, ticket: toTicket(after!, log), changed: true, entry };
  });
}

function readTicket(tx: Tx, id: string): Promise<TicketRow | undefined> {
  return tx.get<TicketRow>(`${TICKET_SELECT} WHERE id = ?`, [id]);
}

interface HistoryRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  from_status: TicketHistoryEntry["from"];
  to_status: TicketHistoryEntry["to"];
  note: string | null;
  detail: string | null;
}

const Detail = z.record(z.string(), z.unknown());

export async function listTicketHistory(db: SqlDb, log: Logger, ticketId: string): Promise<TicketHistoryEntry[]> {
  const rows = await db.all<HistoryRow>("SELECT * FROM ticket_history WHERE ticket_id = ? ORDER BY id", [ticketId]);
  return rows.map((r) => {
    let detail: Record<string, unknown> | undefined;
    if (r.detail !== null) {
      const rec = readRecord(r.detail, Detail);
      if (rec.ok) detail = rec.value;
      else log.warn("unreadable stored record", { ticketId, historyId: r.id, part: "detail", code: rec.code, reason: rec.reason });
    }
    return {
      at: r.at,
      actor: r.actor,
      action: r.action,
      from: r.from_status,
      to: r.to_status,
      ...(r.note !== null ? { note: r.note } : {}),
      ...(detail ? { detail } : {}),
    };
  });
}

interface KnowledgeRow {
  id: string;
  resolution: string | null;
  confirmation: string | null;
  resolution_cause: string;
  resolved_at: number | null;
  closed_at: number | null;
}

/** Resolved or closed tickets resolved with this verdict cause, newest resolution first. */
export async function listKnowledge(db: SqlDb, log: Logger, cause: string, o: { excludeTicketId?: string; limit: number }): Promise<{ tickets: KnowledgeEntry[]; total: number }> {
  const where = `resolution_cause = ? AND status IN ${DONE} AND id != ?`;
  const params = [cause, o.excludeTicketId ?? ""];
  const total = (await db.get<{ n: number }>(`SELECT count(*) AS n FROM tickets WHERE ${where}`, params))?.n ?? 0;
  const rows = await db.all<KnowledgeRow>(
    `SELECT id, resolution, confirmation, resolution_cause, resolved_at, closed_at FROM tickets WHERE ${where} ORDER BY resolved_at DESC NULLS LAST, id DESC LIMIT ?`,
    [...params, o.limit],
  );
  const tickets: KnowledgeEntry[] = [];
  for (const r of rows) {
    const res = readRecord(r.resolution ?? "null", Resolution);
    if (!res.ok) {
      // Counted in `total` but not shown: the row is there, its text cannot be read.
      log.warn("unreadable stored record", { ticketId: r.id, part: "resolution", code: res.code, reason: res.reason });
      continue;
    }
    const conf = r.confirmation === null ? undefined : readRecord(r.confirmation, Confirmation);
    if (conf && !conf.ok) log.warn("unreadable stored record", { ticketId: r.id, part: "confirmation", code: conf.code, reason: conf.reason });
    const satisfaction = conf?.ok ? conf.value.satisfaction : undefined;
    tickets.push({
      ticketId: r.id,
      cause: r.resolution_cause,
      ...(res.value.segment !== undefined ? { segment: res.value.segment } : {}),
      rootCause: res.value.rootCause,
      fix: res.value.fix,
      resolvedAt: r.resolved_at ?? r.closed_at ?? 0,
      verified: res.value.verificationRunId !== undefined,
      ...(satisfaction !== undefined ? { satisfaction } : {}),
    });
  }
  return { tickets, total };
}
