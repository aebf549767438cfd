// The local consent page in a real browser (Debian chromium): it renders under its strict CSP with
// its stylesheet, the customer allows a request on a desktop and refuses one on a phone in Chinese,
// and the agent's broker gets both answers. The requests are asked in-process (no agent, no checks
// run); the browser reaches nothing but the loopback page. Screenshots: test-artifacts/screenshots/consent-*.png.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ConsentBroker } from "../../../agent/consent/broker.js";
import { startApprovalServer, type ApprovalServer } from "../../../agent/consent/local-approval-server.js";
import { memoryLogger } from "../../../shared/log.js";
import { DESKTOP, HAVE_CHROMIUM, launchBrowser, NO_CHROMIUM_REASON, PHONE, type TestBrowser } from "../../helpers/browser.js";

/** The few browser globals used inside page functions (the project compiles without the DOM lib). */
interface BrowserGlobals {
  getComputedStyle(e: unknown): { backgroundColor: string };
}

if (!HAVE_CHROMIUM) console.warn(`skipping the consent page browser test: ${NO_CHROMIUM_REASON}`);

describe.skipIf(!HAVE_CHROMIUM)("the local consent page in chromium", () => {
  let b: TestBrowser;
  let dir: string;
  let broker: ConsentBroker;
  let srv: ApprovalServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "netdiag-consent-browser-"));
    // Long enough that no request times out while the browser works on a loaded machine.
    broker = new ConsentBroker({ timeoutMs: 300_000 });
    srv = await startApprovalServer({ broker, stateDir: dir, locale: "en", log: memoryLogger(), onGrantsChanged: async () => [] });
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    broker?.close();
    await srv?.close();
    await rm(dir, { recursive: true, force: true });
  });
  // A failed test leaves no question behind for the next one.
  afterEach(() => broker.close());

  /** Console errors about the CSP (a blocked stylesheet or inline style would show up here). */
  const watchCsp = (page: Page) => {
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
    });
    return violations;
  };
  const pageUrl = () => `${srv.url}/?k=${encodeURIComponent(srv.secret)}`;
  const section = (page: Page, ticket: string) => page.locator("section.request", { has: page.locator("dd.ticket", { hasText: ticket }) });

  test("desktop, English: the customer reads the request and allows it", { timeout: 60_000 }, async () => {
    const allowed = broker.ask({ runId: "run_desk01", ticketId: "tk_Desk0000001", requestedBy: "Alice Chen (ISP support)", checks: ["host", "gateway", "dns", "ping", "path", "service"], changes: [], grantMs: 3600_000 });
    const other = broker.ask({ runId: "run_desk02", ticketId: "tk_Desk0000002", requestedBy: "<script>alert(1)</script>", checks: ["snmp"], changes: [], grantMs: 0 });
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    const violations = watchCsp(page);
    await page.goto(pageUrl());
    await expect.poll(() => page.locator("section.request").count()).toBe(2);
    // The stylesheet loaded under the CSP (the Allow button is green, not a default grey button).
    expect(await page.locator("button.approve").first().evaluate((e) => (globalThis as unknown as BrowserGlobals).getComputedStyle(e).backgroundColor)).toBe("rgb(46, 125, 50)");
    // The collector's text is shown as text: no script element came from the engineer's name.
    expect(await page.locator("script").count()).toBe(0);
    expect(await section(page, "tk_Desk0000002").locator("dd.by").textContent()).toBe("<script>alert(1)</script>");
    expect(await section(page, "tk_Desk0000001").locator("ul.checks li").allTextContents()).toEqual([
      "host: this computer's network interfaces, addresses and routes",
      "gateway: whether your home router answers",
      "dns: whether internet names can be looked up",
      "ping: whether chosen addresses answer, and how fast",
      "path: the route to the internet, hop by hop",
      "service: whether the website or service you named can be reached",
    ]);
    await b.shot(page, "consent-desktop-pending");

    await section(page, "tk_Desk0000001").getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(/[?&]done=/, { timeout: 15_000 });
    expect(new URL(page.url()).searchParams.get("done")).toBe("approved");
    expect(await page.locator(".notice").textContent()).toBe("Approved.");
    expect(await allowed).toBe("approved");
    expect(await page.locator("section.request").count()).toBe(1);
    await b.shot(page, "consent-desktop-approved");

    broker.answer(broker.pending()[0]!.id, false, "terminal");
    expect(await other).toBe("refused");
    expect(violations).toEqual([]);
    await ctx.close();
  });

  test("phone 390x844, switched to Chinese: the customer refuses", { timeout: 60_000 }, async () => {
    const refused = broker.ask({ runId: "run_phone1", ticketId: "tk_Phone000001", requestedBy: "王工（宽带技术支持）", checks: ["dhcp", "dns", "routeros"], changes: [], grantMs: 7200_000 });
    const ctx = await b.context(PHONE, { locale: "zh-CN" });
    const page = await ctx.newPage();
    const violations = watchCsp(page);
    await page.goto(pageUrl());
    await page.getByRole("link", { name: "简体中文" }).click();
    await expect.poll(() => page.locator("html").getAttribute("lang")).toBe("zh-CN");
    const req = section(page, "tk_Phone000001");
    expect(await req.locator("h2").textContent()).toBe("技术支持工程师请求在本电脑上运行网络诊断。");
    expect(await req.locator("dd.duration").textContent()).toBe("2h");
    // Readable on a phone: nothing wider than the screen, both buttons visible side by side.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
    const [allow, refuse] = [await page.getByRole("button", { name: "允许" }).boundingBox(), await page.getByRole("button", { name: "拒绝" }).boundingBox()];
    expect(allow!.y).toBe(refuse!.y);
    expect(refuse!.x + refuse!.width).toBeLessThanOrEqual(PHONE.width);
    await b.shot(page, "consent-phone-zh-CN-pending");

    await page.getByRole("button", { name: "拒绝" }).click();
    await page.waitForURL(/[?&]done=/, { timeout: 15_000 });
    expect(await page.locator(".notice").textContent()).toBe("已拒绝，未运行任何检查。");
    expect(await refused).toBe("refused");
    expect(await page.locator("p.empty").textContent()).toBe("没有等待您答复的请求。");
    await b.shot(page, "consent-phone-zh-CN-refused");
    expect(violations).toEqual([]);
    await ctx.close();
  });
});
