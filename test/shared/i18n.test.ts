// The one message catalogue (customer texts and the web console's): every key in both languages,
// placeholders consistent, no key defined by two areas, and the language choice order.
import { describe, expect, test } from "vitest";
import { describeCheck, LOCALES, pickLocale, t, TEXT_TABLE, type TextKey } from "../../shared/i18n/index.js";
import { CONSOLE_TEXTS } from "../../shared/i18n/console.js";
import { CUSTOMER_TEXTS } from "../../shared/i18n/customer.js";
import { DESK_TEXTS } from "../../shared/i18n/desk.js";
import { CHECK_IDS } from "../../shared/checks.js";

describe("i18n", () => {
  test.each(Object.keys(TEXT_TABLE) as TextKey[])("%s has a text in every language with the same placeholders", (key) => {
    const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const l of LOCALES) expect(TEXT_TABLE[key][l]?.trim().length, `${key} ${l}`).toBeGreaterThan(0);
    expect(ph(TEXT_TABLE[key]["zh-CN"])).toEqual(ph(TEXT_TABLE[key].en));
  });

  test("no key is defined by two areas (a later one would silently replace the earlier text)", () => {
    const areas = [CUSTOMER_TEXTS, CONSOLE_TEXTS, DESK_TEXTS].map((a) => Object.keys(a));
    const all = areas.flat();
    expect(all.filter((k, i) => all.indexOf(k) !== i)).toEqual([]);
    expect(Object.keys(TEXT_TABLE).length).toBe(all.length);
  });

  test("every check has its own plain-language description in both languages", () => {
    for (const id of CHECK_IDS) for (const l of LOCALES) expect(describeCheck(l, id)).not.toBe(t(l, "check.other", { id }));
    expect(describeCheck("zh-CN", "renew-dhcp")).toContain("renew-dhcp");
  });

  test.each([
    [{ flag: "zh-CN" }, "zh-CN"],
    [{ flag: "en", config: "zh-CN" as const }, "en"],
    [{ config: "zh-CN" as const, env: { LANG: "en_US.UTF-8" } }, "zh-CN"],
    [{ env: { LANG: "zh_CN.UTF-8" } }, "zh-CN"],
    [{ env: { LANG: "en_US.UTF-8", LC_ALL: "zh_TW.UTF-8" } }, "zh-CN"],
    [{ env: { LANG: "de_DE.UTF-8" } }, "en"],
    [{ env: {} }, "en"],
  ] as const)("pickLocale(%j) = %s", (o, want) => expect(pickLocale(o)).toBe(want));

  test("placeholders are filled escaped: a value cannot carry a terminal escape sequence", () => {
    expect(t("en", "pending.item", { id: "req_1", ticket: "tk_1\x1b[2K", by: "bob\r\nApproved.", checks: "dns", duration: "1h", left: "5m" })).toBe(
      "req_1  ticket tk_1\\u001b[2K  from bob\\r\\nApproved.  checks dns  for 1h  (answer within 5m)",
    );
  });

  test("an unknown --lang is an error, not a silent fallback", () => {
    expect(() => pickLocale({ flag: "fr" })).toThrow(/unknown language/);
  });
});
