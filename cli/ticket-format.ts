// Human output of the support desk commands (`netdiag ticket list|show|escalate|handover|compare|
// history`, `netdiag knowledge`): time left or overdue for each deadline, the ticket's lifecycle, the
// escalation hand-over as paste-ready text, the verify-fix comparison and "what fixed this last time".
// Pure: the clock comes in as `now`. Every value is printed through `term` (customers, agents and
// engineers wrote it), so control characters show escaped and never act on the terminal.
import type { Ticket, TicketWithRuns } from "../shared/api.js";
import { indentTerm, joinTerm, term, type TerminalText } from "../shared/terminal-text.js";
import type { ComparisonRow, DeadlineState, KnowledgeEntry, RunComparison, TicketDeadlines, TicketHistoryEntry } from "../shared/ticket.js";
import { formatRun } from "./format.js";
import { deadlineLines, deadlinesOf, formatHandover, formatHistory, formatSpan, iso, paragraph, timeLeft } from "../shared/ticket-text.js";

export { deadlinesOf, formatHandover, formatHistory, formatSpan, timeLeft };


type Which = keyof TicketDeadlines;

/** The unmet deadline that comes (or came) first; undefined when both are met. */
export function nearestDeadline(d: TicketDeadlines): { which: Which; state: DeadlineState } | undefined {
  const open = (["respond", "resolve"] as const).filter((w) => d[w].metAt === undefined).map((w) => ({ which: w, state: d[w] }));
  return open.sort((a, b) => a.state.leftMs - b.state.leftMs)[0];
}

/** The list's time column: the nearest unmet deadline, or how the resolution deadline was met. */
export function deadlineCell(d: TicketDeadlines): string {
  const n = nearestDeadline(d);
  if (n) return `${timeLeft(n.state)} (${n.which})`;
  return d.resolve.leftMs >= 0 ? "resolved in time" : `resolved ${formatSpan(d.resolve.leftMs)} late`;
}

/** One line per ticket: id, status, severity, time left / OVERDUE, newest verdict cause, customer, symptom. */
export function formatTicketRow(t: Ticket, now: number): TerminalText {
  const symptom = t.symptom.slice(0, 50);
  return term`${t.id}  ${t.status.padEnd(16)} ${t.severity.padEnd(9)} ${deadlineCell(deadlinesOf(t, now)).padEnd(24)} ${(t.lastVerdict?.cause ?? "-").padEnd(24)} ${t.customer.name} — ${symptom}`;
}

/** Header for the rows of formatTicketRow. */
export const TICKET_ROW_HEADER = term`${"ID".padEnd(15)}  ${"STATUS".padEnd(16)} ${"SEVERITY".padEnd(9)} ${"DEADLINE".padEnd(24)} ${"CAUSE".padEnd(24)} CUSTOMER — SYMPTOM`;

/** Status, escalation, deadlines, resolution and confirmation: the lifecycle part of a ticket. */
export function formatLifecycle(t: Ticket, now: number): TerminalText {
  const lines: TerminalText[] = [];
  lines.push(term`  status: ${t.status}${t.escalatedTo ? term`  (escalated to ${t.escalatedTo}${t.escalatedAt ? term` at ${iso(t.escalatedAt)}` : ""})` : ""}`);
  lines.push(...deadlineLines(deadlinesOf(t, now)));
  if (t.lastVerdict) lines.push(term`  newest verdict: ${t.lastVerdict.segment}/${t.lastVerdict.cause} (run ${t.lastVerdict.runId})`);
  const r = t.resolution;
  if (r) {
    lines.push(term`  resolution${t.resolvedAt ? term` (${iso(t.resolvedAt)})` : ""}:${r.cause ? term` cause ${r.cause}` : ""}`);
    lines.push(paragraph("root cause", r.rootCause, "    "), paragraph("fix", r.fix, "    "));
    lines.push(r.verificationRunId ? term`    verified by run ${r.verificationRunId}` : paragraph("NOT verified", r.unverifiedReason ?? "(no reason recorded)", "    "));
  }
  const c = t.confirmation;
  if (c) {
    lines.push(term`  confirmation${t.closedAt ? term` (${iso(t.closedAt)})` : ""}: ${c.outcome === "confirmed" ? "the customer confirmed it works" : "the customer could not be reached"}${c.satisfaction !== undefined ? term`, satisfaction ${c.satisfaction}/5` : ""}`);
    if (c.note) lines.push(paragraph("note", c.note, "    "));
  }
  return joinTerm(lines);
}

/** "What fixed this last time": resolved tickets with the same verdict cause and their fixes. */
export function formatKnowledge(cause: string, entries: readonly KnowledgeEntry[], total: number): TerminalText {
  if (entries.length === 0) return term`no resolved ticket with cause ${cause} yet`;
  const lines = [term`what fixed ${cause} last time (${total} resolved ticket${total === 1 ? "" : "s"}${entries.length < total ? term`, newest ${entries.length} shown` : ""}):`];
  for (const k of entries) {
    lines.push(term`  ${k.ticketId}  resolved ${iso(k.resolvedAt)}  ${k.verified ? "verified" : "NOT verified"}${k.satisfaction !== undefined ? term`  satisfaction ${k.satisfaction}/5` : ""}`);
    lines.push(paragraph("root cause", k.rootCause, "    "), paragraph("fix", k.fix, "    "));
  }
  return joinTerm(lines);
}

export interface TicketView {
  ticket: TicketWithRuns;
  history: readonly TicketHistoryEntry[];
  /** Knowledge for the ticket's cause, other tickets only; absent when not looked up. */
  knowledge?: { cause: string; tickets: readonly KnowledgeEntry[]; total: number } | undefined;
}

/** `ticket show`: intake, lifecycle with deadlines, every run, the history, what fixed this last time. */
export function formatTicketView(v: TicketView, now: number): TerminalText {
  const t = v.ticket;
  const lines = [
    term`ticket ${t.id}  [${t.status}]  ${t.category}/${t.severity}  opened ${iso(t.createdAt)} by ${t.createdBy}`,
    term`  customer: ${t.customer.name} <${t.customer.contact}>${t.customer.site ? term`  site: ${t.customer.site}` : ""}`,
    term`  service: ${t.service}`,
    paragraph("symptom", t.symptom),
  ];
  if (t.startedAt || t.frequency) lines.push(term`  since: ${t.startedAt ?? "?"}${t.frequency ? term`  how often: ${t.frequency}` : ""}`);
  if (t.alreadyTried) lines.push(paragraph("already tried", t.alreadyTried));
  lines.push(formatLifecycle(t, now));
  lines.push(term`runs (oldest first)${t.olderRuns ? term`; ${t.olderRuns} older runs not shown` : ""}:`);
  if (t.runs.length === 0) lines.push(term`  (none yet)`);
  for (const r of t.runs) lines.push(indentTerm(formatRun(r)));
  lines.push(term`history:`, formatHistory(v.history));
  if (v.knowledge && v.knowledge.tickets.length > 0) lines.push(formatKnowledge(v.knowledge.cause, v.knowledge.tickets, v.knowledge.total));
  return joinTerm(lines);
}

const CHANGE_TEXT: Record<ComparisonRow["change"], string> = {
  fixed: "FIXED",
  still_failing: "STILL FAILING",
  new_failure: "NEW FAILURE",
  still_ok: "ok",
  not_compared: "not compared",
};

/** The verify-fix comparison: per check before -> after and the change, then whether it is healthy. */
export function formatComparison(c: RunComparison): TerminalText {
  const verdict = (x: { segment?: string | undefined; cause?: string | undefined }) => (x.cause ? term`  ${x.segment ?? "?"}/${x.cause}` : term`  no verdict`);
  const lines = [
    term`verify-fix comparison, ticket ${c.ticketId}`,
    term`  before: run ${c.before.runId}  ${iso(c.before.createdAt)}${verdict(c.before)}`,
    term`  after:  run ${c.after.runId}  ${iso(c.after.createdAt)}  ${c.after.state}${verdict(c.after)}`,
    term`  ${"CHECK".padEnd(9)} ${"BEFORE".padEnd(8)}    ${"AFTER".padEnd(8)} CHANGE`,
  ];
  for (const r of c.rows) {
    const codes = [
      r.cleared.length ? term`cleared ${r.cleared.join(", ")}` : undefined,
      r.remaining.length ? term`still ${r.remaining.join(", ")}` : undefined,
      r.appeared.length ? term`new ${r.appeared.join(", ")}` : undefined,
    ].filter((x): x is TerminalText => x !== undefined);
    lines.push(term`  ${r.check.padEnd(9)} ${(r.before ?? "-").padEnd(8)} -> ${(r.after ?? "-").padEnd(8)} ${CHANGE_TEXT[r.change]}${codes.length ? term`  (${joinTerm(codes, "; ")})` : ""}`);
  }
  const count = (k: ComparisonRow["change"]) => c.rows.filter((r) => r.change === k).length;
  const fixed = count("fixed");
  const still = count("still_failing");
  const fresh = count("new_failure");
  lines.push(
    c.healthy
      ? term`verification: HEALTHY (${fixed} fixed, nothing failing): the fix is verified`
      : term`verification: NOT HEALTHY (${fixed} fixed, ${still} still failing, ${fresh} new failure${fresh === 1 ? "" : "s"}${c.after.state !== "completed" ? term`, the after run is ${c.after.state}` : ""})`,
  );
  return joinTerm(lines);
}
