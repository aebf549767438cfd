// A ticket as every response carries it: redacted for the caller's role (collector/auth/redact.ts)
// and with its deadlines (time left or overdue) computed now, never stored.
import type { Role, Ticket } from "../../shared/api.js";
import { redactTicket, type View } from "../auth/redact.js";
import { deadlineStatus } from "../tickets/deadlines.js";

export function withDeadlines<T extends Ticket>(t: T, now: number): T {
  return { ...t, deadlines: deadlineStatus(t, now) };
}

export function ticketView<T extends Ticket>(role: Role, view: View, t: T, now: number): T {
  return redactTicket(role, view, withDeadlines(t, now));
}
