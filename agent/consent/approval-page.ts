// The customer's local consent page: the requests waiting for an answer, each with who asks, the
// ticket, every check in plain language, how long an approval lasts and when no answer counts as no,
// and one form to allow or refuse it. Pure rendering with hono's `html` helper, which escapes every
// interpolated value (the engineer's name and the ticket id come from the collector). No script and
// no inline style: the page must work under the server's CSP (default-src 'none'; style-src 'self').
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ConsentRequest } from "./broker.js";
import { formatDuration } from "./grant.js";
import { describeCheck, LOCALES, t, type Locale } from "./i18n.js";

/** What the page says after an answer: accepted either way, or nothing left to answer. */
export const PAGE_NOTICES = ["approved", "refused", "gone"] as const;
export type PageNotice = (typeof PAGE_NOTICES)[number];

/** With nothing to answer, the page reloads itself this often so a new request shows up (no script). */
export const EMPTY_REFRESH_S = 5;

export const STYLESHEET_PATH = "/consent.css";

export interface ApprovalPageInput {
  locale: Locale;
  pending: readonly ConsentRequest[];
  now: number;
  /** The page's key: it is in the page's own URL already, and every form and link carries it. */
  pageKey: string;
  notice?: PageNotice | undefined;
}

/** `/?k=KEY&lang=LOCALE`: the page itself (the query order is fixed so tests and links agree). */
export function pageHref(pageKey: string, locale: Locale, notice?: PageNotice): string {
  const q = new URLSearchParams({ k: pageKey, lang: locale, ...(notice ? { done: notice } : {}) });
  return `/?${q.toString()}`;
}

const NOTICE_TEXT = { approved: "prompt.approved", refused: "prompt.refused", gone: "page.gone" } as const;

export function renderApprovalPage(p: ApprovalPageInput): HtmlEscapedString | Promise<HtmlEscapedString> {
  const l = p.locale;
  const self = pageHref(p.pageKey, l);
  const empty = p.pending.length === 0;
  return html`<!doctype html>
<html lang="${l}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${empty ? html`<meta http-equiv="refresh" content="${EMPTY_REFRESH_S};url=${self}">` : ""}
<title>${t(l, "page.title")}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header>
<h1>${t(l, "page.title")}</h1>
<nav aria-label="${t(l, "page.language")}">${LOCALES.map((o) =>
    o === l
      ? html`<span class="lang" lang="${o}" aria-current="page">${t(o, "page.languageName")}</span>`
      : html`<a class="lang" lang="${o}" hreflang="${o}" href="${pageHref(p.pageKey, o)}">${t(o, "page.languageName")}</a>`,
  )}</nav>
</header>
<main>
${p.notice ? html`<p class="notice notice-${p.notice}" role="status">${t(l, NOTICE_TEXT[p.notice])}</p>` : ""}
${empty
    ? html`<p class="empty">${t(l, "pending.none")}</p><p class="hint">${t(l, "page.autoRefresh")}</p>`
    : html`<p class="intro">${t(l, "page.intro")}</p>${p.pending.map((r) => requestSection(l, r, p.now, p.pageKey))}`}
</main>
</body>
</html>
`;
}

function requestSection(l: Locale, r: ConsentRequest, now: number, pageKey: string): HtmlEscapedString | Promise<HtmlEscapedString> {
  const onlyChanges = r.changes.length > 0 && r.changes.length === r.checks.length;
  const left = timeLeft(r.deadline - now);
  return html`<section class="request${r.changes.length ? " request-change" : ""}" aria-labelledby="h-${r.id}">
<h2 id="h-${r.id}">${t(l, onlyChanges ? "prompt.changeTitle" : "prompt.title")}</h2>
<dl>
<dt>${t(l, "prompt.requestedBy")}</dt><dd class="by">${r.requestedBy}</dd>
<dt>${t(l, "prompt.ticket")}</dt><dd class="ticket">${r.ticketId}</dd>
<dt>${t(l, "prompt.duration")}</dt><dd class="duration">${r.grantMs > 0 ? formatDuration(r.grantMs) : t(l, "prompt.once")}</dd>
</dl>
<h3>${t(l, "prompt.checks")}</h3>
<ul class="checks">${r.checks.map((c) => html`<li>${describeCheck(l, c)}${r.changes.includes(c) ? html` <strong class="once">[${t(l, "prompt.once")}]</strong>` : ""}</li>`)}</ul>
${r.changes.length ? html`<p class="warning">${t(l, "prompt.changeWarning")}</p>` : ""}
<p class="deadline">${t(l, "prompt.deadline", { time: left })}</p>
<form method="post" action="/answer" class="answer">
<input type="hidden" name="k" value="${pageKey}">
<input type="hidden" name="id" value="${r.id}">
<input type="hidden" name="lang" value="${l}">
<button type="submit" name="answer" value="approve" class="approve">${t(l, "page.approve")}</button>
<button type="submit" name="answer" value="refuse" class="refuse">${t(l, "page.refuse")}</button>
</form>
</section>`;
}

/**
 * Time left to answer, rounded down (never promise more time than there is) to whole minutes from a
 * minute up, so a page opened a moment after the question says "4m", not "299s".
 */
export function timeLeft(ms: number): string {
  if (ms >= 60_000) return formatDuration(Math.floor(ms / 60_000) * 60_000);
  return formatDuration(Math.max(1000, Math.floor(ms / 1000) * 1000));
}

/**
 * The page's only stylesheet, served from the agent itself (style-src 'self'). Readable on a phone:
 * one column, large buttons side by side, long ids wrap.
 */
export const STYLESHEET = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;color:#1b1f24;background:#f3f4f6}
header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;padding:1rem 1.25rem;background:#1f3a5f;color:#fff}
h1{margin:0;font-size:1.25rem;font-weight:600}
nav{display:flex;gap:.75rem}
.lang{color:#fff;padding:.25rem .5rem;border-radius:4px}
a.lang{text-decoration:underline}
.lang[aria-current]{background:rgba(255,255,255,.18);font-weight:600}
main{max-width:44rem;margin:0 auto;padding:1rem}
.intro,.empty,.hint{margin:.75rem 0}
.hint{color:#555;font-size:.9rem}
.notice{padding:.75rem 1rem;border-radius:6px;border:1px solid;font-weight:600}
.notice-approved{background:#e7f5ea;border-color:#4c9a5b;color:#1f5a2b}
.notice-refused{background:#f4f4f5;border-color:#8a8f98;color:#333}
.notice-gone{background:#fff6e0;border-color:#c99a2e;color:#5c4300}
.request{background:#fff;border:1px solid #d5d9de;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.request-change{border-color:#c0392b;border-width:2px}
h2{font-size:1.1rem;margin:0 0 .75rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600;color:#444}
dd{margin:0;overflow-wrap:anywhere}
.checks{margin:.25rem 0;padding-left:1.25rem}
.checks li{margin:.2rem 0}
.once,.warning{color:#a12a1d}
.warning{font-weight:600}
.deadline{color:#444;font-size:.95rem}
.answer{display:flex;gap:.75rem;margin-top:1rem}
.answer button{flex:1;min-height:3rem;font:inherit;font-weight:600;border-radius:6px;cursor:pointer}
.approve{background:#2e7d32;border:2px solid #2e7d32;color:#fff}
.refuse{background:#fff;border:2px solid #b3261e;color:#b3261e}
.answer button:focus-visible,a.lang:focus-visible{outline:3px solid #f2b705;outline-offset:2px}
@media (max-width:30rem){dl{grid-template-columns:1fr;gap:0}dt{margin-top:.5rem;font-size:.85rem;color:#5b626b}header{padding:.75rem 1rem}}
`;
