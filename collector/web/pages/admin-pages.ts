// Admin pages: users (create, disable, set password), API tokens (create: shown once on the result
// page, never in a URL; revoke), agents (revoke), the audit trail with filters. The same actions as
// the API (collector/auth/accounts.ts), audited the same way.
import { html } from "hono/html";
import { z } from "zod";
import { CONSOLE_ROLES, ROLES, type Role } from "../../../shared/api.js";
import type { TextKey } from "../../../shared/i18n/index.js";
import { CloseCode, Id } from "../../../shared/protocol.js";
import { Password, Username } from "../../../shared/users.js";
import { createUserAccount, disableUserAccount, issueToken, revokeTokenAndSessions, setUserPassword } from "../../auth/accounts.js";
import { actorOf } from "../../auth/principal.js";
import { notFound } from "../../http-error.js";
import { ADMINS } from "../../routes/route-spec.js";
import type { AuditFilter } from "../../store/types.js";
import { optionalField, readForm } from "../form.js";
import { badge, csrfField, fmtAgo, fmtTime, layout } from "../layout.js";
import type { Html, PageSpec, View } from "../page-spec.js";
import { sendPage } from "../web-app.js";

type AdminTab = "users" | "tokens" | "agents" | "audit";
const TABS: AdminTab[] = ["users", "tokens", "agents", "audit"];

function adminNav(v: View, active: AdminTab): Html {
  return html`<nav class="subnav" aria-label="${v.t("nav.admin")}">${TABS.map(
    (tab) => html`<a href="/admin/${tab}" class="${tab === active ? "active" : ""}">${v.t(`admin.tab.${tab}`)}</a>`,
  )}</nav>`;
}

/** What a finished action says on the list it returns to (?done=...): a fixed word, never data. */
const DONE = {
  user_created: "admin.done.userCreated",
  user_disabled: "admin.done.userDisabled",
  password_set: "admin.done.passwordSet",
  token_revoked: "admin.done.tokenRevoked",
  agent_revoked: "admin.done.agentRevoked",
} as const satisfies Record<string, TextKey>;

function doneNotice(v: View, done: string | undefined): Html {
  if (!done || !Object.hasOwn(DONE, done)) return html``;
  return html`<p class="notice ok" role="status">${v.t(DONE[done as keyof typeof DONE])}</p>`;
}

function errorNotice(message: string | undefined): Html {
  return message ? html`<p class="notice error" role="alert">${message}</p>` : html``;
}

/** Users are people: console roles only; tokens may also be for a ticket system (integration). */
const roleOptions = (v: View, selected?: string, roles: readonly Role[] = ROLES) =>
  roles.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ""}>${v.t(`role.${r}`)}</option>`);

const idParam = (raw: string | undefined): string => {
  const id = Id.safeParse(raw);
  if (!id.success) throw notFound("id");
  return id.data;
};

// ---- users --------------------------------------------------------------------------------------

const UserForm = z.object({ username: Username, role: z.enum(CONSOLE_ROLES), password: Password });
const PasswordForm = z.object({ password: Password });

async function usersPage(v: View, deps: Parameters<PageSpec["handler"]>[1], o: { done?: string | undefined; error?: string; username?: string; role?: string }): Promise<Html> {
  const users = await deps.store.listUsers();
  return layout(v, {
    title: v.t("admin.users.title"),
    nav: "admin",
    body: html`${adminNav(v, "users")}${doneNotice(v, o.done)}${errorNotice(o.error)}
<section class="card">
  <h2>${v.t("admin.users.create")}</h2>
  <form method="post" action="/admin/users" class="row">
    ${csrfField(v)}
    <label>${v.t("admin.users.username")}<input type="text" name="username" required maxlength="64" autocomplete="off" value="${o.username ?? ""}"></label>
    <label>${v.t("admin.role")}<select name="role">${roleOptions(v, o.role ?? "engineer", CONSOLE_ROLES)}</select></label>
    <label>${v.t("admin.users.password")}<input type="password" name="password" required minlength="10" maxlength="200" autocomplete="new-password"></label>
    <button type="submit">${v.t("admin.users.createButton")}</button>
  </form>
  <p class="muted small">${v.t("admin.users.passwordRule")}</p>
</section>
<h2>${v.t("admin.users.list")}</h2>
${users.length === 0
  ? html`<p class="muted">${v.t("admin.users.none")}</p>`
  : html`<div class="table-wrap"><table class="cards">
<thead><tr><th>${v.t("admin.users.username")}</th><th>${v.t("admin.role")}</th><th>${v.t("admin.created")}</th><th>${v.t("admin.status")}</th><th>${v.t("admin.actions")}</th></tr></thead>
<tbody>${users.map(
      (u) => html`<tr class="${u.disabledAt !== undefined ? "disabled" : ""}">
<td data-label="${v.t("admin.users.username")}"><strong>${u.username}</strong></td><td data-label="${v.t("admin.role")}">${v.t(`role.${u.role}`)}</td><td data-label="${v.t("admin.created")}">${fmtTime(v, u.createdAt)}</td>
<td data-label="${v.t("admin.status")}">${u.disabledAt !== undefined ? badge("muted", v.t("admin.users.disabled", { at: fmtTime(v, u.disabledAt) })) : badge("ok", v.t("admin.active"))}</td>
<td class="actions">${u.disabledAt !== undefined
        ? ""
        : html`<form method="post" action="/admin/users/${u.id}/password">${csrfField(v)}<input type="password" name="password" required minlength="10" maxlength="200" autocomplete="new-password" aria-label="${v.t("admin.users.newPassword", { name: u.username })}" placeholder="${v.t("admin.users.newPasswordShort")}"><button type="submit" class="secondary">${v.t("admin.users.setPassword")}</button></form>
<form method="post" action="/admin/users/${u.id}/disable">${csrfField(v)}<button type="submit" class="danger">${v.t("admin.users.disable")}</button></form>`}</td>
</tr>`,
    )}</tbody></table></div>`}`,
  });
}

// ---- tokens -------------------------------------------------------------------------------------

/** Validity choices of the form (seconds); "never" = no expiry. */
const TTL_CHOICES = { never: undefined, "1d": 86400, "30d": 30 * 86400, "90d": 90 * 86400, "365d": 365 * 86400 } as const;
const TokenForm = z.object({
  name: z.string().trim().min(1).max(100).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters"),
  role: z.enum(ROLES),
  ttl: z.enum(Object.keys(TTL_CHOICES) as [keyof typeof TTL_CHOICES, ...(keyof typeof TTL_CHOICES)[]]).default("90d"),
});

async function tokensPage(v: View, deps: Parameters<PageSpec["handler"]>[1], o: { done?: string | undefined; error?: string }): Promise<Html> {
  const tokens = await deps.store.listTokens();
  const now = v.now;
  return layout(v, {
    title: v.t("admin.tokens.title"),
    nav: "admin",
    body: html`${adminNav(v, "tokens")}${doneNotice(v, o.done)}${errorNotice(o.error)}
<section class="card">
  <h2>${v.t("admin.tokens.create")}</h2>
  <form method="post" action="/admin/tokens" class="row">
    ${csrfField(v)}
    <label>${v.t("admin.tokens.name")}<input type="text" name="name" required maxlength="100" autocomplete="off"></label>
    <label>${v.t("admin.role")}<select name="role">${roleOptions(v, "engineer")}</select></label>
    <label>${v.t("admin.tokens.validity")}<select name="ttl">${Object.keys(TTL_CHOICES).map(
      (k) => html`<option value="${k}"${k === "90d" ? html` selected` : ""}>${v.t(`admin.tokens.ttl.${k as keyof typeof TTL_CHOICES}`)}</option>`,
    )}</select></label>
    <button type="submit">${v.t("admin.tokens.createButton")}</button>
  </form>
  <p class="muted small">${v.t("admin.tokens.onceNote")}</p>
</section>
<h2>${v.t("admin.tokens.list")}</h2>
<div class="table-wrap"><table class="cards">
<thead><tr><th>${v.t("admin.tokens.name")}</th><th>${v.t("admin.role")}</th><th>ID</th><th>${v.t("admin.created")}</th><th>${v.t("admin.tokens.expires")}</th><th>${v.t("admin.status")}</th><th>${v.t("admin.actions")}</th></tr></thead>
<tbody>${tokens.map((t) => {
      const expired = t.expiresAt !== undefined && t.expiresAt <= now;
      const state =
        t.revokedAt !== undefined
          ? badge("muted", v.t("admin.tokens.revokedAt", { at: fmtTime(v, t.revokedAt) }))
          : expired
            ? badge("warn", v.t("admin.tokens.expired"))
            : badge("ok", v.t("admin.active"));
      return html`<tr class="${t.revokedAt !== undefined ? "revoked" : ""}">
<td data-label="${v.t("admin.tokens.name")}"><strong>${t.name}</strong></td><td data-label="${v.t("admin.role")}">${v.t(`role.${t.role}`)}</td><td class="mono" data-label="ID">${t.id}</td><td data-label="${v.t("admin.created")}">${fmtTime(v, t.createdAt)}</td>
<td data-label="${v.t("admin.tokens.expires")}">${t.expiresAt !== undefined ? fmtTime(v, t.expiresAt) : v.t("admin.tokens.never")}</td><td data-label="${v.t("admin.status")}">${state}</td>
<td class="actions">${t.revokedAt === undefined ? html`<form method="post" action="/admin/tokens/${t.id}/revoke">${csrfField(v)}<button type="submit" class="danger">${v.t("admin.revoke")}</button></form>` : ""}</td>
</tr>`;
    })}</tbody></table></div>`,
  });
}

// ---- agents -------------------------------------------------------------------------------------

async function agentsPage(v: View, deps: Parameters<PageSpec["handler"]>[1], done: string | undefined): Promise<Html> {
  const agents = await deps.store.listAgents();
  const online = await deps.hub.connectedAgents();
  return layout(v, {
    title: v.t("admin.agents.title"),
    nav: "admin",
    body: html`${adminNav(v, "agents")}${doneNotice(v, done)}
${agents.length === 0
  ? html`<p class="muted">${v.t("admin.agents.none")}</p>`
  : html`<div class="table-wrap"><table class="cards">
<thead><tr><th>${v.t("admin.agents.name")}</th><th>ID</th><th>${v.t("admin.agents.ticket")}</th><th>${v.t("admin.agents.connection")}</th><th>${v.t("admin.agents.lastSeen")}</th><th>${v.t("admin.status")}</th><th>${v.t("admin.actions")}</th></tr></thead>
<tbody>${agents.map((a) => {
      const connected = online.has(a.id);
      return html`<tr class="${a.revokedAt !== undefined ? "revoked" : ""}">
<td data-label="${v.t("admin.agents.name")}"><a href="/devices/${a.id}"><strong>${a.name}</strong></a>${a.hostname ? html`<br><span class="muted small">${a.hostname}</span>` : ""}</td>
<td class="mono" data-label="ID">${a.id}</td><td class="mono" data-label="${v.t("admin.agents.ticket")}">${a.ticketId ?? "-"}</td>
<td data-label="${v.t("admin.agents.connection")}">${connected ? badge("ok", v.t("device.online")) : badge("muted", v.t("device.offline"))}</td>
<td data-label="${v.t("admin.agents.lastSeen")}">${a.lastSeenAt !== undefined ? html`${fmtTime(v, a.lastSeenAt)}<br><span class="muted small">${fmtAgo(v, a.lastSeenAt)}</span>` : v.t("device.neverSeen")}</td>
<td data-label="${v.t("admin.status")}">${a.revokedAt !== undefined ? badge("fail", v.t("admin.agents.revokedAt", { at: fmtTime(v, a.revokedAt) })) : badge("ok", v.t("admin.active"))}</td>
<td class="actions">${a.revokedAt === undefined ? html`<form method="post" action="/admin/agents/${a.id}/revoke">${csrfField(v)}<button type="submit" class="danger">${v.t("admin.revoke")}</button></form>` : ""}</td>
</tr>`;
    })}</tbody></table></div>`}
<p class="muted small">${v.t("admin.agents.revokeNote")}</p>`,
  });
}

// ---- audit --------------------------------------------------------------------------------------

/** datetime-local ("2024-05-01T14:03") in the collector's time zone → epoch ms. */
const LocalTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, "a date and time like 2024-05-01T14:03")
  .transform((s) => new Date(s).getTime())
  .refine((n) => Number.isFinite(n), "not a valid time");
const Text = (max: number) => z.string().trim().max(max);

export const AuditForm = z.object({
  actor: optionalField(Text(200)),
  action: optionalField(Text(100)),
  ticketId: optionalField(Id),
  agentId: optionalField(Id),
  since: optionalField(LocalTime),
  until: optionalField(LocalTime),
  limit: optionalField(z.coerce.number().int().min(1).max(1000)),
});

const toLocalInput = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

const detailText = (d: Record<string, unknown> | undefined) => {
  if (!d) return "";
  const s = JSON.stringify(d);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

// ---- the table ----------------------------------------------------------------------------------

export const adminPages: PageSpec[] = [
  {
    method: "GET",
    path: "/admin/users",
    access: ADMINS,
    summary: "web console users: create with a role and password, disable, set a new password",
    async handler(c, d, v) {
      return sendPage(c, usersPage(v, d, { done: c.req.query("done") }));
    },
  },
  {
    method: "POST",
    path: "/admin/users",
    access: ADMINS,
    summary: "create a user",
    async handler(c, d, v) {
      const f = await readForm(c, UserForm);
      if (!f.ok) {
        const raw = await c.req.parseBody();
        const username = typeof raw.username === "string" ? raw.username.slice(0, 64) : "";
        const role = typeof raw.role === "string" ? raw.role : undefined;
        return sendPage(c, usersPage(v, d, { error: f.message, username, ...(role ? { role } : {}) }), 400);
      }
      const r = await createUserAccount(d.store, f.data, actorOf(v.principal!), d.now());
      if (!r.ok) return sendPage(c, usersPage(v, d, { error: v.t("admin.users.taken", { name: f.data.username }), username: f.data.username, role: f.data.role }), 409);
      return c.redirect("/admin/users?done=user_created", 303);
    },
  },
  {
    method: "POST",
    path: "/admin/users/:id/disable",
    access: ADMINS,
    summary: "disable a user (final; their sessions end at once)",
    async handler(c, d, v) {
      const r = await disableUserAccount(d.store, idParam(c.req.param("id")), actorOf(v.principal!), d.now());
      if (!r.ok) throw notFound("user");
      return c.redirect("/admin/users?done=user_disabled", 303);
    },
  },
  {
    method: "POST",
    path: "/admin/users/:id/password",
    access: ADMINS,
    summary: "set a user's password (their sessions end at once)",
    async handler(c, d, v) {
      const id = idParam(c.req.param("id"));
      const f = await readForm(c, PasswordForm);
      if (!f.ok) return sendPage(c, usersPage(v, d, { error: f.message }), 400);
      const r = await setUserPassword(d.store, id, f.data.password, actorOf(v.principal!), d.now());
      if (!r.ok) throw notFound("user");
      return c.redirect("/admin/users?done=password_set", 303);
    },
  },
  {
    method: "GET",
    path: "/admin/tokens",
    access: ADMINS,
    summary: "API tokens: create (shown once), list, revoke",
    async handler(c, d, v) {
      return sendPage(c, tokensPage(v, d, { done: c.req.query("done") }));
    },
  },
  {
    method: "POST",
    path: "/admin/tokens",
    access: ADMINS,
    summary: "create a token: the result page shows it once (never in a URL)",
    async handler(c, d, v) {
      const f = await readForm(c, TokenForm);
      if (!f.ok) return sendPage(c, tokensPage(v, d, { error: f.message }), 400);
      const ttlS = TTL_CHOICES[f.data.ttl];
      const t = await issueToken(d.store, { name: f.data.name, role: f.data.role, ...(ttlS !== undefined ? { ttlS } : {}) }, actorOf(v.principal!), d.now());
      return sendPage(
        c,
        layout(v, {
          title: v.t("admin.tokens.createdTitle"),
          nav: "admin",
          body: html`${adminNav(v, "tokens")}
<p class="notice warn">${v.t("admin.tokens.showOnce")}</p>
<section class="card">
  <dl class="kv">
    <dt>${v.t("admin.tokens.name")}</dt><dd>${f.data.name}</dd>
    <dt>${v.t("admin.role")}</dt><dd>${v.t(`role.${t.role}`)}</dd>
    <dt>ID</dt><dd class="mono">${t.id}</dd>
    <dt>${v.t("admin.tokens.expires")}</dt><dd>${t.expiresAt !== undefined ? fmtTime(v, t.expiresAt) : v.t("admin.tokens.never")}</dd>
  </dl>
  <h2>${v.t("admin.tokens.theToken")}</h2>
  <code class="secret" id="new-token">${t.token}</code>
  <p class="muted small">${v.t("admin.tokens.useHint")}</p>
</section>
<p><a href="/admin/tokens">${v.t("admin.tokens.back")}</a></p>`,
        }),
      );
    },
  },
  {
    method: "POST",
    path: "/admin/tokens/:id/revoke",
    access: ADMINS,
    summary: "revoke a token (sessions signed in with it end at once)",
    async handler(c, d, v) {
      if (!(await revokeTokenAndSessions(d.store, idParam(c.req.param("id")), actorOf(v.principal!), d.now()))) throw notFound("token");
      return c.redirect("/admin/tokens?done=token_revoked", 303);
    },
  },
  {
    method: "GET",
    path: "/admin/agents",
    access: ADMINS,
    summary: "agents: connected, last seen, revoked; revoke one",
    async handler(c, d, v) {
      return sendPage(c, agentsPage(v, d, c.req.query("done")));
    },
  },
  {
    method: "POST",
    path: "/admin/agents/:id/revoke",
    access: ADMINS,
    summary: "revoke an agent: its secret stops working and its connection is closed",
    async handler(c, d, v) {
      const id = idParam(c.req.param("id"));
      if (!(await d.store.revokeAgent(id, d.now()))) throw notFound("agent");
      d.hub.disconnect(id, CloseCode.revoked, "agent revoked");
      await d.store.appendAudit({ at: d.now(), actor: actorOf(v.principal!), action: "agent.revoke", agentId: id, outcome: "ok" });
      return c.redirect("/admin/agents?done=agent_revoked", 303);
    },
  },
  {
    method: "GET",
    path: "/admin/audit",
    access: ADMINS,
    summary: "the audit trail, filtered by actor, action, ticket, agent, since, until, limit",
    async handler(c, d, v) {
      const q = c.req.query();
      const f = AuditForm.safeParse(q);
      const filter: AuditFilter = { limit: 100 };
      if (f.success) {
        for (const [k, val] of Object.entries(f.data)) if (val !== undefined) (filter as Record<string, unknown>)[k] = val;
      }
      const rows = f.success ? await d.store.listAudit(filter) : [];
      const val = (k: string) => (typeof q[k] === "string" ? q[k] : "");
      return sendPage(
        c,
        layout(v, {
          title: v.t("admin.audit.title"),
          nav: "admin",
          body: html`${adminNav(v, "audit")}${f.success ? "" : errorNotice(z.prettifyError(f.error))}
<form method="get" action="/admin/audit" class="row card">
  <label>${v.t("admin.audit.actor")}<input type="text" name="actor" maxlength="200" value="${val("actor")}"></label>
  <label>${v.t("admin.audit.action")}<input type="text" name="action" maxlength="100" value="${val("action")}" placeholder="auth.denied"></label>
  <label>${v.t("admin.audit.ticket")}<input type="text" name="ticketId" maxlength="64" value="${val("ticketId")}"></label>
  <label>${v.t("admin.audit.agentFilter")}<input type="text" name="agentId" maxlength="64" value="${val("agentId")}"></label>
  <label>${v.t("admin.audit.since")}<input type="datetime-local" name="since" value="${f.success && f.data.since !== undefined ? toLocalInput(f.data.since) : ""}"></label>
  <label>${v.t("admin.audit.until")}<input type="datetime-local" name="until" value="${f.success && f.data.until !== undefined ? toLocalInput(f.data.until) : ""}"></label>
  <label>${v.t("admin.audit.limit")}<input type="number" name="limit" min="1" max="1000" value="${val("limit") || "100"}"></label>
  <button type="submit">${v.t("admin.audit.filter")}</button>
</form>
<p class="muted small">${v.t("admin.audit.count", { n: rows.length })}</p>
<div class="table-wrap"><table class="cards">
<thead><tr><th>${v.t("admin.audit.time")}</th><th>${v.t("admin.audit.actor")}</th><th>${v.t("admin.audit.action")}</th><th>${v.t("admin.audit.outcome")}</th><th>${v.t("admin.audit.ticket")}</th><th>${v.t("admin.audit.agent")}</th><th>${v.t("admin.audit.detail")}</th></tr></thead>
<tbody>${rows.map(
            (a) => html`<tr>
<td class="mono" data-label="${v.t("admin.audit.time")}">${fmtTime(v, a.at)}</td><td class="mono" data-label="${v.t("admin.audit.actor")}">${a.actor}</td><td class="mono" data-label="${v.t("admin.audit.action")}">${a.action}</td>
<td data-label="${v.t("admin.audit.outcome")}">${a.outcome === "denied" || a.outcome === "error" ? badge("fail", a.outcome) : badge("ok", a.outcome)}</td>
<td class="mono" data-label="${v.t("admin.audit.ticket")}">${a.ticketId ?? ""}</td><td class="mono" data-label="${v.t("admin.audit.agent")}">${a.agentId ?? ""}${a.runId ? html`<br>${a.runId}` : ""}</td>
<td class="mono small" data-label="${v.t("admin.audit.detail")}">${detailText(a.detail)}</td></tr>`,
          )}</tbody></table></div>`,
        }),
      );
    },
  },
];
