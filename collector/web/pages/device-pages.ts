// The field technician's pages (read-only, made for a phone): the agents (one per customer site) and
// each one's device state, the same data as GET /api/agents/:id/state (collector/device-state.ts).
import { html } from "hono/html";
import type { DeviceState } from "../../../shared/api.js";
import { Id } from "../../../shared/protocol.js";
import { actorOf } from "../../auth/principal.js";
import { redactRun } from "../../auth/redact.js";
import { deviceState } from "../../device-state.js";
import { notFound } from "../../http-error.js";
import { DEFAULT_LIMITS } from "../../limits.js";
import { agentView, DEVICE_STATE_RUNS } from "../../routes/agents.js";
import { READERS } from "../../routes/route-spec.js";
import { stepPage } from "../../routes/runs.js";
import { changesSection, dhcpSection, historySection, interfacesSection, pathSection, routerSection, summarySection } from "../device/sections.js";
import { badge, fmtAgo, fmtTime, layout } from "../layout.js";
import type { Html, PageSpec, View } from "../page-spec.js";
import { sendPage } from "../web-app.js";

function agentHeader(v: View, s: DeviceState): Html {
  const a = s.agent;
  return html`<section class="card">
<p class="verdict-line">${a.revokedAt !== undefined ? badge("fail", v.t("device.revoked")) : a.connected ? badge("ok", v.t("device.online")) : badge("muted", v.t("device.offline"))}
<span class="muted small">${a.lastSeenAt !== undefined ? v.t("device.lastSeen", { at: fmtTime(v, a.lastSeenAt), ago: fmtAgo(v, a.lastSeenAt) }) : v.t("device.neverSeen")}</span></p>
<dl class="kv">
  <dt>${v.t("device.agentId")}</dt><dd class="mono">${a.id}</dd>
  ${a.hostname ? html`<dt>${v.t("device.hostname")}</dt><dd>${a.hostname}</dd>` : ""}
  ${a.ticketId ? html`<dt>${v.t("device.ticket")}</dt><dd class="mono">${a.ticketId}</dd>` : ""}
  <dt>${v.t("device.enrolled")}</dt><dd>${fmtTime(v, a.createdAt)}</dd>
</dl>
</section>`;
}

export const devicePages: PageSpec[] = [
  {
    method: "GET",
    path: "/devices",
    access: READERS,
    summary: "the agents (customer sites): online or not, last seen; made for a phone",
    async handler(c, d, v) {
      const connected = await d.hub.connectedAgents();
      const agents = (await d.store.listAgents()).map((a) => agentView(a, connected.has(a.id)));
      // Online first, then the most recently seen; revoked ones last.
      agents.sort((a, b) => Number(a.revokedAt !== undefined) - Number(b.revokedAt !== undefined) || Number(b.connected) - Number(a.connected) || (b.lastSeenAt ?? 0) - (a.lastSeenAt ?? 0));
      return sendPage(
        c,
        layout(v, {
          title: v.t("device.listTitle"),
          nav: "devices",
          body: agents.length === 0
            ? html`<p class="muted">${v.t("device.none")}</p>`
            : html`<ul class="device-list">${agents.map(
                (a) => html`<li class="card"><a href="/devices/${a.id}">
<span class="name">${a.name}</span> ${a.revokedAt !== undefined ? badge("fail", v.t("device.revoked")) : a.connected ? badge("ok", v.t("device.online")) : badge("muted", v.t("device.offline"))}<br>
<span class="muted small">${a.hostname ? `${a.hostname} · ` : ""}${a.lastSeenAt !== undefined ? v.t("device.seenAgo", { ago: fmtAgo(v, a.lastSeenAt) }) : v.t("device.neverSeen")}${a.ticketId ? ` · ${a.ticketId}` : ""}</span>
</a></li>`,
              )}</ul>`,
        }),
      );
    },
  },
  {
    method: "GET",
    path: "/devices/:agentId",
    access: READERS,
    summary: "one site's device state: interfaces and link, DHCP lease, modem/router (SNMP, RouterOS) with line figures, loss/RTT per hop, run history, changes since the last healthy run",
    async handler(c, d, v) {
      const id = Id.safeParse(c.req.param("agentId"));
      const rec = id.success ? await d.store.getAgent(id.data) : undefined;
      if (!rec) throw notFound("agent");
      // Exactly what GET /api/agents/:id/state reads, redacts and audits.
      const runs = await d.store.listRunsForAgent(rec.id, DEVICE_STATE_RUNS, { page: stepPage(d), totalBytes: (d.limits ?? DEFAULT_LIMITS.read).viewStepBytes });
      await d.store.appendAudit({ at: d.now(), actor: actorOf(v.principal!), action: "device.read", agentId: rec.id, outcome: "ok", ...(rec.ticketId ? { ticketId: rec.ticketId } : {}) });
      const s = deviceState(agentView(rec, (await d.hub.connectedAgents()).has(rec.id)), runs.map((r) => redactRun(r)));
      return sendPage(
        c,
        layout(v, {
          title: v.t("device.title", { name: rec.name }),
          nav: "devices",
          body: html`<p><a href="/devices">← ${v.t("device.back")}</a></p>
${agentHeader(v, s)}
<div class="grid two">${summarySection(v, s)}${changesSection(v, s)}</div>
${routerSection(v, s)}
${interfacesSection(v, s)}
${dhcpSection(v, s)}
${pathSection(v, s)}
${historySection(v, s)}`,
        }),
      );
    },
  },
];
