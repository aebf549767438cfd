// The engineer's ticket list: filters as a GET form (status, severity, overdue, agent, cause; the same
// TicketQuery the API takes), the tickets nearest deadline first with time left or overdue (red) per
// deadline, and the newest verdict's cause.
import { html } from "hono/html";
import type { Agent, Ticket } from "../../../shared/api.js";
import { TICKET_STATUSES, type TicketDeadlines, type TicketQuery } from "../../../shared/ticket.js";
import type { TextKey } from "../../../shared/i18n/index.js";
import { fmtTime, statusBadge, timeLeft } from "../layout.js";
import type { Html, View } from "../page-spec.js";
import { severityText, SEVERITIES, teamText } from "./labels.js";

export interface ListPageData {
  tickets: (Ticket & { deadlines: TicketDeadlines })[];
  agents: Agent[];
  /** The filters as given (the form shows them); undefined fields = not filtered. */
  query: Partial<TicketQuery>;
  canCreate: boolean;
  error?: string;
}

const selected = (on: boolean) => (on ? html` selected` : "");

function filterForm(v: View, d: ListPageData): Html {
  const q = d.query;
  const causes = [...new Set(d.tickets.map((t) => t.lastVerdict?.cause).filter((c): c is string => c !== undefined))].sort();
  return html`<form method="get" action="/tickets" class="row card" aria-label="${v.t("desk.list.filters")}" data-form="filters">
<label>${v.t("desk.f.status")}<select name="status"><option value="">${v.t("desk.list.any")}</option>${TICKET_STATUSES.map((s) => html`<option value="${s}"${selected(q.status?.length === 1 && q.status[0] === s)}>${v.t(`ticketStatus.${s}` as TextKey)}</option>`)}</select></label>
<label>${v.t("desk.f.severity")}<select name="severity"><option value="">${v.t("desk.list.any")}</option>${SEVERITIES.map((s) => html`<option value="${s}"${selected(q.severity?.length === 1 && q.severity[0] === s)}>${severityText(v, s)}</option>`)}</select></label>
<label>${v.t("desk.list.overdue")}<select name="overdue"><option value="">${v.t("desk.list.any")}</option><option value="1"${selected(q.overdue === "1")}>${v.t("desk.list.overdueOnly")}</option></select></label>
<label>${v.t("desk.f.agent")}<select name="agentId"><option value="">${v.t("desk.list.any")}</option>${d.agents.map((a) => html`<option value="${a.id}"${selected(q.agentId === a.id)}>${a.name} · ${a.id}</option>`)}</select></label>
<label>${v.t("desk.f.cause")}<input type="text" name="cause" list="causes" maxlength="60" pattern="[A-Z0-9_]{1,60}" value="${q.cause ?? ""}"></label>
<datalist id="causes">${causes.map((c) => html`<option value="${c}"></option>`)}</datalist>
<div><button type="submit">${v.t("desk.list.apply")}</button> <a href="/tickets">${v.t("desk.list.clear")}</a></div>
</form>`;
}

// Two columns (the ticket | its time limits): a 390 px phone shows the whole row without scrolling
// sideways, and a desktop reads it the same way.
function row(v: View, t: ListPageData["tickets"][number]): Html {
  const overdue = t.deadlines.respond.overdue || t.deadlines.resolve.overdue;
  const cause = t.lastVerdict?.cause;
  const resolvedFor = t.resolution?.cause && t.resolution.cause !== cause ? t.resolution.cause : undefined;
  return html`<tr data-ticket="${t.id}"${overdue ? html` data-overdue="1"` : ""}>
<td><div><a href="/tickets/${t.id}"><strong>${t.customer.name}</strong></a> <span class="mono small muted">${t.id}</span></div>
<div class="verdict-line"><span class="badge ${t.severity === "severe" ? "fail" : t.severity === "important" ? "warn" : "muted"}">${severityText(v, t.severity)}</span>${statusBadge(v, t.status)}${t.status === "escalated" && t.escalatedTo ? html`<span class="small">→ ${teamText(v, t.escalatedTo)}</span>` : ""}${cause ? html`<a class="badge ${cause === "NONE" ? "ok" : "fail"} mono" href="/tickets?cause=${cause}" data-cause="${cause}">${cause}</a>` : ""}${resolvedFor ? html`<span class="small muted mono">${v.t("desk.list.resolvedCause", { cause: resolvedFor })}</span>` : ""}</div>
<div class="small muted">${t.symptom.length > 90 ? `${t.symptom.slice(0, 90)}…` : t.symptom}</div>
<div class="small muted">${fmtTime(v, t.createdAt)}${t.agentId ? html` · <a class="mono" href="/tickets?agentId=${t.agentId}">${t.agentId}</a>` : ""}</div></td>
<td><div class="small muted">${v.t("desk.f.respond")}</div><div>${timeLeft(v, t.deadlines.respond)}</div><div class="small muted">${v.t("desk.f.resolve")}</div><div>${timeLeft(v, t.deadlines.resolve)}</div></td>
</tr>`;
}

export function listBody(v: View, d: ListPageData): Html {
  return html`${d.canCreate ? html`<p><a class="button" href="/tickets/new">${v.t("desk.list.new")}</a></p>` : ""}
${filterForm(v, d)}
${d.error ? html`<p class="notice error" role="alert">${d.error}</p>` : ""}
${d.tickets.length === 0
    ? html`<p class="muted" data-empty>${v.t("desk.list.empty")}</p>`
    : html`<p class="small muted">${v.t("desk.list.count", { n: d.tickets.length })}</p><div class="table-wrap"><table class="tickets">
<thead><tr><th>${v.t("desk.f.ticket")}</th><th width="1%">${v.t("desk.f.deadlines")}</th></tr></thead>
<tbody>${d.tickets.map((t) => row(v, t))}</tbody></table></div>`}`;
}
