// Web console sign-in and sessions, in process on a real SQLite store with a clock the test moves:
// password (scrypt) and token sign-in, refusals limited and audited, the cookie's flags, the store
// holding only a hash, sign-out, expiry (absolute and idle), and a session dying with its subject
// (revoked token, disabled user, new password).
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { hashSecret } from "../../shared/secrets.js";
import { FailureLimiter } from "../../collector/auth/failure-limiter.js";
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "../../collector/web/auth/session.js";
import { hashPassword, verifyPassword } from "../../collector/web/auth/password.js";
import { startWebApp, WebClient, type TestWebApp } from "./web-client.js";

let w: TestWebApp;
beforeEach(async () => {
  w = await startWebApp();
});
afterEach(async () => {
  await w.close();
});

const loc = (r: Response) => r.headers.get("location");

describe("sign-in", () => {
  test("with username and password: a session cookie, HttpOnly, SameSite=Strict, Path=/, expiring; the store keeps only its hash", async () => {
    const u = await w.addUser("engineer", "alice");
    const c = w.client();
    const res = await c.signInWithPassword("alice", u.password);
    expect(res.status).toBe(303);
    expect(loc(res)).toBe("/");
    const set = res.headers.getSetCookie().find((s) => s.startsWith("nd_session="))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(set).toMatch(/Max-Age=43200/);
    expect(set).not.toMatch(/Secure/); // plain http on loopback: a Secure cookie would never come back
    const cookie = c.cookies.get("nd_session")!;
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await w.store.findSession(cookie)).toBeUndefined();
    const s = await w.store.findSession(hashSecret(cookie));
    expect(s).toMatchObject({ kind: "user", subjectId: u.id, role: "engineer" });
    expect((await c.get("/")).headers.get("location")).toBe("/tickets");
    expect((await w.store.listAudit({ action: "auth.login" }))[0]).toMatchObject({ actor: `user:${u.id}:alice`, outcome: "ok" });
  });

  test("over TLS the cookie is Secure", async () => {
    const tok = await w.addToken("technician");
    const c = new WebClient(async (p, i) => w.app.request(`https://console.test${p}`, i));
    const res = await c.signInWithToken(tok.token);
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().find((s) => s.startsWith("nd_session="))).toMatch(/; Secure/);
  });

  test("with an API token: signed in as the token; a technician lands on /devices", async () => {
    const tok = await w.addToken("technician", { name: "bob" });
    const c = w.client();
    expect((await c.signInWithToken(tok.token)).status).toBe(303);
    expect(loc(await c.get("/"))).toBe("/devices");
    const page = await c.get("/devices");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("bob");
  });

  test("a wrong password is refused, audited, and the name is kept but not the password", async () => {
    await w.addUser("engineer", "alice");
    const c = w.client();
    const res = await c.signInWithPassword("alice", "wrong password here");
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain("wrong username or password");
    expect(body).not.toContain("wrong password here");
    expect(c.cookies.has("nd_session")).toBe(false);
    const a = await w.store.listAudit({ action: "auth.denied" });
    expect(a[0]).toMatchObject({ outcome: "denied", detail: { route: "POST /login", reason: "wrong_password" } });
    // An unknown name gets the same answer (names cannot be probed) and is not recorded.
    const r2 = await c.signInWithPassword("nobody", "whatever-long");
    expect(r2.status).toBe(400);
    expect(await r2.text()).toContain("wrong username or password");
    expect(JSON.stringify(await w.store.listAudit({ action: "auth.denied" }))).not.toContain("nobody");
  });

  test("a bad token is refused and never echoed into the page", async () => {
    const c = w.client();
    const guess = "ndt_AAAAthisIsNotARealTokenButLooksLikeOne0000000";
    const res = await c.signInWithToken(guess);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain(guess);
  });

  test("repeated failures are limited (429) before the password is even checked", async () => {
    await w.close();
    w = await startWebApp({ limiter: new FailureLimiter(3, 60_000) });
    const u = await w.addUser("engineer", "alice");
    const c = w.client();
    for (let i = 0; i < 3; i++) expect((await c.signInWithPassword("alice", `wrong-${i}-password`)).status).toBe(400);
    const limited = await c.signInWithPassword("alice", u.password);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(c.cookies.has("nd_session")).toBe(false);
    expect((await w.store.listAudit({ action: "auth.denied" })).some((a) => a.detail?.reason === "rate_limited")).toBe(true);
  });

  test("a disabled user cannot sign in", async () => {
    const u = await w.addUser("engineer", "carol");
    await w.store.updateUser(u.id, { disabledAt: w.clock.now });
    expect((await w.client().signInWithPassword("carol", u.password)).status).toBe(400);
  });

  test("after sign-in the browser goes back to the local page it asked for, never elsewhere", async () => {
    const tok = await w.addToken("admin");
    const c = w.client();
    expect(loc(await c.get("/admin/audit?actor=x"))).toBe(`/login?next=${encodeURIComponent("/admin/audit?actor=x")}`);
    await c.get(`/login?next=${encodeURIComponent("/admin/audit?actor=x")}`);
    expect(loc(await c.post("/login/token", { token: tok.token, next: "/admin/audit?actor=x" }))).toBe("/admin/audit?actor=x");
    for (const evil of ["//evil.test/x", "https://evil.test/", "/\\evil.test", "javascript:alert(1)"]) {
      const d = w.client();
      await d.get("/login");
      expect(loc(await d.post("/login/token", { token: tok.token, next: evil }))).toBe("/");
    }
  });
});

describe("the session", () => {
  test("sign-out revokes it on the server: the old cookie no longer works", async () => {
    const tok = await w.addToken("engineer");
    const c = w.client();
    await c.signInWithToken(tok.token);
    const cookie = c.cookies.get("nd_session")!;
    await c.get("/devices");
    const out = await c.post("/logout");
    expect(out.status).toBe(303);
    expect(loc(out)).toBe("/login?reason=signed_out");
    expect(c.cookies.has("nd_session")).toBe(false);
    expect((await w.store.findSession(hashSecret(cookie)))?.revokedAt).toBeDefined();
    // A copy of the cookie kept elsewhere is dead too.
    const again = await w.fetch("/devices", { headers: { cookie: `nd_session=${cookie}` } });
    expect(again.status).toBe(303);
    expect(loc(again)).toMatch(/^\/login\?/);
  });

  test("expires 12 h after sign-in even when used all the time", async () => {
    const tok = await w.addToken("engineer");
    const c = w.client();
    await c.signInWithToken(tok.token);
    const start = w.clock.now;
    // A request every 90 min keeps it from going idle ...
    while (w.clock.now + 90 * 60_000 < start + SESSION_ABSOLUTE_MS) {
      w.clock.now += 90 * 60_000;
      expect((await c.get("/devices")).status, `at +${(w.clock.now - start) / 3600_000} h`).toBe(200);
    }
    // ... but not past its absolute end.
    w.clock.now = start + SESSION_ABSOLUTE_MS;
    const res = await c.get("/devices");
    expect(res.status).toBe(303);
    expect(loc(res)).toContain("reason=expired");
  });

  test("expires after 2 h idle", async () => {
    const tok = await w.addToken("engineer");
    const c = w.client();
    await c.signInWithToken(tok.token);
    w.clock.now += SESSION_IDLE_MS - 60_000;
    expect((await c.get("/devices")).status).toBe(200);
    w.clock.now += SESSION_IDLE_MS - 60_000;
    expect((await c.get("/devices")).status).toBe(200);
    w.clock.now += SESSION_IDLE_MS;
    expect((await c.get("/devices")).status).toBe(303);
  });

  test("a revoked token kills its session on the next request (through the API's revoke)", async () => {
    const admin = await w.addToken("admin");
    const tok = await w.addToken("engineer");
    const c = w.client();
    await c.signInWithToken(tok.token);
    expect((await c.get("/devices")).status).toBe(200);
    const r = await w.fetch(`/api/tokens/${tok.id}/revoke`, { method: "POST", headers: { authorization: `Bearer ${admin.token}` } });
    expect(r.status).toBe(200);
    expect((await c.get("/devices")).status).toBe(303);
  });

  test("a token that expires ends its session even though the session itself has not", async () => {
    const tok = await w.addToken("engineer", { expiresAt: w.clock.now + 3_600_000 });
    const c = w.client();
    await c.signInWithToken(tok.token);
    expect((await c.get("/devices")).status).toBe(200);
    w.clock.now += 3_600_000;
    expect((await c.get("/devices")).status).toBe(303);
  });

  test("a token revoked behind the console's back (store) is still caught on the next request, and every session of it ends", async () => {
    const tok = await w.addToken("engineer");
    const [a, b] = [w.client(), w.client()];
    await a.signInWithToken(tok.token);
    await b.signInWithToken(tok.token);
    await w.store.revokeToken(tok.id, w.clock.now);
    expect((await a.get("/devices")).status).toBe(303);
    expect((await w.store.findSession(hashSecret(b.cookies.get("nd_session")!)))?.revokedAt).toBeDefined();
  });

  test("disabling a user or setting a new password ends their sessions at once (admin API)", async () => {
    const admin = await w.addToken("admin");
    const u = await w.addUser("engineer", "dave");
    const c = w.client();
    await c.signInWithPassword("dave", u.password);
    expect((await c.get("/devices")).status).toBe(200);
    const pw = await w.fetch(`/api/users/${u.id}/password`, { method: "POST", headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" }, body: JSON.stringify({ password: "another long password" }) });
    expect(pw.status).toBe(200);
    expect((await c.get("/devices")).status).toBe(303);
    expect((await c.signInWithPassword("dave", u.password)).status).toBe(400);
    expect((await c.signInWithPassword("dave", "another long password")).status).toBe(303);
    const dis = await w.fetch(`/api/users/${u.id}/disable`, { method: "POST", headers: { authorization: `Bearer ${admin.token}` } });
    expect(dis.status).toBe(200);
    expect((await c.get("/devices")).status).toBe(303);
  });

  test("the cookie reads the API (GET) for the console's own scripts, but never changes anything through it", async () => {
    const tok = await w.addToken("admin");
    const c = w.client();
    await c.signInWithToken(tok.token);
    expect((await c.get("/api/agents")).status).toBe(200);
    const post = await w.fetch("/api/tokens", { method: "POST", headers: { cookie: c.cookieHeader(), "content-type": "application/json" }, body: JSON.stringify({ name: "x", role: "admin" }) });
    expect(post.status).toBe(401);
    expect((await w.store.listTokens()).length).toBe(1);
    await c.post("/logout");
    expect((await w.fetch("/api/agents", { headers: { cookie: `nd_session=${"A".repeat(43)}` } })).status).toBe(401);
  });
});

describe("passwords", () => {
  test("scrypt hashes with a fresh salt; verify is exact; an unknown user never matches", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("correct horse battery", undefined)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
  });
});

describe("language", () => {
  test("?lang=zh-CN is kept in a cookie; else Accept-Language; else English", async () => {
    const c = w.client();
    expect(await (await c.get("/login")).text()).toContain("Sign in");
    expect(await (await c.get("/login", { "accept-language": "zh-TW,zh;q=0.9,en;q=0.5" })).text()).toContain("登录");
    const sw = await c.get("/login?lang=zh-CN");
    expect(sw.status).toBe(303);
    expect(loc(sw)).toBe("/login");
    expect(c.cookies.get("nd_lang")).toBe("zh-CN");
    const page = await (await c.get("/login")).text();
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain("用户名和密码");
    await c.get("/login?lang=en");
    expect(await (await c.get("/login", { "accept-language": "zh-CN" })).text()).toContain("Username and password");
  });
});

describe("the sessions table", () => {
  test("sessions past their absolute expiry are deleted at the next sign-in; live ones stay", async () => {
    const tok = await w.addToken("engineer");
    const [old, live] = [w.client(), w.client()];
    await old.signInWithToken(tok.token);
    const oldHash = hashSecret(old.cookies.get("nd_session")!);
    w.clock.now += SESSION_ABSOLUTE_MS - 60_000;
    await live.signInWithToken(tok.token);
    const liveHash = hashSecret(live.cookies.get("nd_session")!);
    expect(await w.store.findSession(oldHash)).toBeDefined();
    w.clock.now += 120_000;
    await w.client().signInWithToken(tok.token);
    expect(await w.store.findSession(oldHash)).toBeUndefined();
    expect(await w.store.findSession(liveHash)).toBeDefined();
  });
});
