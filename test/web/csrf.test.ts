// CSRF: every POST of the console is checked against the session's token BEFORE its handler runs; a
// forged form (no token, a wrong one, another session's) is refused with 403, audited, and changes
// nothing. Also: the sign-in form's pre-session token, the form size limit, and that what people type
// (a token's name) is escaped on the way out.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { hashSecret } from "../../shared/secrets.js";
import { startWebApp, type TestWebApp, type WebClient } from "./web-client.js";

let w: TestWebApp;
let admin: WebClient;
beforeEach(async () => {
  w = await startWebApp();
  admin = w.client();
  await admin.signInWithToken((await w.addToken("admin")).token);
  await admin.get("/admin/users");
});
afterEach(async () => {
  await w.close();
});

const newUser = { username: "mallory", role: "admin", password: "a long enough password" };

describe("a forged POST", () => {
  test.each([
    ["without a token", null, "missing"],
    ["with a wrong token", "x".repeat(43), "mismatch"],
    ["with an empty token", "", "missing"],
  ] as const)("%s is refused (403), audited, and nothing changes", async (_l, csrf, reason) => {
    const res = await admin.post("/admin/users", newUser, { csrf });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await res.text()).toContain("Nothing was changed");
    expect(await w.store.findUserByName("mallory")).toBeUndefined();
    const a = await w.store.listAudit({ action: "auth.csrf" });
    expect(a[0]).toMatchObject({ outcome: "denied", detail: { route: "POST /admin/users", reason } });
  });

  test("with another session's token is refused", async () => {
    const other = w.client();
    await other.signInWithToken((await w.addToken("admin")).token);
    await other.get("/admin/users");
    expect(other.csrf).not.toBe(admin.csrf);
    expect((await admin.post("/admin/users", newUser, { csrf: other.csrf })).status).toBe(403);
    expect(await w.store.findUserByName("mallory")).toBeUndefined();
  });

  test("the same form with the session's token goes through", async () => {
    const res = await admin.post("/admin/users", newUser);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/users?done=user_created");
    expect(await w.store.findUserByName("mallory")).toMatchObject({ role: "admin" });
  });

  test("sign-out is a POST with the token too: a forged one leaves the session alive", async () => {
    const cookie = admin.cookies.get("nd_session")!;
    expect((await admin.post("/logout", {}, { csrf: null })).status).toBe(403);
    expect((await w.store.findSession(hashSecret(cookie)))?.revokedAt).toBeUndefined();
    expect((await admin.get("/admin/users")).status).toBe(200);
  });

  test("revoking a token, disabling a user, revoking an agent: each refused without the token", async () => {
    const victim = await w.addToken("engineer");
    const u = await w.addUser("engineer", "erin");
    for (const path of [`/admin/tokens/${victim.id}/revoke`, `/admin/users/${u.id}/disable`, `/admin/users/${u.id}/password`]) {
      expect((await admin.post(path, { password: "a new long password" }, { csrf: "forged" })).status, path).toBe(403);
    }
    expect((await w.store.getTokenById(victim.id))?.revokedAt).toBeUndefined();
    expect((await w.store.getUser(u.id))?.disabledAt).toBeUndefined();
  });

  test("the sign-in form needs its pre-session cookie: a cross-site POST (no SameSite cookie) is refused", async () => {
    const tok = await w.addToken("engineer");
    const c = w.client();
    await c.get("/login");
    expect(c.cookies.get("nd_pre")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    c.cookies.delete("nd_pre");
    const res = await c.post("/login/token", { token: tok.token });
    expect(res.status).toBe(403);
    expect(c.cookies.has("nd_session")).toBe(false);
  });
});

describe("forms", () => {
  test("a form larger than the limit is refused with 413 before anything reads it", async () => {
    const res = await admin.post("/admin/users", { ...newUser, pad: "x".repeat(40 * 1024) });
    expect(res.status).toBe(413);
    expect(await w.store.findUserByName("mallory")).toBeUndefined();
  });

  test("bad input is a 400 page that names the problem, not a crash", async () => {
    const res = await admin.post("/admin/users", { username: "Bad Name!", role: "admin", password: "short" });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain("username");
    expect(body).toContain("at least 10 characters");
  });

  test("what people typed is escaped: a token named like a script tag is shown as text", async () => {
    await admin.get("/admin/tokens");
    const res = await admin.post("/admin/tokens", { name: `<script>alert("x")</script>`, role: "engineer", ttl: "1d" });
    expect(res.status).toBe(200);
    const created = await res.text();
    const token = /id="new-token">([^<]+)</.exec(created)?.[1];
    expect(token).toMatch(/^ndt_/);
    // Shown once: not on the list, not in any URL, and only its hash stored.
    const list = await (await admin.get("/admin/tokens")).text();
    expect(list).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(list).not.toContain("<script>alert");
    expect(list).not.toContain(token!);
    expect(res.headers.get("location")).toBeNull();
    expect((await w.store.listTokens()).some((t) => t.hash === hashSecret(token!))).toBe(true);
  });
});
