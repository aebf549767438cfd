// The web console's catalogue (shared/i18n/console.ts): every text exists in both languages, none is
// empty, both languages fill the same placeholders, and a Chinese page carries none of the English
// texts (the language reaches every text of the frame, sign-in and admin pages).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONSOLE_TEXTS } from "../../shared/i18n/console.js";
import { LOCALES } from "../../shared/i18n/index.js";
import { startWebApp, type TestWebApp } from "./web-client.js";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("console texts", () => {
  test.each(Object.entries(CONSOLE_TEXTS))("%s: both languages, not empty, same placeholders", (_key, texts) => {
    for (const l of LOCALES) expect((texts as Record<string, string>)[l]?.trim().length).toBeGreaterThan(0);
    expect(placeholders(texts["zh-CN"])).toEqual(placeholders(texts.en));
  });
});

describe("a page in Chinese", () => {
  let w: TestWebApp;
  beforeAll(async () => {
    w = await startWebApp();
  });
  afterAll(async () => {
    await w.close();
  });

  test("shows no English text of the catalogue on the sign-in, admin and device pages", async () => {
    const anon = w.client();
    await anon.get("/login?lang=zh-CN");
    const pages: [string, string][] = [["/login", await (await anon.get("/login")).text()]];
    const c = w.client();
    await c.get("/login?lang=zh-CN");
    await c.signInWithToken((await w.addToken("admin")).token);
    await w.addUser("engineer", "zhang.san");
    // English texts long enough not to be a data value or a word both languages share ("DNS", "WAN").
    const english = Object.values(CONSOLE_TEXTS)
      .map((x) => x.en.replace(/\{\w+\}/g, "\u0000"))
      .flatMap((x) => x.split("\u0000"))
      .map((x) => x.trim())
      .filter((x) => x.length >= 12);
    for (const path of ["/admin/users", "/admin/tokens", "/admin/agents", "/admin/audit", "/devices"]) {
      const res = await c.get(path);
      expect(res.status, path).toBe(200);
      pages.push([path, await res.text()]);
    }
    for (const [path, page] of pages) {
      expect(page, path).toContain('<html lang="zh-CN">');
      const text = page.replace(/<[^>]+>/g, " ");
      for (const e of english) expect(text, `${path} shows "${e}"`).not.toContain(e);
    }
  });
});
