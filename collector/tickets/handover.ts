// The escalation hand-over (docs/support-process.md, "Escalation and the hand-over"): everything the
// next team needs so nobody repeats the checks: the symptom, the customer as the reader's role may see
// them (collector/auth/redact.ts), every step already checked with its result, the verdict with its
// evidence, the deadlines, to whom and by whom. As JSON, and as plain text an engineer pastes into
// another system. Pure: ticket, runs and history in.
import type { Role, Run, Ticket } from "../../shared/api.js";
import type { Handover, TicketHistoryEntry } from "../../shared/ticket.js";
import { joinTerm, term, type TerminalText } from "../../shared/terminal-text.js";
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

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** 90_000 -> "1m 30s", 7_200_000 -> "2h 0m". */
export function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const h = Math.floor(s / 3600);
  return h < 48 ? `${h}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

function deadlineLine(name: string, d: Handover["deadlines"]["respond"]): TerminalText {
  const state =
    d.metAt !== undefined ? `met at ${iso(d.metAt)}${d.leftMs < 0 ? ` (${span(d.leftMs)} late)` : ""}`
    : d.overdue ? `OVERDUE by ${span(d.leftMs)}`
    : `${span(d.leftMs)} left`;
  return term`${name} by ${iso(d.due)}: ${state}`;
}

/**
 * The hand-over as plain text to paste into another system (a ticketing tool, a chat, an e-mail).
 * Every value is passed through `term`, so a control character anywhere (an escape sequence in a step
 * an agent reported, a line break in the symptom) shows as an escape (`\u001b`, `\n`) and cannot forge
 * lines or act on a terminal; the text's own line breaks are the only ones.
 */
export function handoverText(h: Handover): string {
  const lines: TerminalText[] = [];
  const to = h.to ? term` to ${h.to}` : term``;
  const when = h.escalatedAt !== undefined ? term` at ${iso(h.escalatedAt)}` : term``;
  const by = h.escalatedBy !== undefined ? term` by ${h.escalatedBy}` : term``;
  lines.push(term`HAND-OVER of ticket ${h.ticketId}${to}${when}${by}`);
  lines.push(term`Status: ${h.status}   Severity: ${h.severity}   Category: ${h.category}`);
  const site = h.customer.site !== undefined ? term`, site: ${h.customer.site}` : term``;
  lines.push(term`Customer: ${h.customer.name}, contact: ${h.customer.contact}${site}`);
  lines.push(term`Service: ${h.service}`);
  lines.push(term`Symptom: ${h.symptom}`);
  if (h.startedAt !== undefined) lines.push(term`Started: ${h.startedAt}`);
  if (h.frequency !== undefined) lines.push(term`Frequency: ${h.frequency}`);
  if (h.alreadyTried !== undefined) lines.push(term`Already tried: ${h.alreadyTried}`);
  lines.push(term`Deadlines: ${deadlineLine("respond", h.deadlines.respond)}; ${deadlineLine("resolve", h.deadlines.resolve)}`);
  if (h.note !== undefined) lines.push(term`Note: ${h.note}`);
  lines.push(term``);
  if (h.verdict) {
    const v = h.verdict;
    lines.push(term`Verdict (run ${v.runId}): ${v.segment} / ${v.cause}: ${v.summary}`);
    for (const e of v.evidence) lines.push(term`  evidence: ${e}`);
    for (const s of v.nextSteps) lines.push(term`  next step: ${s}`);
  } else {
    lines.push(term`Verdict: none yet (no completed diagnosis run)`);
  }
  lines.push(term``);
  lines.push(term`Steps already checked (${h.steps.length}):`);
  for (const s of h.steps) {
    const ms = s.durationMs !== undefined ? term` ${String(Math.round(s.durationMs)).padStart(6)} ms` : term``;
    const why = s.findings.length ? term`  ${s.findings.join("; ")}` : term``;
    lines.push(term`  ${s.runId} ${s.check.padEnd(9)} ${s.status.padEnd(7)}${ms}${why}`);
  }
  lines.push(term``);
  lines.push(term`History:`);
  for (const e of h.history) {
    const note = e.note !== undefined ? term`: ${e.note}` : term``;
    lines.push(term`  ${iso(e.at)} ${e.actor} ${e.action} ${e.from} -> ${e.to}${note}`);
  }
  return joinTerm(lines).text + "\n";
}
