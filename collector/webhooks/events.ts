// Which changes are webhook events, and what each event records when it happens (its "facts"). Pure:
// the store calls these inside the transaction that makes the change (a ticket transition decided by
// collector/tickets/ticket-state.ts, a run state written after collector/runs/run-state.ts decided it,
// the deadline sweep), so an event exists exactly when its change committed. docs/webhooks.md, "Events".
import { z } from "zod";
import type { RunState } from "../../shared/api.js";
import type { TicketAction, TicketStatus } from "../../shared/ticket.js";
import { DeadlineApproachingData, RunFinishedData, TicketClosedData, TicketEscalatedData, TicketResolvedData, type WebhookEventType } from "../../shared/webhooks.js";
import { isTerminal } from "../runs/run-state.js";

/** An event as the causing transaction writes it: the body is built later, when it is fanned out. */
export interface EventRecord {
  type: WebhookEventType;
  facts: Record<string, unknown>;
  /** Events that must happen once (a deadline warning) carry a key; a second insert is ignored. */
  dedupeKey?: string;
}

/**
 * What each type's facts hold, checked when they are read back to build the body. The escalation's
 * hand-over is built at fan-out time (it reads the ticket's runs and history), so its facts lack it.
 */
export const EVENT_FACTS: { [T in WebhookEventType]: z.ZodType<Record<string, unknown>> } = {
  "run.finished": RunFinishedData,
  "ticket.escalated": TicketEscalatedData.omit({ handover: true }),
  "ticket.resolved": TicketResolvedData,
  "ticket.closed": TicketClosedData,
  "ticket.deadline_approaching": DeadlineApproachingData,
};

/** The event a committed ticket transition causes, if any: escalated, resolved and closed. */
export function ticketEvent(a: TicketAction, from: TicketStatus, actor: string): EventRecord | undefined {
  const note = (n: string | undefined) => (n !== undefined ? { note: n } : {});
  switch (a.kind) {
    case "escalate":
      return { type: "ticket.escalated", facts: { by: actor, from, team: a.to, ...note(a.note) } };
    case "resolve":
      return { type: "ticket.resolved", facts: { by: actor, from, resolution: a.resolution, ...note(a.note) } };
    case "close":
      return { type: "ticket.closed", facts: { by: actor, confirmation: a.confirmation } };
    default:
      return undefined;
  }
}

/** A run as stored right after its state was written. */
export interface RunEndRow {
  id: string;
  agentId: string;
  state: RunState;
  reason?: string;
  offline: boolean;
  /** The stored verdict JSON (written by the same or an earlier transaction). */
  verdict?: string;
}

/**
 * run.finished when a state change leaves the run in an end state. A run that expired and is then
 * reported by its agent after all (docs/delivery.md) ends twice, so it sends run.finished twice: the
 * second carries its final state and verdict.
 */
export const endsRun = (changed: boolean, state: RunState): boolean => changed && isTerminal(state);

/** The run.finished event of a run that just reached an end state (endsRun). */
export function runFinishedEvent(run: RunEndRow): EventRecord {
  return {
    type: "run.finished",
    facts: {
      runId: run.id,
      agentId: run.agentId,
      state: run.state,
      ...(run.reason !== undefined ? { reason: run.reason } : {}),
      offline: run.offline,
      // Stored from a validated event in this process; checked again against Verdict at fan-out.
      ...(run.verdict !== undefined ? { verdict: JSON.parse(run.verdict) as unknown } : {}),
    },
  };
}

/** A deadline of an open ticket that passes within the warning's lead time (once per ticket and deadline). */
export function deadlineEvent(ticketId: string, deadline: "respond" | "resolve", due: number, status: TicketStatus, now: number): EventRecord {
  return { type: "ticket.deadline_approaching", facts: { deadline, due, leftMs: due - now, status }, dedupeKey: `deadline:${ticketId}:${deadline}:${due}` };
}
