// The local channel: only on 127.0.0.1, only with the secret from the 0600 channel file, only with
// the loopback Host header; answers requests, lists them, shows them on a page.
import { request } from "node:http";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConsentBroker } from "../../../agent/consent/broker.js";
import { CHANNEL_FILE, startApprovalServer, type ApprovalServer } from "../../../agent/consent/local-approval-server.js";
import { memoryLogger } from "../../../shared/log.js";

let dir: string;
let broker: ConsentBroker;
let srv: ApprovalServer;
let grantsChanged = 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-channel-"));
  broker = new ConsentBroker({ timeoutMs: 10_000 });
  srv = await startApprovalServer({ broker, stateDir: dir, locale: "en", log: memoryLogger(), onGrantsChanged: async () => (grantsChanged++, ["run_x"]) });
});
afterEach(async () => {
  broker.close();
  await srv.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw HTTP call, so the test controls the Host header (fetch does not let it be set). */
function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const r = request({ host: "127.0.0.1", port: Number(u.port), method, path, headers: { host: u.host, ...headers } }, (res) => {
      let b = "";
      res.on("data", (d: Buffer) => (b += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body: b, headers: res.headers }));
    });
    r.on("error", reject);
    r.end(body);
  });
}
const auth = () => ({ authorization: `Bearer ${srv.secret}` });
const ask = () => broker.ask({ runId: "run_aaaaaa", ticketId: "tkt_one", requestedBy: "<b>alice</b>", checks: ["dns"], changes: [], grantMs: 3600_000 });

describe("local approval channel", () => {
  test("listens on 127.0.0.1 only and writes its address + secret to a 0600 file", async () => {
    expect(new URL(srv.url).hostname).toBe("127.0.0.1");
    const file = join(dir, CHANNEL_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ url: srv.url, secret: srv.secret, pid: process.pid });
  });

  test("refuses calls without the secret, with a wrong one, or with a foreign Host header", async () => {
    expect((await call("GET", "/api/pending")).status).toBe(401);
    expect((await call("GET", "/api/pending", { authorization: "Bearer nope" })).status).toBe(401);
    expect((await call("GET", "/api/pending", { ...auth(), host: "evil.example:80" })).status).toBe(403);
    expect((await call("GET", "/?k=wrong")).status).toBe(401);
    expect((await call("GET", "/api/pending", auth())).status).toBe(200);
  });

  test("lists pending requests and answers them; an unknown id is 404", async () => {
    const answer = ask();
    const list = JSON.parse((await call("GET", "/api/pending", auth())).body);
    expect(list.pending).toHaveLength(1);
    const id = list.pending[0].id;
    expect((await call("POST", `/api/pending/${id}/approve`, auth())).status).toBe(200);
    expect(await answer).toBe("approved");
    expect((await call("POST", `/api/pending/${id}/refuse`, auth())).status).toBe(404);
  });

  test("grants-changed reaches the agent", async () => {
    const before = grantsChanged;
    const r = await call("POST", "/api/grants-changed", auth());
    expect(JSON.parse(r.body)).toEqual({ cancelled: ["run_x"] });
    expect(grantsChanged).toBe(before + 1);
  });

  test("the page shows requests escaped, cannot be framed, and its form refuses a request", async () => {
    const answer = ask();
    const page = await call("GET", `/?k=${encodeURIComponent(srv.secret)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("&lt;b&gt;alice&lt;/b&gt;");
    expect(page.body).not.toContain("<b>alice");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const id = broker.pending()[0]!.id;
    const form = new URLSearchParams({ k: srv.secret, id, answer: "refuse" }).toString();
    expect((await call("POST", "/answer", { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example" }, form)).status).toBe(403);
    expect((await call("POST", "/answer", { "content-type": "application/x-www-form-urlencoded" }, form)).status).toBe(303);
    expect(await answer).toBe("refused");
  });

  test("closing removes the channel file", async () => {
    await srv.close();
    await expect(stat(join(dir, CHANNEL_FILE))).rejects.toThrow(/ENOENT/);
    srv = await startApprovalServer({ broker, stateDir: dir, locale: "en", log: memoryLogger(), onGrantsChanged: async () => [] });
  });
});

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const pagePath = (extra: Record<string, string> = {}) => `/?${new URLSearchParams({ k: srv.secret, ...extra })}`;
/** The CSP header as directive -> sources. */
const csp = (h: unknown) =>
  Object.fromEntries(
    String(h)
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...src]) => [name, src]),
  );

describe("the local consent page (hono)", () => {
  test("is served under a strict CSP: nothing but its own stylesheet, no script, no inline style, no framing", async () => {
    ask();
    const page = await call("GET", pagePath());
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html; charset=utf-8/i);
    expect(csp(page.headers["content-security-policy"])).toEqual({
      "default-src": ["'none'"],
      "style-src": ["'self'"],
      "form-action": ["'self'"],
      "frame-ancestors": ["'none'"],
      "base-uri": ["'none'"],
    });
    expect(page.headers["x-frame-options"]).toBe("DENY");
    // The key in the URL is sent to no other site; "same-origin", not "no-referrer", so that the
    // browser's own form post carries our Origin rather than "null" (the browser test shows it).
    expect(page.headers["referrer-policy"]).toBe("same-origin");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["cache-control"]).toBe("no-store");
    // What the CSP would block must not be in the page at all (it would silently not work).
    expect(page.body).not.toMatch(/<script|<style|\sstyle=|\son\w+=|javascript:/i);
    const css = page.body.match(/<link rel="stylesheet" href="([^"]+)">/)?.[1];
    expect(css).toBe("/consent.css");
    const sheet = await call("GET", css!);
    expect(sheet.status).toBe(200);
    expect(sheet.headers["content-type"]).toMatch(/^text\/css/);
    expect(sheet.body).toContain(".approve");
  });

  test("shows who asks, the ticket, every check in plain language, the duration and the deadline", async () => {
    ask();
    void broker.ask({ runId: "run_bbbbbb", ticketId: "tk_change", requestedBy: "bob", checks: ["dns", "renew-dhcp"], changes: ["renew-dhcp"], grantMs: 7200_000 });
    const body = (await call("GET", pagePath())).body;
    expect(body).toContain('<html lang="en">');
    expect(body).toContain("A support engineer asks to run a network diagnosis on this computer.");
    expect(body).toMatch(/<dt>Requested by<\/dt><dd class="by">&lt;b&gt;alice&lt;\/b&gt;<\/dd>/);
    expect(body).toMatch(/<dt>Ticket<\/dt><dd class="ticket">tkt_one<\/dd>/);
    expect(body).toMatch(/<dt>Authorization valid for<\/dt><dd class="duration">1h<\/dd>/);
    expect(body).toContain("<li>dns: whether internet names can be looked up</li>");
    expect(body).toMatch(/No answer within (10s|9s) counts as no\./);
    // The request that changes something says so, and marks the change as one-time.
    expect(body).toMatch(/<li>renew-dhcp: an action without a description <strong class="once">\[this one time only\]<\/strong><\/li>/);
    expect(body).toContain("This may interrupt your connection for a moment.");
    expect(body).toMatch(/<dd class="duration">2h<\/dd>/);
    expect(body.match(/<form method="post" action="\/answer"/g)).toHaveLength(2);
    // A page with questions on it never reloads under the customer's finger.
    expect(body).not.toContain('http-equiv="refresh"');
  });

  test("with nothing to answer it says so and reloads itself (no script) to show a new request", async () => {
    const body = (await call("GET", pagePath())).body;
    expect(body).toContain("No requests are waiting for your answer.");
    const refresh = body.match(/<meta http-equiv="refresh" content="(\d+);url=([^"]+)">/);
    expect(refresh?.[1]).toBe("5");
    expect(refresh?.[2]!.replaceAll("&amp;", "&")).toBe(`/?k=${encodeURIComponent(srv.secret)}&lang=en`);
  });

  test("a forged POST without the page's key, or with a wrong one, is refused and answers nothing", async () => {
    const answer = ask();
    const id = broker.pending()[0]!.id;
    expect((await call("POST", "/answer", FORM, new URLSearchParams({ id, answer: "approve" }).toString())).status).toBe(401);
    expect((await call("POST", "/answer", FORM, new URLSearchParams({ k: "x".repeat(srv.secret.length), id, answer: "approve" }).toString())).status).toBe(401);
    expect((await call("POST", "/answer", FORM, new URLSearchParams({ k: srv.secret.slice(1), id, answer: "approve" }).toString())).status).toBe(401);
    // The key in the Authorization header is the API's way, not the form's: a form post needs it in the body.
    expect((await call("POST", "/answer", { ...FORM, ...auth() }, new URLSearchParams({ id, answer: "approve" }).toString())).status).toBe(401);
    expect(broker.pending().map((r) => r.id)).toEqual([id]);
    broker.answer(id, false, "terminal");
    expect(await answer).toBe("refused");
  });

  test("a cross-origin form post is refused even with the key: foreign Origin, another local port, Sec-Fetch-Site", async () => {
    ask();
    const id = broker.pending()[0]!.id;
    const form = new URLSearchParams({ k: srv.secret, id, answer: "approve" }).toString();
    const otherPort = `http://127.0.0.1:${Number(new URL(srv.url).port) === 1 ? 2 : 1}`;
    for (const h of [{ origin: "http://evil.example" } as Record<string, string>, { origin: otherPort }, { origin: "null" }, { "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }]) {
      expect((await call("POST", "/answer", { ...FORM, ...h }, form)).status, JSON.stringify(h)).toBe(403);
    }
    expect(broker.pending()).toHaveLength(1);
    const ok = await call("POST", "/answer", { ...FORM, origin: srv.url, "sec-fetch-site": "same-origin" }, form);
    expect(ok.status).toBe(303);
    expect(broker.pending()).toHaveLength(0);
  });

  test("a Host header other than our loopback address is refused on every route (DNS rebinding)", async () => {
    ask();
    const id = broker.pending()[0]!.id;
    const port = new URL(srv.url).port;
    const form = new URLSearchParams({ k: srv.secret, id, answer: "approve" }).toString();
    for (const host of ["evil.example", `evil.example:${port}`, `localhost:${port}`, `127.0.0.1:${Number(port) + 1}`, `127.0.0.1`, `[::1]:${port}`]) {
      expect((await call("GET", pagePath(), { host })).status, host).toBe(403);
      expect((await call("GET", "/consent.css", { host })).status, host).toBe(403);
      expect((await call("POST", "/answer", { ...FORM, host }, form)).status, host).toBe(403);
      expect((await call("POST", `/api/pending/${id}/approve`, { ...auth(), host })).status, host).toBe(403);
    }
    expect(broker.pending()).toHaveLength(1);
  });

  test("after an answer the page says what happened; a request already gone says so", async () => {
    const answer = ask();
    const id = broker.pending()[0]!.id;
    const form = new URLSearchParams({ k: srv.secret, id, answer: "approve", lang: "en" }).toString();
    const r = await call("POST", "/answer", FORM, form);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe(`/?k=${encodeURIComponent(srv.secret)}&lang=en&done=approved`);
    expect(await answer).toBe("approved");
    const after = await call("GET", r.headers.location as string);
    expect(after.body).toMatch(/<p class="notice notice-approved" role="status">Approved\.<\/p>/);
    const again = await call("POST", "/answer", FORM, form);
    expect(again.headers.location).toBe(`/?k=${encodeURIComponent(srv.secret)}&lang=en&done=gone`);
    expect((await call("GET", again.headers.location as string)).body).toContain("This request was already answered or has timed out.");
  });

  test("a malformed answer is a clear 400 and answers nothing; an oversized body is 413", async () => {
    ask();
    const id = broker.pending()[0]!.id;
    const bad = await call("POST", "/answer", FORM, new URLSearchParams({ k: srv.secret, id, answer: "maybe" }).toString());
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/answer/);
    expect((await call("POST", "/answer", FORM, new URLSearchParams({ k: srv.secret, id: "../x", answer: "approve" }).toString())).status).toBe(400);
    expect((await call("POST", "/answer", FORM, new URLSearchParams({ k: srv.secret, id, answer: "approve", pad: "x".repeat(5000) }).toString())).status).toBe(413);
    expect(broker.pending()).toHaveLength(1);
  });

  test("zh-CN: the agent's language by default, and either language on request (links to switch)", async () => {
    const zhBroker = new ConsentBroker({ timeoutMs: 10_000 });
    const zhDir = await mkdtemp(join(tmpdir(), "netdiag-channel-zh-"));
    const zh = await startApprovalServer({ broker: zhBroker, stateDir: zhDir, locale: "zh-CN", log: memoryLogger(), onGrantsChanged: async () => [] });
    try {
      void zhBroker.ask({ runId: "run_cccccc", ticketId: "tk_zh", requestedBy: "王工", checks: ["dns", "ping"], changes: [], grantMs: 3600_000 });
      const u = new URL(zh.url);
      const get = (path: string) =>
        new Promise<string>((resolve, reject) => {
          const r = request({ host: "127.0.0.1", port: Number(u.port), path, headers: { host: u.host } }, (res) => {
            let b = "";
            res.setEncoding("utf8").on("data", (d: string) => (b += d)).on("end", () => resolve(b));
          });
          r.on("error", reject).end();
        });
      const body = await get(`/?k=${encodeURIComponent(zh.secret)}`);
      expect(body).toContain('<html lang="zh-CN">');
      expect(body).toContain("<title>netdiag：等待您答复的请求</title>");
      expect(body).toContain("技术支持工程师请求在本电脑上运行网络诊断。");
      expect(body).toMatch(/<dt>请求人<\/dt><dd class="by">王工<\/dd>/);
      expect(body).toContain("<li>dns：能否解析网址域名</li>");
      expect(body).toContain(">允许</button>");
      expect(body).toContain(">拒绝</button>");
      expect(body).not.toContain("Allow");
      // The switch: the current language marked, the other one a link that keeps the key.
      expect(body).toContain('<span class="lang" lang="zh-CN" aria-current="page">简体中文</span>');
      const enHref = body.match(/<a class="lang" lang="en" hreflang="en" href="([^"]+)">English<\/a>/)?.[1]?.replaceAll("&amp;", "&");
      expect(enHref).toBe(`/?k=${encodeURIComponent(zh.secret)}&lang=en`);
      const en = await get(enHref!);
      expect(en).toContain('<html lang="en">');
      expect(en).toContain("<li>dns: whether internet names can be looked up</li>");
      expect(en).toContain(">Allow</button>");
      // An unknown language falls back to the agent's, it is not an error page.
      expect(await get(`/?k=${encodeURIComponent(zh.secret)}&lang=fr`)).toContain('<html lang="zh-CN">');
    } finally {
      zhBroker.close();
      await zh.close();
      await rm(zhDir, { recursive: true, force: true });
    }
  });

  test("the en page switches to zh-CN, and an answer keeps the language", async () => {
    const answer = ask();
    const body = (await call("GET", pagePath({ lang: "zh-CN" }))).body;
    expect(body).toContain("技术支持工程师请求在本电脑上运行网络诊断。");
    expect(body).toContain('<input type="hidden" name="lang" value="zh-CN">');
    const id = broker.pending()[0]!.id;
    const r = await call("POST", "/answer", FORM, new URLSearchParams({ k: srv.secret, id, answer: "refuse", lang: "zh-CN" }).toString());
    expect(r.headers.location).toBe(`/?k=${encodeURIComponent(srv.secret)}&lang=zh-CN&done=refused`);
    expect(await answer).toBe("refused");
    const after = (await call("GET", r.headers.location as string)).body;
    expect(after).toContain("已拒绝，未运行任何检查。");
  });
});
