// What the desk pages read, through the same functions as the API's routes (readTicket audits the
// read and redacts by role), and the one bridge from a page's form to the ticket actions.
import type { Agent, Ticket } from "../../../shared/api.js";
import type { TicketDeadlines, TicketQuery } from "../../../shared/ticket.js";
import type { TextKey } from "../../../shared/i18n/index.js";
import type { AppDeps } from "../../app.js";
import { redactTicket } from "../../auth/redact.js";
import type { Principal } from "../../auth/principal.js";
import { agentView } from "../../routes/agents.js";
import { readTicket } from "../../routes/tickets.js";
import { deadlineStatus } from "../../tickets/deadlines.js";
import type { View } from "../page-spec.js";
import type { FormError, TicketPageData } from "./ticket-view.js";

const withDeadlines = <T extends Ticket>(t: T, now: number): T & { deadlines: TicketDeadlines } => ({ ...t, deadlines: t.deadlines ?? deadlineStatus(t, now) });

async function agentsNow(d: AppDeps): Promise<Agent[]> {
  return (await d.store.listAgents()).map((a) => agentView(a, d.hub.isConnected(a.id)));
}

export async function loadList(d: AppDeps, v: View, q: TicketQuery) {
  const role = v.principal!.role;
  const tickets = (await d.store.listTickets(q, v.now)).map((t) => withDeadlines(redactTicket(role, "list", t), v.now));
  return { tickets, agents: (await agentsNow(d)).filter((a) => a.revokedAt === undefined) };
}

/** Causes that are no fault: there is nothing to have fixed. */
const NO_FAULT = new Set(["NONE", "UNDETERMINED"]);

export async function loadTicketPage(d: AppDeps, v: View, id: string, error?: FormError): Promise<TicketPageData> {
  const p = v.principal!;
  const ticket = await readTicket(d, p, id);
  const history = await d.store.listTicketHistory(ticket.id);
  const ranOn = new Set([...ticket.runs.map((r) => r.agentId), ...(ticket.agentId ? [ticket.agentId] : [])]);
  const agents = (await agentsNow(d)).filter((a) => a.revokedAt === undefined && (a.ticketId === ticket.id || ranOn.has(a.id)));
  const cause = ticket.lastVerdict?.cause;
  const knowledge = cause && !NO_FAULT.has(cause) ? { cause, ...(await d.store.listKnowledge(cause, { excludeTicketId: ticket.id, limit: 5 })) } : undefined;
  const v2 = verificationOf(ticket.runs);
  return {
    ticket,
    deadlines: ticket.deadlines ?? deadlineStatus(ticket, v.now),
    history,
    agents,
    ...(knowledge ? { knowledge } : {}),
    ...v2,
    canAct: (["admin", "engineer"] as const).includes(p.role as never),
    ...(error ? { error } : {}),
  };
}

/** PLACEHOLDER until the desk backend's verification module is merged. */
function verificationOf(runs: TicketPageData["ticket"]["runs"]): Pick<TicketPageData, "failingRunId" | "comparable" | "verificationRunId"> {
  const failing = [...runs].reverse().find((r) => r.verdict && r.verdict.cause !== "NONE");
  if (!failing) return { comparable: false };
  const after = runs.filter((r) => r.createdAt > failing.createdAt);
  const healthy = after.find((r) => r.state === "completed" && r.verdict?.cause === "NONE");
  return { failingRunId: failing.id, comparable: after.length > 0, ...(healthy ? { verificationRunId: healthy.id } : {}) };
}

const REFUSALS = new Set(["ILLEGAL_TRANSITION", "TICKET_CLOSED", "NO_CHANGE", "VERIFICATION_REQUIRED", "CONFIRMATION_INCOMPLETE"]);

/** A refusal of the shared code path in the page's language (the state machine's codes), else its message. */
export function refusalText(v: View, code: string, message: string, _d?: AppDeps): string {
  if (REFUSALS.has(code)) return v.t(`desk.err.${code}` as TextKey, { status: "" });
  return v.t("desk.err.other", { message });
}

/** PLACEHOLDER until the desk backend's routes are merged. */
export async function ticketAction(_d: AppDeps, _p: Principal, _id: string, _form: string, _body: unknown): Promise<{ anchor?: string }> {
  throw new Error("not wired yet");
}
