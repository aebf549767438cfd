// The web console in a real browser (Debian's chromium via playwright-core) against a real collector
// on port 0, with a site fed through a real agent link (test/helpers/fake-agent.ts: the real
// CollectorLink over WebSocket) carrying real-shaped host/dhcp/snmp/path/routeros steps and the
// agent's own verdicts. Signs in, creates a user, switches to Chinese, reads the device page on a
// 390 px phone, and a forged form from another page is refused. Screenshots of every page, desktop
// and phone, land in test-artifacts/screenshots/.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Ticket } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import type { RunEvent } from "../../shared/protocol.js";
import { DESKTOP, HAVE_CHROMIUM, launchBrowser, NO_CHROMIUM_REASON, PHONE, type TestBrowser } from "../helpers/browser.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { siteRun } from "./site-steps.js";

if (!HAVE_CHROMIUM) console.warn(`skipping the browser tests: ${NO_CHROMIUM_REASON}`);

describe.skipIf(!HAVE_CHROMIUM)("web console in chromium", () => {
  let tc: TestCollector;
  let b: TestBrowser;
  let agent: FakeAgent;
  let agentId: string;
  let attacker: Server;
  let attackerUrl: string;

  /** An offline run as the agent uploads it: run.offline, each step, the verdict, run.finished. */
  function runEvents(runId: string, ticketId: string, at: number, degraded: boolean): RunEvent[] {
    const { steps, verdict } = siteRun(at, degraded);
    return [
      { type: "run.offline", runId, seq: 0, at, ticketId, checks: steps.map((s) => s.check) },
      ...steps.map((result, i): RunEvent => ({ type: "step", runId, seq: i + 1, at: at + i, result })),
      { type: "verdict", runId, seq: steps.length + 1, at: at + 50, verdict },
      { type: "run.finished", runId, seq: steps.length + 2, at: at + 60, outcome: "completed", steps: steps.length },
    ];
  }

  beforeAll(async () => {
    tc = await startTestCollector();
    const ticket = await httpJson(`${tc.url}/api/tickets`, Ticket, {
      token: tc.adminToken,
      body: { customer: { name: "Wang Fang", contact: "+86 138 0000 0000", site: "Building 3, Room 402" }, service: "VDSL 100M", symptom: "internet slow and drops since the storm" },
    });
    const [creds] = await enrollAgents(tc.url, tc.adminToken, 1, ticket.id, 1);
    agentId = creds!.agentId;
    agent = startFakeAgent({ url: tc.url, creds: creds! });
    await agent.opened();
    const now = Date.now();
    for (const ev of [...runEvents("run_webhealthy1", ticket.id, now - 2 * 3600_000, false), ...runEvents("run_webdegrade1", ticket.id, now - 60_000, true)]) await agent.emit(ev);
    await agent.drained();
    // Another "site" on loopback serving a page that posts a form to the console: a forged request.
    attacker = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><form id="f" method="post" action="${tc.url}/admin/users"><input name="username" value="mallory"><input name="role" value="admin"><input name="password" value="a long enough password"></form><script>document.getElementById("f").submit()</script>`);
    });
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", () => r()));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    b = await launchBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await agent?.stop();
    await new Promise((r) => attacker?.close(r));
    await tc?.close();
  });

  async function signInWithToken(page: Page, token: string, next: string): Promise<void> {
    await page.goto(`${tc.url}/login?next=${encodeURIComponent(next)}`);
    await page.fill('form[action="/login/token"] input[name="token"]', token);
    await Promise.all([page.waitForURL(`${tc.url}${next}`), page.click('form[action="/login/token"] button[type="submit"]')]);
  }

  async function noSideScroll(page: Page): Promise<void> {
    // A string expression: the test code is typed without the DOM library.
    const [scroll, client] = (await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")) as [number, number];
    expect(scroll, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(client);
  }

  test("an admin signs in with the bootstrap token, creates a user and a token, reads agents and the audit; every admin page on desktop and phone", async () => {
    for (const [vp, tag] of [[DESKTOP, "desktop"], [PHONE, "phone"]] as const) {
      const ctx = await b.context(vp);
      const page = await ctx.newPage();
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      await page.goto(`${tc.url}/login`);
      await b.shot(page, `login-${tag}`);
      await signInWithToken(page, tc.adminToken, "/admin/users");
      const username = `tech.${tag}`;
      await page.fill('input[name="username"]', username);
      await page.selectOption('form[action="/admin/users"] select[name="role"]', "technician");
      await page.fill('form[action="/admin/users"] input[name="password"]', "field work 2024!");
      await Promise.all([page.waitForURL(/done=user_created/), page.click('form[action="/admin/users"] button[type="submit"]')]);
      await expect.poll(() => page.locator("table").innerText()).toContain(username);
      expect(await page.locator(".notice.ok").innerText()).toContain("User created");
      await noSideScroll(page);
      await b.shot(page, `admin-users-${tag}`);

      await page.goto(`${tc.url}/admin/tokens`);
      await page.fill('form[action="/admin/tokens"] input[name="name"]', `phone of ${tag}`);
      await Promise.all([page.waitForLoadState("load"), page.click('form[action="/admin/tokens"] button[type="submit"]')]);
      const shown = await page.locator("#new-token").innerText();
      expect(shown).toMatch(/^ndt_/);
      expect(page.url()).toBe(`${tc.url}/admin/tokens`);
      expect(page.url()).not.toContain(shown);
      await noSideScroll(page);
      await b.shot(page, `admin-token-created-${tag}`);
      await page.goto(`${tc.url}/admin/tokens`);
      expect(await page.content()).not.toContain(shown);
      await b.shot(page, `admin-tokens-${tag}`);

      await page.goto(`${tc.url}/admin/agents`);
      expect(await page.locator("table").innerText()).toContain(agentId);
      expect(await page.locator("table").innerText()).toContain("online");
      await noSideScroll(page);
      await b.shot(page, `admin-agents-${tag}`);

      await page.goto(`${tc.url}/admin/audit?action=user.create`);
      expect(await page.locator("table tbody").innerText()).toContain("user.create");
      expect(await page.locator("table tbody tr").count()).toBeGreaterThanOrEqual(1);
      await noSideScroll(page);
      await b.shot(page, `admin-audit-${tag}`);
      expect(problems, "console errors (a CSP violation shows up here)").toEqual([]);
      await ctx.close();
    }
  });

  test("the language switch turns the pages Chinese and keeps them so", async () => {
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    await signInWithToken(page, tc.adminToken, "/admin/users");
    await Promise.all([page.waitForURL(`${tc.url}/admin/users`), page.click('a[hreflang="zh-CN"]')]);
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    expect(await page.locator("h1").innerText()).toBe("用户");
    expect(await page.locator("header").innerText()).toContain("退出");
    await b.shot(page, "admin-users-zh-desktop");
    await page.goto(`${tc.url}/devices/${agentId}`);
    expect(await page.locator("main").innerText()).toContain("调制解调器/路由器");
    await b.shot(page, "device-zh-desktop");
    await Promise.all([page.waitForURL(`${tc.url}/devices/${agentId}`), page.click('a[hreflang="en"]')]);
    expect(await page.locator("h1").innerText()).toContain("Device");
    await ctx.close();
  });

  test("a field technician signs in with a password on a 390 px phone and reads the device: no sideways scroll, pictures drawn", async () => {
    const made = await fetch(`${tc.url}/api/users`, { method: "POST", headers: { authorization: `Bearer ${tc.adminToken}`, "content-type": "application/json" }, body: JSON.stringify({ username: "li.wei", role: "technician", password: "field work 2024!" }) });
    expect(made.status).toBe(201);
    const ctx = await b.context(PHONE);
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    await page.goto(`${tc.url}/login`);
    await page.fill('input[name="username"]', "li.wei");
    await page.fill('form[action="/login"] input[name="password"]', "field work 2024!");
    await Promise.all([page.waitForURL(`${tc.url}/devices`), page.click('form[action="/login"] button[type="submit"]')]);
    await noSideScroll(page);
    expect(await page.locator(".device-list").innerText()).toContain("online");
    await b.shot(page, "devices-phone");
    await Promise.all([page.waitForURL(`${tc.url}/devices/${agentId}`), page.click(`a[href="/devices/${agentId}"]`)]);
    const main = await page.locator("main").innerText();
    for (const text of ["LINE_DEGRADED", "What changed since the last healthy run", "LINE_SNR_LOW", "ptm0", "fake-vdsl-modem", "hAP ax2", "Address and DHCP lease", "eth0", "run_webhealthy1"]) expect(main, text).toContain(text);
    // Both pictures are there, drawn at the phone's width, with the values in them.
    const hops = page.locator("svg.hops");
    const lines = page.locator("svg.lines");
    expect(await hops.count()).toBe(1);
    expect(await lines.count()).toBe(1);
    expect(await lines.innerHTML()).toContain("3.2 dB");
    for (const svg of [hops, lines]) {
      const box = (await svg.boundingBox())!;
      expect(box.width).toBeGreaterThan(300);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    await noSideScroll(page);
    await b.shot(page, "device-phone");
    expect(problems, "console errors (a CSP violation shows up here)").toEqual([]);
    // The technician has no admin pages: a 403 page, not the page.
    const res = await page.goto(`${tc.url}/admin/users`);
    expect(res?.status()).toBe(403);
    await noSideScroll(page);
    await b.shot(page, "forbidden-phone");
    await ctx.close();
  });

  test("the device page on a desktop", async () => {
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    await signInWithToken(page, tc.adminToken, "/devices");
    await b.shot(page, "devices-desktop");
    await page.goto(`${tc.url}/devices/${agentId}`);
    await b.shot(page, "device-desktop");
    await ctx.close();
  });

  test("a forged form from another page is refused and changes nothing; so is a form whose token was tampered with", async () => {
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    await signInWithToken(page, tc.adminToken, "/admin/users");
    // The admin, still signed in, opens a page elsewhere that submits a form to the console.
    const res = await Promise.all([page.waitForURL(`${tc.url}/admin/users`), page.goto(attackerUrl)]);
    expect(res).toBeDefined();
    await expect.poll(() => page.locator("h1").innerText()).toBe("Form refused");
    await b.shot(page, "csrf-refused-desktop");
    // A form of the console itself with its token changed.
    await page.goto(`${tc.url}/admin/users`);
    await page.evaluate(`for (const i of document.querySelectorAll('input[name="_csrf"]')) i.value = "tampered"`);
    await page.fill('input[name="username"]', "mallory2");
    await page.fill('form[action="/admin/users"] input[name="password"]', "a long enough password");
    await Promise.all([page.waitForLoadState("load"), page.click('form[action="/admin/users"] button[type="submit"]')]);
    await expect.poll(() => page.locator("h1").innerText()).toBe("Form refused");
    const users = await (await fetch(`${tc.url}/api/users`, { headers: { authorization: `Bearer ${tc.adminToken}` } })).json() as { username: string }[];
    expect(users.map((u) => u.username)).not.toContain("mallory");
    expect(users.map((u) => u.username)).not.toContain("mallory2");
    await ctx.close();
  });
});
