// Sign-in (username + password, or an API token), sign-out, and "/" (the start page by role).
// Failed sign-ins go through the same FailureLimiter as the API and are audited; a token typed into
// the form is never echoed back into a page or a URL.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { html } from "hono/html";
import { z } from "zod";
import { hashSecret } from "../../../shared/secrets.js";
import type { AppDeps } from "../../app.js";
import { addressKey, credentialKey } from "../../auth/failure-limiter.js";
import { actorOf, authenticateToken } from "../../auth/principal.js";
import type { Env } from "../../routes/route-spec.js";
import { READERS } from "../../routes/route-spec.js";
import { MAX_PASSWORD_LENGTH, verifyPassword } from "../auth/password.js";
import { createSession, endSession, SESSION_COOKIE } from "../auth/session.js";
import { readForm } from "../form.js";
import { csrfField, layout } from "../layout.js";
import type { PageSpec, View } from "../page-spec.js";
import { clearSessionCookie, localPath, sendPage, setSessionCookie } from "../web-app.js";

const PasswordForm = z.object({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  next: z.string().max(500).optional(),
});
const TokenForm = z.object({ token: z.string().min(1).max(300), next: z.string().max(500).optional() });

type Notice = { kind: "error" | "ok" | "info"; text: string };

function loginPage(v: View, o: { next?: string | undefined; username?: string; notice?: Notice }): ReturnType<typeof layout> {
  const next = o.next ? html`<input type="hidden" name="next" value="${o.next}">` : "";
  return layout(v, {
    title: v.t("login.title"),
    body: html`
${o.notice ? html`<p class="notice ${o.notice.kind}" role="status">${o.notice.text}</p>` : ""}
<p class="muted">${v.t("login.intro")}</p>
<div class="login">
  <section class="card" aria-labelledby="pw-h">
    <h2 id="pw-h">${v.t("login.password")}</h2>
    <form method="post" action="/login" class="stack">
      ${csrfField(v)}${next}
      <label>${v.t("login.username")}<input type="text" name="username" autocomplete="username" required maxlength="100" value="${o.username ?? ""}"></label>
      <label>${v.t("login.passwordField")}<input type="password" name="password" autocomplete="current-password" required maxlength="${MAX_PASSWORD_LENGTH}"></label>
      <div><button type="submit">${v.t("login.submit")}</button></div>
    </form>
  </section>
  <section class="card" aria-labelledby="tok-h">
    <h2 id="tok-h">${v.t("login.token")}</h2>
    <form method="post" action="/login/token" class="stack">
      ${csrfField(v)}${next}
      <label>${v.t("login.tokenField")}<input type="password" name="token" autocomplete="off" required maxlength="300"></label>
      <div><button type="submit">${v.t("login.submit")}</button></div>
    </form>
  </section>
</div>
<p class="muted small">${v.t("login.firstTime")}</p>`,
  });
}

const remoteOf = (c: Context<Env>) => c.env?.incoming?.socket?.remoteAddress ?? "local";

async function signedIn(c: Context<Env>, deps: AppDeps, subject: Parameters<typeof createSession>[1], next: string | undefined, method: string): Promise<Response> {
  const now = deps.now();
  // A fresh session id on every sign-in: a cookie planted before it (session fixation) is worth nothing.
  const old = getCookie(c, SESSION_COOKIE);
  if (old) await endSession(deps.store, old, now);
  const s = await createSession(deps.store, subject, now);
  setSessionCookie(c, s.cookie);
  const actor = actorOf({ tokenId: subject.subjectId, name: subject.name, role: subject.role, ...(subject.kind === "user" ? { kind: "user" as const } : {}) });
  await deps.store.appendAudit({ at: now, actor, action: "auth.login", outcome: "ok", detail: { method, remote: remoteOf(c) } });
  return c.redirect(localPath(next) ?? "/", 303);
}

export const authPages: PageSpec[] = [
  {
    method: "GET",
    path: "/login",
    access: "public",
    summary: "sign in with username and password, or with an API token",
    handler(c, _d, v) {
      const next = localPath(c.req.query("next"));
      if (v.principal) return c.redirect(next ?? "/", 303);
      const reason = c.req.query("reason");
      const notice: Notice | undefined =
        reason === "signed_out" ? { kind: "ok", text: v.t("login.signedOut") } : reason === "expired" ? { kind: "info", text: v.t("login.expired") } : undefined;
      return sendPage(c, loginPage(v, { next, ...(notice ? { notice } : {}) }));
    },
  },
  {
    method: "POST",
    path: "/login",
    access: "public",
    summary: "sign in with username and password (scrypt; failures limited and audited)",
    async handler(c, d, v) {
      const f = await readForm(c, PasswordForm);
      const next = localPath(f.ok ? f.data.next : undefined);
      const username = f.ok ? f.data.username : "";
      const now = d.now();
      const remote = remoteOf(c);
      // Passwords can be guessed: a limited address or username is refused BEFORE the password is
      // checked (the attempt is reserved synchronously, so a burst cannot all slip through).
      const keys = [addressKey("login", remote), credentialKey("login", hashSecret(username.toLowerCase()))];
      const held = d.limiter.reserve(keys, now);
      if (!held) {
        const waitS = Math.ceil(d.limiter.retryAfterMsAny(keys, now) / 1000);
        await d.store.appendAudit({ at: now, actor: `remote:${remote}`, action: "auth.denied", outcome: "denied", detail: { route: "POST /login", reason: "rate_limited" } });
        c.header("Retry-After", String(waitS));
        return sendPage(c, loginPage(v, { next, username, notice: { kind: "error", text: v.t("login.limited", { s: waitS }) } }), 429);
      }
      const user = f.ok ? await d.store.findUserByName(f.data.username) : undefined;
      // Always one scrypt, whether the user exists or not: the answer time does not reveal names.
      const good = await verifyPassword(f.ok ? f.data.password : "", user?.passwordHash);
      if (!good || !user || user.disabledAt !== undefined) {
        held.fail();
        const reason = !user ? "unknown_user" : user.disabledAt !== undefined ? "disabled" : "wrong_password";
        await d.store.appendAudit({
          at: now,
          actor: `remote:${remote}`,
          action: "auth.denied",
          outcome: "denied",
          // The typed name only when it is a real user: a password typed into the name field is never stored.
          detail: { route: "POST /login", reason, ...(user ? { userId: user.id } : {}) },
        });
        return sendPage(c, loginPage(v, { next, username, notice: { kind: "error", text: v.t("login.failed") } }), 400);
      }
      held.release();
      return signedIn(c, d, { kind: "user", subjectId: user.id, name: user.username, role: user.role }, next, "password");
    },
  },
  {
    method: "POST",
    path: "/login/token",
    access: "public",
    summary: "sign in with an API token (the token is never shown back)",
    async handler(c, d, v) {
      const f = await readForm(c, TokenForm);
      const next = localPath(f.ok ? f.data.next : undefined);
      const now = d.now();
      const remote = remoteOf(c);
      const auth = await authenticateToken(d.store, f.ok ? `Bearer ${f.data.token.trim()}` : undefined, now);
      if (!auth.ok) {
        // Exactly as the API: a stale token is charged to itself, a guess to the address.
        const keys = [auth.tokenId ? credentialKey("token", auth.tokenId) : addressKey("token", remote)];
        d.limiter.fail(keys, now);
        const waitMs = d.limiter.retryAfterMsAny(keys, now);
        await d.store.appendAudit({ at: now, actor: `remote:${remote}`, action: "auth.denied", outcome: "denied", detail: { route: "POST /login/token", reason: auth.reason } });
        if (waitMs > 0) {
          c.header("Retry-After", String(Math.ceil(waitMs / 1000)));
          return sendPage(c, loginPage(v, { next, notice: { kind: "error", text: v.t("login.limited", { s: Math.ceil(waitMs / 1000) }) } }), 429);
        }
        return sendPage(c, loginPage(v, { next, notice: { kind: "error", text: v.t("login.tokenFailed") } }), 400);
      }
      const p = auth.principal;
      // A ticket system's token works on the API only: no console session is ever opened with it.
      if (p.role === "integration") {
        await d.store.appendAudit({ at: now, actor: actorOf(p), action: "auth.denied", outcome: "denied", detail: { route: "POST /login/token", reason: "no_console_access", remote } });
        return sendPage(c, loginPage(v, { next, notice: { kind: "error", text: v.t("login.noConsole") } }), 403);
      }
      return signedIn(c, d, { kind: "token", subjectId: p.tokenId, name: p.name, role: p.role }, next, "token");
    },
  },
  {
    method: "POST",
    path: "/logout",
    access: READERS,
    summary: "sign out (the session is revoked on the server, not just forgotten by the browser)",
    async handler(c, d, v) {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (cookie) await endSession(d.store, cookie, d.now());
      clearSessionCookie(c);
      if (v.principal) await d.store.appendAudit({ at: d.now(), actor: actorOf(v.principal), action: "auth.logout", outcome: "ok" });
      return c.redirect("/login?reason=signed_out", 303);
    },
  },
  {
    method: "GET",
    path: "/",
    access: READERS,
    summary: "start page: the ticket list for engineers and admins, the devices for technicians",
    handler(c, _d, v) {
      return c.redirect(v.principal?.role === "technician" ? "/devices" : "/tickets", 303);
    },
  },
];
