// The one page frame of the web console and the small helpers every page shares (time left, times,
// status badges, the CSRF field). Rendered with hono's `html` (every interpolation is escaped); no
// inline script or style anywhere (the CSP forbids both): CSS and JS come from /static/.
import { html, raw } from "hono/html";
import type { TicketStatus } from "../../shared/ticket.js";
import type { DeadlineState } from "../../shared/ticket.js";
import type { TextKey } from "../../shared/i18n/index.js";
import type { Html, View } from "./page-spec.js";

export type NavItem = "tickets" | "devices" | "admin";

/** The hidden CSRF field every form carries (checked before any POST handler runs). */
export function csrfField(v: View): Html {
  return html`<input type="hidden" name="_csrf" value="${v.csrf}">`;
}

/** The same page in another language: the path with `lang` set (the server stores it in a cookie). */
export function langHref(v: View, lang: string): string {
  const u = new URL(v.path, "http://x");
  u.searchParams.set("lang", lang);
  return u.pathname + u.search;
}

function navLinks(v: View, active: string | undefined): Html {
  const role = v.principal?.role;
  if (!role) return html``;
  const items: { id: NavItem; href: string; label: string }[] = [];
  if (role === "admin" || role === "engineer") items.push({ id: "tickets", href: "/tickets", label: v.t("nav.tickets") });
  items.push({ id: "devices", href: "/devices", label: v.t("nav.devices") });
  if (role === "admin") items.push({ id: "admin", href: "/admin/users", label: v.t("nav.admin") });
  return html`<nav class="nav" aria-label="main">${items.map(
    (i) => html`<a href="${i.href}"${i.id === active ? raw(' class="active" aria-current="page"') : ""}>${i.label}</a>`,
  )}</nav>`;
}

/**
 * The full page: header (brand, navigation by role, who is signed in, sign-out, language switch) and
 * `body` in <main>. `scripts`: names registered in collector/web/static/index.ts, loaded with defer.
 */
export function layout(v: View, o: { title: string; body: Html; nav?: string; scripts?: string[] }): Html {
  const p = v.principal;
  return html`<!doctype html>
<html lang="${v.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · netdiag</title>
<link rel="stylesheet" href="/static/console.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
${(o.scripts ?? []).map((s) => html`<script src="/static/${s}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">${v.t("console.skip")}</a>
<header class="top">
  <a class="brand" href="/">netdiag</a>
  ${navLinks(v, o.nav)}
  <div class="top-right">
    ${p
      ? html`<span class="who">${v.t("nav.signedInAs", { name: p.name, role: v.t(`role.${p.role}`) })}</span>
    <form method="post" action="/logout" class="inline">${csrfField(v)}<button type="submit" class="link-button">${v.t("nav.signOut")}</button></form>`
      : ""}
    <span class="lang" aria-label="${v.t("nav.language")}"><a href="${langHref(v, "en")}" hreflang="en" lang="en"${v.lang === "en" ? raw(' class="active"') : ""}>en</a> / <a href="${langHref(v, "zh-CN")}" hreflang="zh-CN" lang="zh-CN"${v.lang === "zh-CN" ? raw(' class="active"') : ""}>中文</a></span>
  </div>
</header>
<main id="main">
<h1>${o.title}</h1>
${o.body}
</main>
</body>
</html>`;
}

/** An error page in the frame (403, 404, a refused form). */
export function errorPage(v: View, title: string, message: string): Html {
  return layout(v, { title, body: html`<p class="notice error">${message}</p><p><a href="/">${v.t("error.back")}</a></p>` });
}

/** "2 h 10 min", "35 min", "3 d 4 h": a span of time the way a person says it (minutes are floored). */
export function fmtDuration(v: View, ms: number): string {
  const min = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return v.t("time.dh", { d, h });
  if (h > 0) return v.t("time.hm", { h, m });
  return v.t("time.m", { m });
}

/**
 * Time left on a deadline, or how far past it: "2 h 10 min left" / "overdue by 35 min" / "met" /
 * "met 5 min late", as a span with a class (deadline ok | soon | overdue | met | late) for the colour.
 */
export function timeLeft(v: View, d: DeadlineState): Html {
  if (d.metAt !== undefined) {
    return d.leftMs >= 0
      ? html`<span class="deadline met">${v.t("deadline.met")}</span>`
      : html`<span class="deadline late">${v.t("deadline.metLate", { t: fmtDuration(v, d.leftMs) })}</span>`;
  }
  if (d.overdue || d.leftMs < 0) return html`<span class="deadline overdue">${v.t("deadline.overdue", { t: fmtDuration(v, d.leftMs) })}</span>`;
  // The last half hour is shown in amber: time to act before it turns red.
  const cls = d.leftMs < 30 * 60_000 ? "deadline soon" : "deadline ok";
  return html`<span class="${cls}">${v.t("deadline.left", { t: fmtDuration(v, d.leftMs) })}</span>`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "2024-05-01 14:03" in the collector's time zone (one unambiguous form for both languages). */
export function fmtTime(_v: View, epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "5 min ago" / "3 h ago": how long since something was seen. */
export function fmtAgo(v: View, epochMs: number): string {
  if (v.now - epochMs < 60_000) return v.t("time.justNow");
  return v.t("time.ago", { t: fmtDuration(v, v.now - epochMs) });
}

/** A ticket status as a coloured badge (class status-<status>). */
export function statusBadge(v: View, status: TicketStatus): Html {
  return html`<span class="badge status-${status}">${v.t(`ticketStatus.${status}` as TextKey)}</span>`;
}

/** A small coloured label: ok / warn / fail / info / muted. */
export function badge(kind: "ok" | "warn" | "fail" | "info" | "muted", text: string): Html {
  return html`<span class="badge ${kind}">${text}</span>`;
}
