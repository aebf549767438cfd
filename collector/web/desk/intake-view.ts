// The intake form (DOMAIN: identity and contact, service, symptom, since when, how often, what was
// tried, category and severity) and the page shown once an enrollment code was made for a ticket.
import { html } from "hono/html";
import { customerSteps } from "../../../shared/onboarding.js";
import { csrfField, fmtTime } from "../layout.js";
import type { Html, View } from "../page-spec.js";
import type { Fields } from "./forms.js";
import { CATEGORIES, categoryText, SEVERITIES, severityText } from "./labels.js";

export function intakeForm(v: View, o: { fields?: Fields; error?: string } = {}): Html {
  const val = (k: string) => {
    const x = o.fields?.[k];
    return (Array.isArray(x) ? x[0] : x) ?? "";
  };
  const sev = val("severity") || "general";
  const cat = val("category") || "network";
  return html`${o.error ? html`<p class="notice error" role="alert" data-error="ticket">${o.error}</p>` : ""}
<form method="post" action="/tickets/new" class="stack card" data-form="ticket">${csrfField(v)}
<label>${v.t("desk.f.customer")}<input type="text" name="name" required maxlength="200" value="${val("name")}"></label>
<label>${v.t("desk.f.contact")}<input type="text" name="contact" required maxlength="200" value="${val("contact")}"></label>
<label>${v.t("desk.f.site")}<input type="text" name="site" maxlength="500" value="${val("site")}"></label>
<label>${v.t("desk.f.service")}<input type="text" name="service" required maxlength="200" value="${val("service")}"></label>
<label>${v.t("desk.f.symptom")}<textarea name="symptom" required maxlength="4000" rows="3" placeholder="${v.t("desk.new.hintSymptom")}">${val("symptom")}</textarea></label>
<label>${v.t("desk.f.startedAt")}<input type="text" name="startedAt" maxlength="100" value="${val("startedAt")}"></label>
<label>${v.t("desk.f.frequency")}<input type="text" name="frequency" maxlength="200" value="${val("frequency")}"></label>
<label>${v.t("desk.f.alreadyTried")}<textarea name="alreadyTried" maxlength="2000" rows="2">${val("alreadyTried")}</textarea></label>
<label>${v.t("desk.f.category")}<select name="category">${CATEGORIES.map((c) => html`<option value="${c}"${c === cat ? html` selected` : ""}>${categoryText(v, c)}</option>`)}</select></label>
<label>${v.t("desk.f.severity")}<select name="severity">${SEVERITIES.map((s) => html`<option value="${s}"${s === sev ? html` selected` : ""}>${severityText(v, s)}</option>`)}</select></label>
<div><button type="submit">${v.t("desk.new.submit")}</button> <a href="/tickets">${v.t("desk.t.back")}</a></div>
</form>`;
}

/** The one-time code (shown only in this response, never in a URL) and the customer's commands. */
export function enrollmentBody(v: View, o: { ticketId: string; code: string; expiresAt: number; collectorUrl: string; agentSha256?: string | undefined }): Html {
  return html`<p class="subnav"><a href="/tickets/${o.ticketId}">← ${o.ticketId}</a></p>
<section class="card">
<p>${v.t("desk.auth.code")}</p>
<code class="secret" data-enrollment-code>${o.code}</code>
<p class="small muted">${v.t("desk.auth.expires", { at: fmtTime(v, o.expiresAt) })}</p>
<h2>${v.t("desk.auth.commands")}</h2>
<div class="table-wrap"><pre class="mono small" data-commands>${customerSteps(o.collectorUrl, o.ticketId, o.code, "", o.agentSha256)}</pre></div>
</section>`;
}
