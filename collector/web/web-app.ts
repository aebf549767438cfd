// Mounts the web console on the collector's hono app (same port as the API). One wrapper runs in front
// of every page of the table (collector/web/pages/index.ts), in this order: security headers, the
// language, the session (a page without one sends the browser to /login), the page's declared roles
// (a 403 page and an audit row, like the API), and for every POST the body limit and the CSRF token,
// all BEFORE the page's handler. SECURITY.md, "Web console", says why each one is there.
import { timingSafeEqual, randomBytes } from "node:crypto";
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { LOCALES, t, type Locale } from "../../shared/i18n/index.js";
import { actorOf, type Principal } from "../auth/principal.js";
import type { AppDeps } from "../app.js";
import { HttpError } from "../http-error.js";
import type { Env } from "../routes/route-spec.js";
import { resolveSession, SESSION_ABSOLUTE_MS, SESSION_COOKIE, type SessionResult } from "./auth/session.js";
import { errorPage } from "./layout.js";
import type { Html, PageSpec, View } from "./page-spec.js";
import { staticAssets } from "./static/index.js";

export const LANG_COOKIE = "nd_lang";
/** The CSRF token of forms shown before sign-in (the sign-in form itself): a double-submit cookie. */
export const PRE_SESSION_COOKIE = "nd_pre";
/** Forms are a few fields; 32 KiB is generous and keeps a POST from filling memory. */
export const MAX_FORM_BYTES = 32 * 1024;

/** Strict CSP: nothing inline, nothing from elsewhere; the live parts are /static/*.js files. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  referrerPolicy: "no-referrer",
  xContentTypeOptions: "nosniff",
  xFrameOptions: "DENY",
  // HSTS only makes sense over TLS; browsers ignore it on http, and a loopback console stays on http.
  strictTransportSecurity: false,
});

/** Over TLS when the socket is; a request line's "https://" cannot fake it. In-process tests: the URL. */
export function isTls(c: Context<Env>): boolean {
  const sock = c.env?.incoming?.socket as { encrypted?: boolean } | undefined;
  return sock ? sock.encrypted === true : new URL(c.req.url).protocol === "https:";
}

export function safeEqualText(a: string, b: string): boolean {
  const ba = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

export function localeFromTag(tag: string | undefined): Locale | undefined {
  if (!tag) return undefined;
  const l = tag.trim().toLowerCase();
  if (l.startsWith("zh")) return "zh-CN";
  if (l.startsWith("en")) return "en";
  return undefined;
}

/** The nd_lang cookie, else the first language of Accept-Language we have (zh* -> zh-CN), else English. */
export function pickWebLocale(c: Context<Env>): Locale {
  const fromCookie = getCookie(c, LANG_COOKIE);
  if (fromCookie && (LOCALES as readonly string[]).includes(fromCookie)) return fromCookie as Locale;
  const accept = c.req.header("accept-language") ?? "";
  const tags = accept
    .split(",")
    .map((part) => {
      const [tag, ...params] = part.split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
      return { tag: tag?.trim() ?? "", q: q === undefined ? 1 : Number(q) };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of tags) {
    const l = localeFromTag(tag);
    if (l) return l;
  }
  return "en";
}

export function makeView(c: Context<Env>, lang: Locale, principal: Principal | undefined, csrf: string, now: number): View {
  const url = new URL(c.req.url);
  return {
    lang,
    t: (key, vars) => t(lang, key, vars),
    principal,
    csrf,
    now,
    path: url.pathname + url.search,
  };
}

/** A local path to go back to after sign-in: "/x?y" only (never "//host", "/\host" or a scheme). */
export function localPath(next: string | undefined): string | undefined {
  if (!next || next.length > 500) return undefined;
  if (!/^\/(?![/\\])[^\s\\]*$/.test(next)) return undefined;
  return next;
}

function setPageHeaders(c: Context<Env>): void {
  // Pages show customers' data and carry the session's CSRF token: never cached, not even privately.
  c.header("Cache-Control", "no-store");
}

/** Renders an HTML page with the given status (the CSP and other headers are already set). */
export async function sendPage(c: Context<Env>, body: Html | Promise<Html>, status: 200 | 400 | 403 | 404 | 409 | 413 | 429 = 200): Promise<Response> {
  setPageHeaders(c);
  return c.html(await body, status);
}

export function sessionCookieOptions(c: Context<Env>) {
  return { httpOnly: true, sameSite: "Strict" as const, path: "/", secure: isTls(c) };
}

/** Starts a browser session: the cookie's Max-Age is the absolute lifetime (idle is checked server-side). */
export function setSessionCookie(c: Context<Env>, cookie: string): void {
  setCookie(c, SESSION_COOKIE, cookie, { ...sessionCookieOptions(c), maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000) });
}

export function clearSessionCookie(c: Context<Env>): void {
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c));
}

/** The pre-session CSRF value, set on the browser the first time a public page is shown. */
function preSessionToken(c: Context<Env>): string {
  const have = getCookie(c, PRE_SESSION_COOKIE);
  if (have && /^[A-Za-z0-9_-]{43}$/.test(have)) return have;
  const fresh = randomBytes(32).toString("base64url");
  setCookie(c, PRE_SESSION_COOKIE, fresh, sessionCookieOptions(c));
  return fresh;
}

/** The session for API reads from the console's own scripts (GET only: a cookie never authorizes a change). */
export async function sessionFromCookie(c: Context<Env>, deps: AppDeps): Promise<SessionResult> {
  return resolveSession(deps.store, getCookie(c, SESSION_COOKIE), deps.now());
}

export function mountWeb(app: Hono<Env>, deps: AppDeps, pages: readonly PageSpec[]): void {
  app.get("/static/:name", pageHeaders, (c) => {
    const asset = Object.hasOwn(staticAssets, c.req.param("name")) ? staticAssets[c.req.param("name")] : undefined;
    if (!asset) return c.text("not found", 404);
    // Revalidated on every load (cheap, small files): a new build's CSS/JS is never mixed with an old page.
    c.header("Cache-Control", "no-cache");
    c.header("Content-Type", asset.type);
    return c.body(asset.body);
  });

  const limitForm = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: async (c) => {
      const lang = pickWebLocale(c as Context<Env>);
      const v = makeView(c as Context<Env>, lang, undefined, "", deps.now());
      return sendPage(c as Context<Env>, errorPage(v, v.t("error.badInputTitle"), v.t("error.tooLarge")), 413);
    },
  });

  for (const page of pages) {
    const route = `${page.method} ${page.path}`;
    const handler = async (c: Context<Env>): Promise<Response> => {
      setPageHeaders(c);
      const now = deps.now();
      // ?lang=zh-CN: remember the choice in a cookie and show the same page without the parameter.
      const langParam = c.req.method === "GET" ? c.req.query("lang") : undefined;
      if (langParam !== undefined) {
        const url = new URL(c.req.url);
        url.searchParams.delete("lang");
        const chosen = localeFromTag(langParam);
        if (chosen) setCookie(c, LANG_COOKIE, chosen, { path: "/", sameSite: "Strict", httpOnly: true, secure: isTls(c), maxAge: 365 * 86400 });
        return c.redirect(url.pathname + url.search, 303);
      }
      const lang = pickWebLocale(c);
      let principal: Principal | undefined;
      let csrf: string;
      if (page.access === "public") {
        const s = await sessionFromCookie(c, deps);
        principal = s.ok ? s.principal : undefined;
        csrf = s.ok ? s.session.csrfToken : preSessionToken(c);
      } else {
        const s = await sessionFromCookie(c, deps);
        if (!s.ok) {
          if (s.reason !== "missing") clearSessionCookie(c);
          const url = new URL(c.req.url);
          const next = c.req.method === "GET" ? localPath(url.pathname + url.search) : undefined;
          const why = s.reason === "missing" ? "" : "reason=expired";
          const q = [next ? `next=${encodeURIComponent(next)}` : "", why].filter(Boolean).join("&");
          return c.redirect(`/login${q ? `?${q}` : ""}`, 303);
        }
        principal = s.principal;
        csrf = s.session.csrfToken;
        if (!page.access.includes(principal.role)) {
          await deps.store.appendAudit({ at: now, actor: actorOf(principal), action: "auth.forbidden", outcome: "denied", detail: { route, role: principal.role } });
          const v = makeView(c, lang, principal, csrf, now);
          return sendPage(c, errorPage(v, v.t("error.forbiddenTitle"), v.t("error.forbidden", { role: v.t(`role.${principal.role}`) })), 403);
        }
      }
      const v = makeView(c, lang, principal, csrf, now);
      if (page.method === "POST") {
        // Parsed once here (hono caches it for the handler's own parseBody): the CSRF token first.
        const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
        const sent = typeof form._csrf === "string" ? form._csrf : "";
        if (!csrf || !safeEqualText(sent, csrf)) {
          await deps.store.appendAudit({
            at: now,
            actor: principal ? actorOf(principal) : `remote:${c.env?.incoming?.socket?.remoteAddress ?? "local"}`,
            action: "auth.csrf",
            outcome: "denied",
            detail: { route, reason: sent ? "mismatch" : "missing" },
          });
          return sendPage(c, errorPage(v, v.t("error.csrfTitle"), v.t("error.csrf")), 403);
        }
      }
      try {
        return await page.handler(c, deps, v);
      } catch (e) {
        if (e instanceof HttpError && (e.status === 400 || e.status === 404 || e.status === 409 || e.status === 429)) {
          if (e.status === 404) return sendPage(c, errorPage(v, v.t("error.notFoundTitle"), v.t("error.notFound")), 404);
          return sendPage(c, errorPage(v, v.t("error.badInputTitle"), e.message), e.status);
        }
        throw e;
      }
    };
    if (page.method === "POST") app.post(page.path, pageHeaders, limitForm, handler);
    else app.get(page.path, pageHeaders, handler);
  }
}
