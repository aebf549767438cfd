// Debian's chromium driven by playwright-core for the web console tests. Skips (with the install
// command) when chromium is missing. Network safety: chromium's own background traffic is switched off
// and every host name is mapped to nothing, so the browser can reach only the loopback collector.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ROOT } from "./cli.js";

export const CHROMIUM = process.env.NETDIAG_CHROMIUM ?? "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `chromium not found at ${CHROMIUM}: install it with 'apt-get install chromium fonts-wqy-microhei' (.ci/run does)`;
/** Screenshots land here (git-ignored) for people to look at. */
export const SHOT_DIR = join(ROOT, "test-artifacts", "screenshots");

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (own cookies) with the given viewport. */
  context(viewport?: { width: number; height: number }, o?: { locale?: string }): Promise<BrowserContext>;
  /** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
  shot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", // CI runs as root
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--disable-domain-reliability",
      "--no-pings",
      // Nothing but the loopback collector: any other name resolves to nothing.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
  await mkdir(SHOT_DIR, { recursive: true });
  return {
    browser,
    context: (viewport = DESKTOP, o = {}) => browser.newContext({ viewport, locale: o.locale ?? "en-US" }),
    async shot(page, name) {
      const path = join(SHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
    },
  };
}
