// The escalation hand-over (docs/support-process.md, "Escalation and the hand-over"): everything the
// next team needs so nobody repeats the checks: the symptom, the customer as the reader's role may see
// them (collector/auth/redact.ts), every step already checked with its result, the verdict with its
// evidence, the deadlines, to whom and by whom. As JSON, and as plain text an engineer pastes into
// another system. Pure: ticket, runs and history in.
import type { Role, Run, Ticket } from "../../shared/api.js";
import type { Handover, TicketHistoryEntry } from "../../shared/ticket.js";
import { formatHandover } from "../../shared/ticket-text.js";
import { redactRun, redactTicket } from "../auth/redact.js";
import { deadlineStatus } from "./deadlines.js";

export interface HandoverInput {
  ticket: Ticket;
  /** The ticket's runs, oldest first (Store.listRunsForTicket). */
  runs: readonly Run[];
  /** The ticket's history, oldest first. */
  history: readonly TicketHistoryEntry[];
  /** The reader's role: decides which customer data the hand-over carries. */
  role: Role;
  now: number;
}

type Step = Run["steps"][number]["result"];

/** A step's result in one list: warn/fail findings, or why it measured nothing. */
function stepFindings(s: Step): string[] {
  const problems = s.findings.filter((f) => f.severity !== "info").map((f) => `${f.code}: ${f.message}`);
  if (s.status === "error" || s.status === "timeout") return [...problems, s.error ? `${s.error.code}: ${s.error.message}` : s.status];
  if (s.status === "skipped") return [`not measured: ${s.skipReason ?? "skipped"}`];
  return problems;
}

export function buildHandover(i: HandoverInput): Handover {
  const { ticket: t } = i;
  // A single ticket read (the route audits it), so the "record" rules of the reader's role apply.
  const customer = redactTicket(i.role, "record", t).customer;
  // Secrets are scrubbed from everything an agent reported, as in every other response.
  const runs = i.runs.map(redactRun);
  const source = runs.findLast((r) => r.state === "completed" && r.verdict);
  const escalation = i.history.findLast((h) => h.action === "escalate");
  return {
    ticketId: t.id,
    ...(t.escalatedTo !== undefined ? { to: t.escalatedTo } : {}),
    ...(t.escalatedAt !== undefined ? { escalatedAt: t.escalatedAt } : {}),
    ...(escalation ? { escalatedBy: escalation.actor } : {}),
    status: t.status,
    severity: t.severity,
    category: t.category,
    symptom: t.symptom,
    ...(t.startedAt !== undefined ? { startedAt: t.startedAt } : {}),
    ...(t.frequency !== undefined ? { frequency: t.frequency } : {}),
    ...(t.alreadyTried !== undefined ? { alreadyTried: t.alreadyTried } : {}),
    customer,
    service: t.service,
    deadlines: deadlineStatus(t, i.now),
    ...(source?.verdict
      ? {
          verdict: {
            runId: source.id,
            segment: source.verdict.segment,
            cause: source.verdict.cause,
            summary: source.verdict.summary,
            evidence: source.verdict.evidence.map((e) => `${e.check} ${e.code}: ${e.detail}`),
            nextSteps: source.verdict.next_steps.engineer,
          },
        }
      : {}),
    steps: runs.flatMap((r) =>
      r.steps.map(({ result: s }) => ({ runId: r.id, check: s.check, status: s.status, durationMs: s.durationMs, findings: stepFindings(s) })),
    ),
    history: [...i.history],
    ...(escalation?.note !== undefined ? { note: escalation.note } : {}),
  };
}

/** The hand-over as plain text to paste into another system: the same text the CLI prints (shared/ticket-text.ts). */
export function handoverText(h: Handover): string {
  return formatHandover(h).text + "\n";
}
