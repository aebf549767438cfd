// Ticket texts shared by the CLI and the collector (`GET /api/tickets/:id/handover?format=text`): time
// left or overdue, the history and the escalation hand-over as paste-ready text. Pure; every value goes
// through `term`, so a control character anywhere (an escape sequence in a step an agent reported, a
// line break in a symptom) shows escaped and can neither forge a line nor act on a terminal.
import type { Ticket } from "./api.js";
import { joinTerm, term, type TerminalText } from "./terminal-text.js";
import { deadlineStatus, type DeadlineState, type Handover, type TicketDeadlines, type TicketHistoryEntry } from "./ticket.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const iso = (ms: number) => new Date(ms).toISOString();

/** A span for people: "<1m", "35m", "2h 5m", "3d 4h" (the sign is the caller's business). */
export function formatSpan(ms: number): string {
  const a = Math.abs(ms);
  if (a < MIN) return "<1m";
  if (a < HOUR) return `${Math.floor(a / MIN)}m`;
  if (a < DAY) {
    const m = Math.floor((a % HOUR) / MIN);
    return `${Math.floor(a / HOUR)}h${m ? ` ${m}m` : ""}`;
  }
  const h = Math.floor((a % DAY) / HOUR);
  return `${Math.floor(a / DAY)}d${h ? ` ${h}h` : ""}`;
}

/**
 * The ticket's deadlines: as the collector computed them when it answered (its clock is the one that
 * counts), else worked out here from the stamped times (a record without `deadlines`).
 */
export function deadlinesOf(t: Pick<Ticket, "respondBy" | "resolveBy" | "firstResponseAt" | "resolvedAt" | "deadlines">, now: number): TicketDeadlines {
  return t.deadlines ?? deadlineStatus(t, now);
}

/** "2h 5m left", "OVERDUE 35m"; once met: "met, 25m to spare" / "met 10m late". */
export function timeLeft(s: DeadlineState): string {
  if (s.metAt !== undefined) return s.leftMs >= 0 ? `met, ${formatSpan(s.leftMs)} to spare` : `met ${formatSpan(s.leftMs)} late`;
  return s.overdue || s.leftMs < 0 ? `OVERDUE ${formatSpan(s.leftMs)}` : `${formatSpan(s.leftMs)} left`;
}

export /**
 * "label: text" on one line. A text typed over several lines (a symptom, a note) shows its line breaks
 * as `\n`: nothing a field carries may start a line of its own (a forged "VERDICT:" line).
 */
function paragraph(label: string, text: string, indent = "  "): TerminalText {
  return term`${indent}${label}: ${text}`;
}

export function deadlineLines(d: TicketDeadlines, indent = "  "): TerminalText[] {
  return (["respond", "resolve"] as const).map((w) => term`${indent}${w} by ${iso(d[w].due)}: ${timeLeft(d[w])}${d[w].metAt !== undefined ? term` (at ${iso(d[w].metAt!)})` : ""}`);
}

/** The ticket's history: who, when, what, from which status to which, the note and the details. */
export function formatHistory(entries: readonly TicketHistoryEntry[], indent = "  "): TerminalText {
  if (entries.length === 0) return term`${indent}(no changes yet)`;
  const lines: TerminalText[] = [];
  for (const e of entries) {
    const detail = Object.entries(e.detail ?? {})
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    lines.push(term`${indent}${iso(e.at)}  ${e.actor}  ${e.action}  ${e.from} -> ${e.to}${detail ? term`  (${detail})` : ""}`);
    if (e.note) lines.push(paragraph("note", e.note, `${indent}  `));
  }
  return joinTerm(lines);
}

/**
 * The escalation hand-over as text to paste into another team's system: symptom, customer, every
 * step already checked with its result, the verdict with its evidence, the deadlines, to whom.
 */
export function formatHandover(h: Handover): TerminalText {
  const lines: TerminalText[] = [
    term`HAND-OVER  ticket ${h.ticketId}${h.to ? term`  to ${h.to}` : ""}${h.escalatedAt ? term`  escalated ${iso(h.escalatedAt)}` : ""}${h.escalatedBy ? term` by ${h.escalatedBy}` : ""}`,
    term`  status: ${h.status}   severity: ${h.severity}   category: ${h.category}`,
    term`  customer: ${h.customer.name} <${h.customer.contact}>`,
  ];
  if (h.customer.site) lines.push(paragraph("site", h.customer.site));
  lines.push(term`  service: ${h.service}`, paragraph("symptom", h.symptom));
  if (h.startedAt || h.frequency) lines.push(term`  since: ${h.startedAt ?? "?"}${h.frequency ? term`  how often: ${h.frequency}` : ""}`);
  if (h.alreadyTried) lines.push(paragraph("already tried", h.alreadyTried));
  if (h.note) lines.push(paragraph("note", h.note));
  lines.push(term`DEADLINES`, ...deadlineLines(h.deadlines));
  const v = h.verdict;
  lines.push(v ? term`VERDICT (run ${v.runId}): ${v.segment.toUpperCase()} — ${v.cause}: ${v.summary}` : term`VERDICT: none yet (no completed run with a verdict)`);
  if (v) {
    for (const e of v.evidence) lines.push(term`  evidence: ${e}`);
    for (const s of v.nextSteps) lines.push(term`  next step: ${s}`);
  }
  lines.push(term`STEPS ALREADY CHECKED (${h.steps.length})`);
  if (h.steps.length === 0) lines.push(term`  (none)`);
  for (const s of h.steps) {
    const ms = s.durationMs !== undefined ? term`${String(Math.round(s.durationMs)).padStart(6)} ms` : term`${"".padStart(9)}`;
    lines.push(term`  ${s.runId}  ${s.check.padEnd(9)} ${s.status.padEnd(7)} ${ms}`);
    for (const f of s.findings) lines.push(term`      ${f}`);
  }
  lines.push(term`HISTORY`, formatHistory(h.history));
  return joinTerm(lines);
}

