// A ticket row as stored and its mapping to the API's Ticket: the one place both halves of the
// store (sql-store.ts, sql-tickets.ts) read tickets through. The JSON columns (resolution,
// confirmation) go through the bounded parser and their schema (read-record.ts): one that cannot be
// read is left out of the ticket and logged, never a failed read.
import type { z } from "zod";
import type { Ticket } from "../../shared/api.js";
import type { Logger } from "../../shared/log.js";
import { Confirmation, EscalationTeam, Resolution } from "../../shared/ticket.js";
import { readRecord } from "./read-record.js";

export interface TicketRow {
  id: string;
  customer_name: string;
  customer_contact: string;
  customer_site: string | null;
  service: string;
  symptom: string;
  started_at: string | null;
  frequency: string | null;
  already_tried: string | null;
  category: Ticket["category"];
  severity: Ticket["severity"];
  status: Ticket["status"];
  created_at: number;
  created_by: string;
  respond_by: number;
  resolve_by: number;
  first_response_at: number | null;
  escalated_to: string | null;
  escalated_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  resolution: string | null;
  confirmation: string | null;
  resolution_cause: string | null;
  last_run_id: string | null;
  last_segment: string | null;
  last_cause: string | null;
  /** The external ticket system's id (migration v5). */
  external_id: string | null;
  /** Not a column: the ticket's agent, computed by TICKET_SELECT. */
  agent_id: string | null;
}

/**
 * The agent of a ticket: the newest one run on it, else the newest one enrolled for it. Both lookups
 * use an index (runs_ticket, agents_ticket), so a list of many tickets costs two probes per row.
 */
const AGENT_OF_TICKET = `coalesce(
  (SELECT agent_id FROM runs WHERE runs.ticket_id = tickets.id ORDER BY created_at DESC, id DESC LIMIT 1),
  (SELECT id FROM agents WHERE agents.ticket_id = tickets.id ORDER BY created_at DESC, id DESC LIMIT 1))`;

/** SELECT of every ticket column plus `agent_id`; append WHERE / ORDER BY. */
export const TICKET_SELECT = `SELECT tickets.*, ${AGENT_OF_TICKET} AS agent_id FROM tickets`;

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** A JSON column read back; unreadable -> undefined, logged with the ticket and column. */
function jsonColumn<S extends z.ZodType>(log: Logger, ticketId: string, part: string, text: string | null, schema: S): z.infer<S> | undefined {
  if (text === null) return undefined;
  const rec = readRecord(text, schema);
  if (rec.ok) return rec.value;
  log.warn("unreadable stored record", { ticketId, part, code: rec.code, reason: rec.reason });
  return undefined;
}

export function toTicket(r: Omit<TicketRow, "agent_id"> & { agent_id?: string | null }, log: Logger): Ticket {
  const escalatedTo = r.escalated_to === null ? undefined : EscalationTeam.safeParse(r.escalated_to);
  if (escalatedTo && !escalatedTo.success) log.warn("unreadable stored record", { ticketId: r.id, part: "escalated_to", code: "INVALID_RECORD", reason: "not a known team" });
  const lastVerdict =
    r.last_run_id !== null && r.last_segment !== null && r.last_cause !== null ? { runId: r.last_run_id, segment: r.last_segment, cause: r.last_cause } : undefined;
  return stripUndefined({
    id: r.id,
    customer: stripUndefined({ name: r.customer_name, contact: r.customer_contact, site: opt(r.customer_site) }),
    service: r.service,
    symptom: r.symptom,
    startedAt: opt(r.started_at),
    frequency: opt(r.frequency),
    alreadyTried: opt(r.already_tried),
    category: r.category,
    severity: r.severity,
    status: r.status,
    createdAt: r.created_at,
    createdBy: r.created_by,
    respondBy: r.respond_by,
    resolveBy: r.resolve_by,
    firstResponseAt: opt(r.first_response_at),
    escalatedTo: escalatedTo?.success ? escalatedTo.data : undefined,
    escalatedAt: opt(r.escalated_at),
    resolvedAt: opt(r.resolved_at),
    closedAt: opt(r.closed_at),
    resolution: jsonColumn(log, r.id, "resolution", r.resolution, Resolution),
    confirmation: jsonColumn(log, r.id, "confirmation", r.confirmation, Confirmation),
    lastVerdict,
    agentId: opt(r.agent_id ?? null),
    externalId: opt(r.external_id),
  });
}
