// What the desk pages read, through the same functions as the API's routes (readTicket audits the
// read and redacts by role), and the one bridge from a page's form to the ticket actions.
import type { Context } from "hono";
import type { Agent, Run, Ticket } from "../../../shared/api.js";
import type { TicketDeadlines, TicketQuery } from "../../../shared/ticket.js";
import type { TextKey } from "../../../shared/i18n/index.js";
import type { AppDeps } from "../../app.js";
import { redactTicket } from "../../auth/redact.js";
import { agentView } from "../../routes/agents.js";
import type { Env } from "../../routes/route-spec.js";
import { closeTicket, escalateTicket, loadTicketById, reopenTicket, resolveTicket, setTicketStatus, verifyFix } from "../../routes/ticket-lifecycle.js";
import { readTicket } from "../../routes/tickets.js";
import { newestRunAfter, verificationOf } from "../../tickets/verification.js";
import { deadlineStatus } from "../../tickets/deadlines.js";
import type { View } from "../page-spec.js";
import type { FormError, TicketPageData } from "./ticket-view.js";

type Ctx = Context<Env>;

const withDeadlines = <T extends Ticket>(t: T, now: number): T & { deadlines: TicketDeadlines } => ({ ...t, deadlines: t.deadlines ?? deadlineStatus(t, now) });

async function agentsNow(d: AppDeps): Promise<Agent[]> {
  const connected = await d.hub.connectedAgents();
  return (await d.store.listAgents()).map((a) => agentView(a, connected.has(a.id)));
}

export async function loadList(d: AppDeps, v: View, q: TicketQuery) {
  const role = v.principal!.role;
  const tickets = (await d.store.listTickets(q, v.now)).map((t) => withDeadlines(redactTicket(role, "list", t), v.now));
  return { tickets, agents: (await agentsNow(d)).filter((a) => a.revokedAt === undefined) };
}

/** Causes that are no fault: there is nothing to have fixed. */
const NO_FAULT = new Set(["NONE", "UNDETERMINED"]);

export async function loadTicketPage(c: Ctx, d: AppDeps, v: View, id: string, error?: FormError): Promise<TicketPageData> {
  const p = v.principal!;
  const ticket = await readTicket(c, d, id);
  const history = await d.store.listTicketHistory(ticket.id);
  const ranOn = new Set([...ticket.runs.map((r) => r.agentId), ...(ticket.agentId ? [ticket.agentId] : [])]);
  const agents = (await agentsNow(d)).filter((a) => a.revokedAt === undefined && (a.ticketId === ticket.id || ranOn.has(a.id)));
  const v2 = verificationFacts(ticket.id, ticket.runs);
  // The newest verdict's cause; once a verification run found nothing wrong, the cause it verified.
  const newest = ticket.lastVerdict?.cause;
  const cause = newest && !NO_FAULT.has(newest) ? newest : v2.failingCause;
  const knowledge = cause && !NO_FAULT.has(cause) ? { cause, ...(await d.store.listKnowledge(cause, { excludeTicketId: ticket.id, limit: 5 })) } : undefined;
  const { failingCause: _, ...facts } = v2;
  return {
    ticket,
    deadlines: ticket.deadlines ?? deadlineStatus(ticket, v.now),
    history,
    agents,
    ...(knowledge ? { knowledge } : {}),
    ...facts,
    canAct: (["admin", "engineer"] as const).includes(p.role as never),
    ...(error ? { error } : {}),
  };
}

/** What the page says about verifying the fix: the backend's own rules (collector/tickets/verification.ts). */
function verificationFacts(ticketId: string, runs: Run[]): Pick<TicketPageData, "failingRunId" | "comparable" | "verificationRunId"> & { failingCause?: string } {
  const { failing, verification } = verificationOf(ticketId, runs);
  if (!failing) return { comparable: false };
  return {
    failingRunId: failing.id,
    comparable: newestRunAfter(runs, failing) !== undefined,
    ...(verification ? { verificationRunId: verification.id } : {}),
    ...(failing.verdict ? { failingCause: failing.verdict.cause } : {}),
  };
}

const REFUSALS = new Set(["ILLEGAL_TRANSITION", "TICKET_CLOSED", "NO_CHANGE", "VERIFICATION_REQUIRED", "CONFIRMATION_INCOMPLETE", "NO_FAILING_RUN"]);

/** A refusal of the shared code path in the page's language (the state machine's codes), else its message. */
export function refusalText(v: View, code: string, message: string): string {
  if (REFUSALS.has(code)) return v.t(`desk.err.${code}` as TextKey);
  return v.t("desk.err.other", { message });
}

export type ActionForm = "status" | "escalate" | "resolve" | "close" | "reopen" | "verify";

/**
 * A lifecycle form's validated body through the API's own action (collector/routes/ticket-lifecycle.ts:
 * the state machine, the audit, the refusals); returns where the page goes next on the ticket.
 */
export async function ticketAction(c: Ctx, d: AppDeps, id: string, form: ActionForm, body: unknown): Promise<{ anchor?: string }> {
  const ticket = await loadTicketById(d, id);
  switch (form) {
    case "status":
      await setTicketStatus(c, d, ticket, body as Parameters<typeof setTicketStatus>[3]);
      return {};
    case "escalate":
      await escalateTicket(c, d, ticket, body as Parameters<typeof escalateTicket>[3]);
      return {};
    case "verify": {
      const run = await verifyFix(c, d, ticket, body as Parameters<typeof verifyFix>[3]);
      return { anchor: `#run-${run.id}` };
    }
    case "resolve":
      await resolveTicket(c, d, ticket, body as Parameters<typeof resolveTicket>[3]);
      return {};
    case "close":
      await closeTicket(c, d, ticket, body as Parameters<typeof closeTicket>[3]);
      return {};
    case "reopen":
      await reopenTicket(c, d, ticket, body as Parameters<typeof reopenTicket>[3]);
      return {};
  }
}
