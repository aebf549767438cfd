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
<label>${v.t("desk.list.overdueOnly")}<select name="overdue"><option value="">${v.t("desk.list.any")}</option><option value="1"${selected(q.overdue === "1")}>${v.t("desk.list.overdueOnly")}</option></select></label>
<label>${v.t("desk.f.agent")}<select name="agentId"><option value="">${v.t("desk.list.any")}</option>${d.agents.map((a) => html`<option value="${a.id}"${selected(q.agentId === a.id)}>${a.name} · ${a.id}</option>`)}</select></label>
<label>${v.t("desk.f.cause")}<input type="text" name="cause" list="causes" maxlength="60" pattern="[A-Z0-9_]{1,60}" value="${q.cause ?? ""}"></label>
<datalist id="causes">${causes.map((c) => html`<option value="${c}"></option>`)}</datalist>
<div><button type="submit">${v.t("desk.list.apply")}</button> <a href="/tickets">${v.t("desk.list.clear")}</a></div>
</form>`;
}

function row(v: View, t: ListPageData["tickets"][number]): Html {
  const overdue = t.deadlines.respond.overdue || t.deadlines.resolve.overdue;
  return html`<tr data-ticket="${t.id}"${overdue ? html` data-overdue="1"` : ""}>
<td><a href="/tickets/${t.id}" class="mono">${t.id}</a><div>${t.customer.name}</div><div class="small muted">${t.symptom.length > 80 ? `${t.symptom.slice(0, 80)}…` : t.symptom}</div></td>
<td>${severityText(v, t.severity)}</td>
<td>${statusBadge(v, t.status)}${t.status === "escalated" && t.escalatedTo ? html`<div class="small">→ ${teamText(v, t.escalatedTo)}</div>` : ""}</td>
<td>${timeLeft(v, t.deadlines.respond)}</td>
<td>${timeLeft(v, t.deadlines.resolve)}</td>
<td class="mono small">${t.lastVerdict ? html`<a href="/tickets?cause=${t.lastVerdict.cause}">${t.lastVerdict.cause}</a>` : ""}${t.resolution?.cause && t.resolution.cause !== t.lastVerdict?.cause ? html`<div class="muted" title="${v.t("desk.res.resolution")}">${v.t("desk.list.resolvedCause", { cause: t.resolution.cause })}</div>` : ""}</td>
<td class="mono small">${t.agentId ?? ""}</td>
<td class="small">${fmtTime(v, t.createdAt)}</td>
</tr>`;
}

export function listBody(v: View, d: ListPageData): Html {
  return html`${d.canCreate ? html`<p><a class="button" href="/tickets/new">${v.t("desk.list.new")}</a></p>` : ""}
${filterForm(v, d)}
${d.error ? html`<p class="notice error" role="alert">${d.error}</p>` : ""}
${d.tickets.length === 0
    ? html`<p class="muted" data-empty>${v.t("desk.list.empty")}</p>`
    : html`<p class="small muted">${v.t("desk.list.count", { n: d.tickets.length })}</p><div class="table-wrap"><table class="tickets">
<thead><tr><th>${v.t("desk.f.ticket")}</th><th>${v.t("desk.f.severity")}</th><th>${v.t("desk.f.status")}</th><th>${v.t("desk.f.respond")}</th><th>${v.t("desk.f.resolve")}</th><th>${v.t("desk.f.cause")}</th><th>${v.t("desk.f.agent")}</th><th>${v.t("desk.f.created")}</th></tr></thead>
<tbody>${d.tickets.map((t) => row(v, t))}</tbody></table></div>`}`;
}
