// The ticket page: intake, time limits, the customer's agent (request authorization, run a
// diagnosis), the runs (live while running), the actions the lifecycle allows now (escalate, verify
// the fix, resolve, close, reopen, set status), "what fixed this last time" and the history. Forms
// are drawn only for roles that may act (the POSTs refuse the others anyway), and only those the
// state machine allows from the ticket's status (ALLOWED_FROM: read, never re-decided here).
import { html } from "hono/html";
import type { Agent, Run, TicketWithRuns } from "../../../shared/api.js";
import { CHECK_IDS } from "../../../shared/checks.js";
import type { KnowledgeEntry, TicketDeadlines, TicketHistoryEntry } from "../../../shared/ticket.js";
import { describeCheck, type TextKey } from "../../../shared/i18n/index.js";
import { ALLOWED_FROM } from "../../tickets/ticket-state.js";
import { csrfField, fmtTime, statusBadge, timeLeft } from "../layout.js";
import type { Html, View } from "../page-spec.js";
import { categoryText, severityText, teamText, TEAMS } from "./labels.js";
import { runSection } from "./run-view.js";

/** Which form a refused POST re-renders with its message (and the fields as typed). */
export type FormName = "status" | "escalate" | "resolve" | "close" | "reopen" | "run" | "verify" | "enroll";
export interface FormError {
  form: FormName;
  message: string;
  fields?: Record<string, string | string[]>;
}

export interface TicketPageData {
  ticket: TicketWithRuns;
  deadlines: TicketDeadlines;
  history: TicketHistoryEntry[];
  /** Agents this ticket may run on (enrolled for it, or already run on it), not revoked. */
  agents: Agent[];
  knowledge?: { cause: string; tickets: KnowledgeEntry[]; total: number };
  /** The newest run whose verdict found a fault, with a completed run after it (for the comparison link). */
  failingRunId?: string;
  comparable: boolean;
  /** A healthy verification run after the newest failing one (what resolving without a reason needs). */
  verificationRunId?: string;
  canAct: boolean;
  error?: FormError;
}

const dl = (rows: [string, Html | string | undefined][]) =>
  html`<dl class="kv">${rows.filter(([, x]) => x !== undefined && x !== "").map(([k, x]) => html`<dt>${k}</dt><dd>${x}</dd>`)}</dl>`;

/** Text typed over several lines, kept as lines (no inline style for white-space). */
export const lines = (s: string): Html => html`${s.split(/\r?\n/).map((l, i) => (i === 0 ? l : html`<br>${l}`))}`;

function errorAt(d: TicketPageData, form: FormName): Html | string {
  return d.error?.form === form ? html`<p class="notice error" role="alert" data-error="${form}">${d.error.message}</p>` : "";
}

/** The value a re-rendered form shows: what was typed. */
function typed(d: TicketPageData, form: FormName, name: string): string {
  if (d.error?.form !== form) return "";
  const x = d.error.fields?.[name];
  return (Array.isArray(x) ? x[0] : x) ?? "";
}

const allowed = (d: TicketPageData, kind: keyof typeof ALLOWED_FROM) => d.canAct && ALLOWED_FROM[kind].includes(d.ticket.status);

function intake(v: View, t: TicketWithRuns): Html {
  return html`<section class="card" aria-labelledby="intake-h"><h2 id="intake-h">${v.t("desk.t.intake")}</h2>${dl([
    [v.t("desk.f.customer"), t.customer.name],
    [v.t("desk.f.contact"), t.customer.contact],
    [v.t("desk.f.site"), t.customer.site],
    [v.t("desk.f.service"), t.service],
    [v.t("desk.f.symptom"), lines(t.symptom)],
    [v.t("desk.f.startedAt"), t.startedAt],
    [v.t("desk.f.frequency"), t.frequency],
    [v.t("desk.f.alreadyTried"), t.alreadyTried === undefined ? undefined : lines(t.alreadyTried)],
    [v.t("desk.f.category"), categoryText(v, t.category)],
    [v.t("desk.f.severity"), severityText(v, t.severity)],
    [v.t("desk.f.created"), `${fmtTime(v, t.createdAt)} · ${t.createdBy}`],
  ])}</section>`;
}

function deadlinesCard(v: View, t: TicketWithRuns, dls: TicketDeadlines): Html {
  return html`<section class="card" aria-labelledby="dl-h"><h2 id="dl-h">${v.t("desk.f.deadlines")}</h2>${dl([
    [v.t("desk.f.status"), html`${statusBadge(v, t.status)}${t.status === "escalated" && t.escalatedTo ? html` → <strong data-escalated-to="${t.escalatedTo}">${teamText(v, t.escalatedTo)}</strong>` : ""}`],
    [v.t("desk.f.respond"), html`<span data-deadline="respond">${timeLeft(v, dls.respond)}</span> <span class="small muted">${fmtTime(v, dls.respond.due)}</span>`],
    [v.t("desk.f.resolve"), html`<span data-deadline="resolve">${timeLeft(v, dls.resolve)}</span> <span class="small muted">${fmtTime(v, dls.resolve.due)}</span>`],
    [v.t("desk.f.escalatedTo"), t.escalatedTo ? html`${teamText(v, t.escalatedTo)}${t.escalatedAt ? ` · ${fmtTime(v, t.escalatedAt)}` : ""} · <a href="/tickets/${t.id}/handover">${v.t("desk.esc.handover")}</a>` : undefined],
    [v.t("desk.res.resolution"), t.resolution ? html`${t.resolution.rootCause} → ${t.resolution.fix} <span class="small muted">(${t.resolution.verificationRunId ? v.t("desk.res.verifiedBy", { run: t.resolution.verificationRunId }) : v.t("desk.res.notVerified", { reason: t.resolution.unverifiedReason ?? "" })})</span>` : undefined],
    [v.t("desk.cl.confirmation"), t.confirmation ? html`<span data-confirmation="${t.confirmation.outcome}">${t.confirmation.outcome === "confirmed" ? v.t("desk.cl.confirmed") : v.t("desk.cl.unreachable")}${t.confirmation.satisfaction !== undefined ? ` · ${v.t("desk.cl.stars", { n: t.confirmation.satisfaction })}` : ""}${t.confirmation.note ? ` · ${t.confirmation.note}` : ""}</span>` : undefined],
  ])}</section>`;
}

function agentCard(v: View, d: TicketPageData): Html {
  const t = d.ticket;
  const agents = d.agents.length
    ? html`<ul class="small">${d.agents.map((a) => html`<li><span class="mono">${a.id}</span> ${a.name}${a.hostname ? ` (${a.hostname})` : ""} ${a.connected ? html`<span class="badge ok">${v.t("desk.auth.agentOnline")}</span>` : html`<span class="badge muted">${v.t("desk.auth.agentOffline")}</span>`}</li>`)}</ul>`
    : html`<p class="muted">${v.t("desk.auth.none")}</p>`;
  const enroll =
    d.canAct && t.status !== "closed"
      ? html`<form method="post" action="/tickets/${t.id}/enroll" class="row">${csrfField(v)}<button type="submit" class="${d.agents.length ? "secondary" : ""}">${d.agents.length ? v.t("desk.auth.another") : v.t("desk.auth.request")}</button></form>${errorAt(d, "enroll")}`
      : "";
  return html`<section class="card" aria-labelledby="agent-h"><h2 id="agent-h">${v.t("desk.auth.title")}</h2>${agents}${enroll}${triggerForm(v, d)}</section>`;
}

function triggerForm(v: View, d: TicketPageData): Html | string {
  if (!allowed(d, "diagnosis_triggered") || d.agents.length === 0) return "";
  const t = d.ticket;
  const chosen = d.error?.form === "run" ? d.error.fields?.checks : undefined;
  // Every check by default: the agent reports what it cannot measure as skipped, never as a fault.
  const checked = (c: string) => (chosen === undefined || (Array.isArray(chosen) ? chosen.includes(c) : chosen === c));
  // Open when nothing ran yet (the next thing to do), folded once runs are there to read.
  const open = d.ticket.runs.length === 0 || d.error?.form === "run";
  return html`<details class="trigger"${open ? html` open` : ""}><summary><strong>${v.t("desk.run.trigger")}</strong></summary>${errorAt(d, "run")}
<form method="post" action="/tickets/${t.id}/runs" class="stack" data-form="run">${csrfField(v)}
<label>${v.t("desk.f.agent")}<select name="agentId">${d.agents.map((a) => html`<option value="${a.id}"${a.id === t.agentId ? html` selected` : ""}>${a.name} · ${a.id}${a.connected ? "" : ` (${v.t("desk.auth.agentOffline")})`}</option>`)}</select></label>
<fieldset><legend>${v.t("desk.run.checks")}</legend><div class="table-wrap"><table class="checks"><tbody>${CHECK_IDS.map((c) => html`<tr><td><input type="checkbox" name="checks" value="${c}" id="chk-${c}"${checked(c) ? html` checked` : ""}></td><td><label for="chk-${c}">${describeCheck(v.lang, c)}</label></td></tr>`)}</tbody></table></div></fieldset>
<label>${v.t("desk.run.service")}<input type="text" name="service" maxlength="2048" value="${typed(d, "run", "service")}" placeholder="https://"></label>
<label>${v.t("desk.run.targets")}<input type="text" name="targets" maxlength="1000" value="${typed(d, "run", "targets")}"></label>
<div><button type="submit">${v.t("desk.run.submit")}</button></div>
</form></details>`;
}

function runsSection(v: View, d: TicketPageData): Html {
  const runs = [...d.ticket.runs].reverse();
  const names = new Map(d.agents.map((a) => [a.id, a.name]));
  return html`<section aria-labelledby="runs-h"><h2 id="runs-h">${v.t("desk.runs")}</h2>
${runs.length === 0 ? html`<p class="muted">${v.t("desk.runs.none")}</p>` : runs.map((r: Run) => runSection(v, r, names.has(r.agentId) ? { agentName: names.get(r.agentId)! } : {}))}
${d.ticket.olderRuns ? html`<p class="muted small">${v.t("desk.runs.older", { n: d.ticket.olderRuns })}</p>` : ""}
</section>`;
}

function actions(v: View, d: TicketPageData): Html | string {
  if (!d.canAct) return html`<p class="notice small" data-read-only>${v.t("desk.t.readOnly")}</p>`;
  const t = d.ticket;
  const note = (form: FormName) => html`<label>${v.t("desk.f.note")}<textarea name="note" rows="2" maxlength="2000">${typed(d, form, "note")}</textarea></label>`;
  const parts: Html[] = [];
  if (d.failingRunId && t.status !== "closed") {
    parts.push(html`<section class="card" aria-labelledby="vf-h"><h2 id="vf-h">${v.t("desk.vf.title")}</h2><p class="small muted">${v.t("desk.vf.explain")}</p>${errorAt(d, "verify")}
<form method="post" action="/tickets/${t.id}/verify" class="row">${csrfField(v)}<button type="submit">${v.t("desk.vf.submit")}</button></form>
${d.comparable ? html`<p><a href="/tickets/${t.id}/compare" data-link="compare">${v.t("desk.vf.compare")}</a></p>` : ""}</section>`);
  }
  if (allowed(d, "escalate")) {
    const to = typed(d, "escalate", "to");
    parts.push(html`<section class="card" aria-labelledby="esc-h"><h2 id="esc-h">${v.t("desk.esc.title")}</h2>${errorAt(d, "escalate")}
<form method="post" action="/tickets/${t.id}/escalate" class="stack" data-form="escalate">${csrfField(v)}
<label>${v.t("desk.esc.to")}<select name="to">${TEAMS.map((x) => html`<option value="${x}"${x === to ? html` selected` : ""}>${teamText(v, x)}</option>`)}</select></label>
${note("escalate")}<div><button type="submit">${v.t("desk.esc.submit")}</button></div></form></section>`);
  }
  if (allowed(d, "resolve")) {
    parts.push(html`<section class="card" aria-labelledby="res-h"><h2 id="res-h">${v.t("desk.res.title")}</h2>
${d.verificationRunId ? html`<p class="notice ok small" data-verified="yes">${v.t("desk.res.verified", { run: d.verificationRunId })}</p>` : html`<p class="notice warn small" data-verified="no">${v.t("desk.res.unverified")}</p>`}
${errorAt(d, "resolve")}
<form method="post" action="/tickets/${t.id}/resolve" class="stack" data-form="resolve">${csrfField(v)}
<label>${v.t("desk.res.rootCause")}<textarea name="rootCause" rows="2" maxlength="2000" required>${typed(d, "resolve", "rootCause")}</textarea></label>
<label>${v.t("desk.res.fix")}<textarea name="fix" rows="2" maxlength="2000" required>${typed(d, "resolve", "fix")}</textarea></label>
${d.verificationRunId ? "" : html`<label>${v.t("desk.res.unverifiedReason")}<textarea name="unverifiedReason" rows="2" maxlength="1000">${typed(d, "resolve", "unverifiedReason")}</textarea></label>`}
${note("resolve")}<div><button type="submit">${v.t("desk.res.submit")}</button></div></form></section>`);
  }
  if (allowed(d, "close")) {
    const outcome = typed(d, "close", "outcome") || "confirmed";
    const sat = typed(d, "close", "satisfaction");
    parts.push(html`<section class="card" aria-labelledby="cl-h"><h2 id="cl-h">${v.t("desk.cl.title")}</h2>${errorAt(d, "close")}
<form method="post" action="/tickets/${t.id}/close" class="stack" data-form="close">${csrfField(v)}
<label>${v.t("desk.cl.confirmation")}<select name="outcome">${(["confirmed", "unreachable"] as const).map((o) => html`<option value="${o}"${o === outcome ? html` selected` : ""}>${o === "confirmed" ? v.t("desk.cl.confirmed") : v.t("desk.cl.unreachable")}</option>`)}</select></label>
<label>${v.t("desk.cl.satisfaction")}<select name="satisfaction"><option value=""></option>${[5, 4, 3, 2, 1].map((n) => html`<option value="${n}"${String(n) === sat ? html` selected` : ""}>${n}</option>`)}</select></label>
${note("close")}<div><button type="submit">${v.t("desk.cl.submit")}</button></div></form></section>`);
  }
  if (allowed(d, "reopen")) {
    parts.push(html`<section class="card" aria-labelledby="ro-h"><h2 id="ro-h">${v.t("desk.ro.title")}</h2>${errorAt(d, "reopen")}
<form method="post" action="/tickets/${t.id}/reopen" class="stack" data-form="reopen">${csrfField(v)}
<label>${v.t("desk.f.note")}<textarea name="note" rows="2" maxlength="2000" required>${typed(d, "reopen", "note")}</textarea></label>
<div><button type="submit" class="secondary">${v.t("desk.ro.submit")}</button></div></form></section>`);
  }
  if (allowed(d, "set_status")) {
    const choices = (["diagnosing", "waiting_customer"] as const).filter((s) => s !== t.status);
    parts.push(html`<section class="card" aria-labelledby="st-h"><h2 id="st-h">${v.t("desk.t.status")}</h2>${errorAt(d, "status")}
<form method="post" action="/tickets/${t.id}/status" class="row" data-form="status">${csrfField(v)}
<label>${v.t("desk.f.status")}<select name="to">${choices.map((s) => html`<option value="${s}">${v.t(`ticketStatus.${s}` as TextKey)}</option>`)}</select></label>
<label>${v.t("desk.f.note")}<input type="text" name="note" maxlength="2000"></label>
<div><button type="submit" class="secondary">${v.t("desk.t.statusSubmit")}</button></div></form></section>`);
  }
  return html`<div class="grid two">${parts}</div>`;
}

function knowledgeCard(v: View, k: NonNullable<TicketPageData["knowledge"]>): Html {
  return html`<section class="card" aria-labelledby="kb-h" data-knowledge="${k.cause}"><h2 id="kb-h">${v.t("desk.kb.title", { cause: k.cause })}</h2>
${k.tickets.length === 0
    ? html`<p class="muted">${v.t("desk.kb.none")}</p>`
    : html`<ul>${k.tickets.map((e) => html`<li><a href="/tickets/${e.ticketId}" class="mono">${e.ticketId}</a> · ${fmtTime(v, e.resolvedAt)} · <strong>${e.rootCause}</strong> → ${e.fix} <span class="badge ${e.verified ? "ok" : "muted"}">${e.verified ? v.t("desk.kb.verified") : v.t("desk.kb.unverified")}</span>${e.satisfaction !== undefined ? html` <span class="small muted">${v.t("desk.cl.stars", { n: e.satisfaction })}</span>` : ""}</li>`)}</ul>
${k.total > k.tickets.length ? html`<p class="small muted">${v.t("desk.kb.more", { n: k.total })}</p>` : ""}`}
</section>`;
}

function historyCard(v: View, h: TicketHistoryEntry[]): Html {
  return html`<section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${v.t("desk.t.lifecycle")}</h2>
${h.length === 0
    ? html`<p class="muted">${v.t("desk.t.noHistory")}</p>`
    : html`<div class="table-wrap"><table class="history cards"><tbody>${h.map(
        (e) => html`<tr data-action="${e.action}"><td class="small" data-label="${v.t("desk.h.when")}">${fmtTime(v, e.at)}</td><td class="small" data-label="${v.t("desk.h.who")}">${e.actor}</td><td data-label="${v.t("desk.h.what")}"><div><span class="small">${actionText(v, e.action)}</span> ${statusBadge(v, e.from)} → ${statusBadge(v, e.to)}${detailText(v, e)}${e.note ? html`<div class="small">${e.note}</div>` : ""}</div></td></tr>`,
      )}</tbody></table></div>`}
</section>`;
}

const ACTIONS = new Set(["set_status", "diagnosis_triggered", "escalate", "resolve", "close", "reopen"]);
const actionText = (v: View, a: string) => (ACTIONS.has(a) ? v.t(`desk.act.${a}` as TextKey) : a);

function detailText(v: View, e: TicketHistoryEntry): Html | string {
  const d = e.detail ?? {};
  const bits: string[] = [];
  if (typeof d.to === "string" && TEAMS.includes(d.to as never)) bits.push(teamText(v, d.to as (typeof TEAMS)[number]));
  if (typeof d.runId === "string") bits.push(d.runId);
  if (typeof d.satisfaction === "number") bits.push(v.t("desk.cl.stars", { n: d.satisfaction }));
  return bits.length ? html` <span class="small muted">${bits.join(" · ")}</span>` : "";
}

export function ticketBody(v: View, d: TicketPageData): Html {
  const t = d.ticket;
  return html`<p class="subnav"><a href="/tickets">← ${v.t("desk.t.back")}</a>${t.escalatedTo ? html`<a href="/tickets/${t.id}/handover">${v.t("desk.esc.handover")}</a>` : ""}${d.comparable ? html`<a href="/tickets/${t.id}/compare">${v.t("desk.vf.compare")}</a>` : ""}</p>
<p class="verdict-line" data-ticket="${t.id}" data-status="${t.status}">${statusBadge(v, t.status)} <span class="badge ${t.severity === "severe" ? "fail" : t.severity === "important" ? "warn" : "muted"}">${severityText(v, t.severity)}</span> <span class="mono small">${t.id}</span></p>
<div class="grid two">${intake(v, t)}<div>${deadlinesCard(v, t, d.deadlines)}${agentCard(v, d)}</div></div>
${runsSection(v, d)}
${actions(v, d)}
${d.knowledge ? knowledgeCard(v, d.knowledge) : ""}
${historyCard(v, d.history)}`;
}
