// Walks EVERY page of the web console (webPages, the desk's included) with every role and with no
// session, and asserts allow/deny against the page's declared access, exactly like the API's route
// walk (test/collector/roles.test.ts): a denied role gets a 403 page and an audit row, a POST is
// refused on the role BEFORE its form is looked at, and every page carries the strict CSP and the
// other security headers, with nothing inline that the CSP would have to allow.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROLES, type Role } from "../../shared/api.js";
import type { PageSpec } from "../../collector/web/page-spec.js";
import { webPages } from "../../collector/web/pages/index.js";
import { CONTENT_SECURITY_POLICY } from "../../collector/web/web-app.js";
import { createSession, SESSION_COOKIE } from "../../collector/web/auth/session.js";
import { startWebApp, type TestWebApp, type WebClient } from "./web-client.js";

let w: TestWebApp;
const tokens = {} as Record<Role, { id: string; token: string }>;

beforeAll(async () => {
  w = await startWebApp();
  for (const r of ROLES) tokens[r] = await w.addToken(r, { name: `walker-${r}` });
});
afterAll(async () => {
  await w.close();
});

const pageName = (p: PageSpec) => `${p.method} ${p.path}`;
const concrete = (p: PageSpec) => p.path.replace(/:\w+/g, "zz_missing");

/** The headers every page must carry, whatever its status. */
function expectPageHeaders(res: Response, what: string): void {
  expect(res.headers.get("content-security-policy"), what).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("x-frame-options"), what).toBe("DENY");
  expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(res.headers.get("referrer-policy"), what).toBe("no-referrer");
  expect(res.headers.get("cache-control"), what).toBe("no-store");
}

/** Nothing the CSP would block: no inline script, style element, style attribute or event handler. */
async function expectNothingInline(res: Response, what: string): Promise<void> {
  if (!(res.headers.get("content-type") ?? "").includes("text/html")) return;
  const body = await res.clone().text();
  expect(body, what).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  expect(body, what).not.toMatch(/<style[\s>]/i);
  expect(body, what).not.toMatch(/\sstyle=/i);
  expect(body, what).not.toMatch(/\son[a-z]+=/i);
  expect(body, what).not.toMatch(/javascript:/i);
}

async function signedIn(role: Role): Promise<WebClient> {
  const c = w.client();
  const r = await c.signInWithToken(tokens[role].token);
  if (role === "integration") {
    // A ticket system's token never gets a console session (audited); to prove the pages refuse it
    // too, the walk gives it one made directly in the store, as if it had got past sign-in.
    expect(r.status).toBe(403);
    const s = await createSession(w.store, { kind: "token", subjectId: tokens[role].id, name: `walker-${role}`, role }, w.clock.now);
    c.cookies.set(SESSION_COOKIE, s.cookie);
    c.csrf = s.record.csrfToken;
    return c;
  }
  expect(r.status).toBe(303);
  // A page every role may open, for this session's CSRF token.
  expect((await c.get("/devices")).status).toBe(200);
  return c;
}

describe("every page x every role", () => {
  test("the table is not empty, paths are unique, every page declares its access and a summary", () => {
    expect(webPages.length).toBeGreaterThanOrEqual(17);
    expect(new Set(webPages.map(pageName)).size).toBe(webPages.length);
    for (const p of webPages) {
      expect(p.access === "public" || (Array.isArray(p.access) && p.access.every((x) => ROLES.includes(x))), pageName(p)).toBe(true);
      expect(p.summary.length, pageName(p)).toBeGreaterThan(5);
    }
  });

  test.each(webPages.map((p) => [pageName(p), p] as const))("%s: allowed exactly as declared", async (name, p) => {
    for (const role of ROLES) {
      const c = await signedIn(role);
      const before = (await w.store.listAudit({ action: "auth.forbidden", limit: 1000 })).length;
      const res = p.method === "GET" ? await c.get(concrete(p)) : await c.post(concrete(p), {});
      const what = `${role} on ${name}: ${res.status} ${res.headers.get("location") ?? ""}`;
      expectPageHeaders(res, what);
      await expectNothingInline(res, what);
      const allowed = p.access === "public" || p.access.includes(role);
      if (allowed) {
        expect(res.status, what).not.toBe(403);
        // Not sent to sign in (sign-out itself goes to /login?reason=signed_out, on purpose).
        expect(res.headers.get("location") ?? "", what).not.toMatch(/^\/login(\?next=|\?reason=expired|$)/);
      } else {
        expect(res.status, what).toBe(403);
        const audit = await w.store.listAudit({ action: "auth.forbidden", limit: 1000 });
        expect(audit.length, what).toBe(before + 1);
        expect(audit[0], what).toMatchObject({ actor: `token:${tokens[role].id}:walker-${role}`, outcome: "denied", detail: { route: name, role } });
      }
    }
  });

  test.each(webPages.map((p) => [pageName(p), p] as const))("%s: without a session", async (name, p) => {
    const c = w.client();
    const res = p.method === "GET" ? await c.get(concrete(p)) : await c.post(concrete(p), {}, { csrf: null });
    expectPageHeaders(res, name);
    if (p.access === "public") {
      // The sign-in forms: a POST without the pre-session CSRF cookie is refused like any forged form.
      expect(res.status, name).toBe(p.method === "GET" ? 200 : 403);
    } else {
      expect(res.status, name).toBe(303);
      expect(res.headers.get("location"), name).toMatch(/^\/login(\?|$)/);
      if (p.method === "GET") expect(res.headers.get("location"), name).toBe(`/login?next=${encodeURIComponent(concrete(p))}`);
    }
  });
});

describe("a ticket system's token (role integration)", () => {
  test("cannot sign in to the console (403, audited) and no page lets it in", async () => {
    const c = w.client();
    const r = await c.signInWithToken(tokens.integration.token);
    expect(r.status).toBe(403);
    expect(c.lastHtml).toContain("API only");
    expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
    const denied = await w.store.listAudit({ action: "auth.denied", limit: 1000 });
    expect(denied.some((a) => a.detail?.route === "POST /login/token" && a.detail?.reason === "no_console_access")).toBe(true);
    for (const p of webPages) expect(p.access === "public" || !p.access.includes("integration"), pageName(p)).toBe(true);
  });
});

describe("a field technician", () => {
  test("reads the devices but cannot open an admin page nor POST anything but sign-out", async () => {
    const c = await signedIn("technician");
    for (const p of webPages.filter((x) => x.path.startsWith("/admin"))) {
      const res = p.method === "GET" ? await c.get(concrete(p)) : await c.post(concrete(p), { username: "mallory", role: "admin", password: "long enough password", name: "x" });
      expect(res.status, pageName(p)).toBe(403);
    }
    const posts = webPages.filter((p) => p.method === "POST" && p.access !== "public" && p.path !== "/logout");
    for (const p of posts) expect(p.access, pageName(p)).not.toContain("technician");
    expect(await w.store.findUserByName("mallory")).toBeUndefined();
    expect((await w.store.listTokens()).length).toBe(ROLES.length);
  });
});

describe("static files", () => {
  test("served with their content type and the same headers; unknown names are 404", async () => {
    const css = await w.fetch("/static/console.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(css.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(css.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await css.text()).toContain("--fail");
    expect((await w.fetch("/static/nope.js")).status).toBe(404);
    expect((await w.fetch("/static/__proto__")).status).toBe(404);
  });
});
