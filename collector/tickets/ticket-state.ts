// The ticket lifecycle as one pure state machine (docs/support-process.md): every store, route and page
// that changes a ticket asks `decideTicket` and applies what it returns; nothing else decides a status.
import type { Confirmation, Resolution, TicketAction, TicketActionKind, TicketStatus } from "../../shared/ticket.js";

/** What the machine needs to know about the ticket now. */
export interface TicketFacts {
  status: TicketStatus;
  firstResponseAt?: number | undefined;
  escalatedTo?: string | undefined;
}

/** Fields to write; `null` clears a field (reopen clears the resolution and confirmation). */
export interface TicketPatch {
  status: TicketStatus;
  firstResponseAt?: number;
  escalatedTo?: string;
  escalatedAt?: number;
  resolvedAt?: number | null;
  closedAt?: number | null;
  resolution?: Resolution | null;
  confirmation?: Confirmation | null;
}

export type TicketRefusalCode =
  /** The action is not allowed from the ticket's status. */
  | "ILLEGAL_TRANSITION"
  /** The ticket is closed: reopen it first. */
  | "TICKET_CLOSED"
  /** Already in that status / already escalated to that team. */
  | "NO_CHANGE"
  /** Resolving needs a healthy verification run or an explicit reason. */
  | "VERIFICATION_REQUIRED"
  /** Closing as confirmed needs the customer's satisfaction; unreachable needs a note. */
  | "CONFIRMATION_INCOMPLETE";

export type TicketDecision =
  | {
      ok: true;
      from: TicketStatus;
      to: TicketStatus;
      /** false: allowed but nothing to write (a run triggered on a ticket already being diagnosed). */
      changed: boolean;
      patch: TicketPatch;
      /** What goes into the ticket's history (and the audit trail). */
      detail: Record<string, unknown>;
    }
  | { ok: false; code: TicketRefusalCode; message: string };

/**
 * From which statuses each action is allowed. An action from a status not listed is refused with
 * ILLEGAL_TRANSITION (TICKET_CLOSED from closed). Exported for the table test and the docs.
 */
export const ALLOWED_FROM: Readonly<Record<TicketActionKind, readonly TicketStatus[]>> = {
  set_status: ["new", "diagnosing", "waiting_customer", "escalated"],
  // A run on an escalated or resolved ticket (a field visit, a verification) leaves its status alone.
  diagnosis_triggered: ["new", "diagnosing", "waiting_customer", "escalated", "resolved"],
  escalate: ["new", "diagnosing", "waiting_customer", "escalated"],
  // From new too: a fault fixed on the first call (a modem restart) is resolved without a diagnosis run,
  // and then needs an explicit reason for the missing verification.
  resolve: ["new", "diagnosing", "waiting_customer", "escalated"],
  close: ["resolved"],
  reopen: ["resolved", "closed"],
};

function targetOf(a: TicketAction, from: TicketStatus): TicketStatus {
  switch (a.kind) {
    case "set_status":
      return a.to;
    case "diagnosis_triggered":
      return from === "new" || from === "waiting_customer" ? "diagnosing" : from;
    case "escalate":
      return "escalated";
    case "resolve":
      return "resolved";
    case "close":
      return "closed";
    case "reopen":
      return "diagnosing";
  }
}

const refuse = (code: TicketRefusalCode, message: string): TicketDecision => ({ ok: false, code, message });

export function decideTicket(t: TicketFacts, a: TicketAction, now: number): TicketDecision {
  const from = t.status;
  if (!ALLOWED_FROM[a.kind].includes(from)) {
    if (from === "closed") return refuse("TICKET_CLOSED", `the ticket is closed; reopen it before you ${a.kind.replace("_", " ")}`);
    return refuse("ILLEGAL_TRANSITION", `cannot ${a.kind.replace("_", " ")} a ticket that is ${from}`);
  }
  const to = targetOf(a, from);
  const patch: TicketPatch = { status: to };
  const detail: Record<string, unknown> = {};

  switch (a.kind) {
    case "set_status":
      if (to === from) return refuse("NO_CHANGE", `the ticket is already ${from}`);
      break;
    case "diagnosis_triggered":
      detail.runId = a.runId;
      break;
    case "escalate":
      if (from === "escalated" && t.escalatedTo === a.to) return refuse("NO_CHANGE", `the ticket is already escalated to ${a.to}`);
      patch.escalatedTo = a.to;
      patch.escalatedAt = now;
      detail.to = a.to;
      break;
    case "resolve": {
      const r = a.resolution;
      if (!r.verificationRunId && !r.unverifiedReason?.trim())
        return refuse("VERIFICATION_REQUIRED", "no healthy verification run after the failing one: verify the fix first, or give the reason it cannot be verified");
      patch.resolvedAt = now;
      patch.closedAt = null;
      patch.resolution = r;
      detail.verified = Boolean(r.verificationRunId);
      if (r.verificationRunId) detail.verificationRunId = r.verificationRunId;
      if (r.cause) detail.cause = r.cause;
      break;
    }
    case "close": {
      const c = a.confirmation;
      if (c.outcome === "confirmed" && c.satisfaction === undefined)
        return refuse("CONFIRMATION_INCOMPLETE", "closing as confirmed needs the customer's satisfaction (1-5)");
      if (c.outcome === "unreachable" && !c.note?.trim())
        return refuse("CONFIRMATION_INCOMPLETE", "closing without the customer's confirmation needs a note of the follow-up attempts");
      patch.closedAt = now;
      patch.confirmation = c;
      detail.outcome = c.outcome;
      if (c.satisfaction !== undefined) detail.satisfaction = c.satisfaction;
      break;
    }
    case "reopen":
      patch.resolvedAt = null;
      patch.closedAt = null;
      patch.resolution = null;
      patch.confirmation = null;
      break;
  }
  const changed = to !== from || a.kind === "escalate";
  // The response deadline is met by the first move out of "new".
  if (changed && from === "new" && t.firstResponseAt === undefined) patch.firstResponseAt = now;
  return { ok: true, from, to, changed, patch, detail };
}

/** The note an action carries, for the history entry. */
export function noteOf(a: TicketAction): string | undefined {
  switch (a.kind) {
    case "set_status":
    case "escalate":
    case "resolve":
      return a.note;
    case "reopen":
      return a.note;
    case "close":
      return a.confirmation.note;
    case "diagnosis_triggered":
      return undefined;
  }
}
