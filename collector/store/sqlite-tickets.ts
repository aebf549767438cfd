// The support desk's part of the SQLite store: ticket lists with filters, lifecycle transitions through
// collector/tickets/ticket-state.ts, history and knowledge. SqliteStore delegates to these.
import type { Ticket } from "../../shared/api.js";
import type { KnowledgeEntry, TicketAction, TicketHistoryEntry, TicketQuery } from "../../shared/ticket.js";
import type { Logger } from "../../shared/log.js";
import type { SqliteDb } from "./sqlite-db.js";
import type { TicketTransitionResult } from "./types.js";

const todo = (what: string): never => {
  throw new Error(`${what}: not implemented yet`);
};

export async function listTickets(_db: SqliteDb, _log: Logger, _q: TicketQuery, _now: number): Promise<Ticket[]> {
  return todo("listTickets");
}

export async function transitionTicket(_db: SqliteDb, _log: Logger, _id: string, _a: TicketAction, _actor: string, _now: number): Promise<TicketTransitionResult> {
  return todo("transitionTicket");
}

export async function listTicketHistory(_db: SqliteDb, _log: Logger, _ticketId: string): Promise<TicketHistoryEntry[]> {
  return todo("listTicketHistory");
}

export async function listKnowledge(_db: SqliteDb, _log: Logger, _cause: string, _o: { excludeTicketId?: string; limit: number }): Promise<{ tickets: KnowledgeEntry[]; total: number }> {
  return todo("listKnowledge");
}
