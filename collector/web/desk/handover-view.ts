// The hand-over page (after escalating): the text to paste elsewhere in a <pre> and again in a
// read-only textarea (select all, copy), the link to the same as JSON from the API; and the verify-fix
// comparison: the failing run beside the run after the repair, check by check, what is still failing.
import { html } from "hono/html";
import type { Handover, RunComparison } from "../../../shared/ticket.js";
import { fmtTime, statusBadge } from "../layout.js";
import type { Html, View } from "../page-spec.js";
import { runStateText, stepStatusText, teamText } from "./labels.js";
import { stepMark } from "./key-figures.js";

export function handoverBody(v: View, h: Handover, text: string): Html {
  const id = h.ticketId;
  return html`<p class="subnav"><a href="/tickets/${id}">← ${id}</a><a href="/api/tickets/${id}/handover" data-link="handover-json">${v.t("desk.ho.json")}</a><a href="/api/tickets/${id}/handover?format=text">text/plain</a></p>
<p class="verdict-line">${statusBadge(v, h.status)}${h.to ? html` → <strong data-escalated-to="${h.to}">${teamText(v, h.to)}</strong>` : ""}${h.escalatedAt !== undefined ? html` <span class="small muted">${fmtTime(v, h.escalatedAt)}${h.escalatedBy ? ` · ${h.escalatedBy}` : ""}</span>` : ""}</p>
${h.to ? "" : html`<p class="notice warn small">${v.t("desk.ho.notEscalated")}</p>`}
<section class="card"><div class="table-wrap"><pre class="mono small" data-handover-text>${text}</pre></div></section>
<section class="card"><label>${v.t("desk.ho.copy")}<textarea readonly rows="12" class="mono small" data-handover-copy>${text}</textarea></label></section>`;
}

const CHANGE_KIND = { fixed: "ok", still_failing: "fail", new_failure: "fail", still_ok: "ok", not_compared: "muted" } as const;

const statusCell = (v: View, s: string | undefined): Html | string => {
  if (s === undefined) return "";
  const m = stepMark(s);
  return html`<span class="badge ${m.kind}">${m.icon} ${stepStatusText(v, s)}</span>`;
};

const codes = (label: string, list: string[], kind: string): Html | string =>
  list.length ? html`<div class="small"><span class="badge ${kind}">${label}</span> <span class="mono">${list.join(", ")}</span></div>` : "";

export function comparisonBody(v: View, cmp: RunComparison): Html {
  const id = cmp.ticketId;
  const bad = cmp.rows.filter((r) => r.change === "still_failing" || r.change === "new_failure");
  const finished = cmp.after.state === "completed" || ["cancelled", "failed", "refused", "expired"].includes(cmp.after.state);
  const runHead = (label: string, r: RunComparison["before"] | RunComparison["after"]) =>
    html`<div><strong>${label}</strong>: <a href="/tickets/${id}#run-${r.runId}" class="mono">${r.runId}</a> · ${fmtTime(v, r.createdAt)}${r.cause ? html` · <span class="mono">${r.segment && r.segment !== "none" ? `${r.segment.toUpperCase()} · ` : ""}${r.cause}</span>` : ""}</div>`;
  return html`<p class="subnav"><a href="/tickets/${id}">← ${id}</a><a href="/api/tickets/${id}/comparison?before=${cmp.before.runId}&amp;after=${cmp.after.runId}">JSON</a></p>
<section class="card">${runHead(v.t("desk.cmp.before"), cmp.before)}${runHead(v.t("desk.cmp.after"), cmp.after)}
${!finished ? html`<p class="notice warn small" data-after-state="${cmp.after.state}">${v.t("desk.cmp.afterRunning", { state: runStateText(v, cmp.after.state as never) })}</p>` : ""}
${cmp.healthy ? html`<p class="notice ok" data-healthy="yes">${v.t("desk.cmp.healthy")}</p>` : finished ? html`<p class="notice error" data-healthy="no">${v.t("desk.cmp.notHealthy", { n: bad.length })}</p>` : ""}
</section>
<div class="table-wrap"><table class="comparison cards">
<thead><tr><th>${v.t("desk.run.col.check")}</th><th>${v.t("desk.cmp.before")}</th><th>${v.t("desk.cmp.after")}</th><th>${v.t("desk.cmp.change")}</th></tr></thead>
<tbody>${cmp.rows.map(
    (r) => html`<tr data-check="${r.check}" data-change="${r.change}"><td data-label="${v.t("desk.run.col.check")}"><span class="badge muted mono">${r.check}</span></td><td data-label="${v.t("desk.cmp.before")}">${statusCell(v, r.before)}</td><td data-label="${v.t("desk.cmp.after")}">${statusCell(v, r.after)}</td><td data-label="${v.t("desk.cmp.change")}"><div><span class="badge ${CHANGE_KIND[r.change]}">${v.t(`desk.cmp.ch.${r.change}`)}</span>${codes(v.t("desk.cmp.cleared"), r.cleared, "ok")}${codes(v.t("desk.cmp.remaining"), r.remaining, "fail")}${codes(v.t("desk.cmp.appeared"), r.appeared, "fail")}</div></td></tr>`,
  )}</tbody></table></div>
${bad.length ? html`<section class="card" data-still-failing><h2>${v.t("desk.cmp.stillFailing")}</h2><ul>${bad.map((r) => html`<li><span class="mono">${r.check}</span>: ${v.t(`desk.cmp.ch.${r.change}`)} <span class="mono small">${[...r.remaining, ...r.appeared].join(", ")}</span></li>`)}</ul></section>` : ""}`;
}
