// The API reference page (GET /api-docs) in a real browser (Debian's chromium via playwright-core)
// against a real collector on port 0: it loads under the console's CSP with no console error (a CSP
// violation shows up there), styled by the console's stylesheet, lists every operation, a named
// schema opens from a link, and a 390 px phone does not scroll sideways. Screenshots (the top of the
// page, one operation, one schema, the phone) land in test-artifacts/screenshots/: the whole page is
// too long for one picture.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { apiRoutes } from "../../collector/app.js";
import { join } from "node:path";
import { DESKTOP, HAVE_CHROMIUM, launchBrowser, NO_CHROMIUM_REASON, PHONE, SHOT_DIR, type TestBrowser } from "../helpers/browser.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

if (!HAVE_CHROMIUM) console.warn(`skipping the API reference browser test: ${NO_CHROMIUM_REASON}`);

describe.skipIf(!HAVE_CHROMIUM)("the API reference page in chromium", () => {
  let tc: TestCollector;
  let b: TestBrowser;

  beforeAll(async () => {
    tc = await startTestCollector();
    b = await launchBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await tc?.close();
  });

  test("desktop: every operation, styled, no CSP violation, a schema opens from its link", async () => {
    const ctx = await b.context(DESKTOP);
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(String(e)));
    const res = await page.goto(`${tc.url}/api-docs`);
    expect(res?.status()).toBe(200);
    // The console's stylesheet applied: the header bar has its colour.
    expect(await page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")).toBe("rgb(22, 50, 92)");
    expect(await page.locator("main section.card[id^='op-']").count()).toBe(apiRoutes.length);
    expect(await page.locator("table.index tbody tr").count()).toBe(apiRoutes.length);
    await page.screenshot({ path: join(SHOT_DIR, "api-docs-desktop.png") });
    await page.locator("#op-postTicketsByIdEscalate").screenshot({ path: join(SHOT_DIR, "api-docs-operation.png") });
    // A response's named schema: the link jumps to its section, which opens to show the fields.
    await page.click("#op-getRunsById a[href='#schema-Run']");
    await page.click("#schema-Run > summary");
    expect(await page.locator("#schema-Run ul.schema").first().isVisible()).toBe(true);
    await page.locator("#schema-Run").screenshot({ path: join(SHOT_DIR, "api-docs-schema-run.png") });
    await page.locator("#op-getRunsByIdEvents").screenshot({ path: join(SHOT_DIR, "api-docs-sse.png") });
    await page.click("#schema-DnsStep > summary");
    await page.locator("#schema-DnsStep").screenshot({ path: join(SHOT_DIR, "api-docs-schema-dnsstep.png") });
    expect(problems, "console errors (a CSP violation shows up here)").toEqual([]);
    await ctx.close();
  });

  test("phone: the page fits 390 px without sideways scrolling", async () => {
    const ctx = await b.context(PHONE);
    const page = await ctx.newPage();
    await page.goto(`${tc.url}/api-docs`);
    const [scroll, client] = (await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")) as [number, number];
    expect(scroll, "the reference page scrolls sideways on a phone").toBeLessThanOrEqual(client);
    await page.screenshot({ path: join(SHOT_DIR, "api-docs-phone.png") });
    await page.locator("#op-getTicketsByIdHandover").screenshot({ path: join(SHOT_DIR, "api-docs-phone-operation.png") });
    await ctx.close();
  });
});
