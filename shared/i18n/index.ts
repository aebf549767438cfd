// The one message catalogue: every text shown to a customer (agent prompts, the local consent page) or
// to an engineer or technician in the web console, both languages side by side. A key missing a
// language does not compile; test/shared/i18n.test.ts checks that no text is empty and placeholders match.
import { escapeControls } from "../terminal-text.js";
import { CONSOLE_TEXTS } from "./console.js";
import { CUSTOMER_TEXTS } from "./customer.js";
import { DESK_TEXTS } from "./desk.js";
import { LOCALES, type Locale } from "./locales.js";

export { LOCALES, type Locale };

const TEXTS = { ...CUSTOMER_TEXTS, ...CONSOLE_TEXTS, ...DESK_TEXTS };


export type TextKey = keyof typeof TEXTS;
export const TEXT_TABLE: Readonly<Record<TextKey, Readonly<Record<Locale, string>>>> = TEXTS;

/**
 * The text for `key` in `locale`, with {name} placeholders filled from `vars`. Values (an engineer's
 * name, a ticket id from the collector) have control characters escaped (texts go to terminals); the
 * web console's html templates escape HTML on top.
 */
export function t(locale: Locale, key: TextKey, vars: Record<string, string | number> = {}): string {
  return TEXTS[key][locale].replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? escapeControls(String(vars[name])) : m));
}

/** One-line plain-language description of a check or action id. */
export function describeCheck(locale: Locale, id: string): string {
  const key = `check.${id}`;
  return key in TEXTS && key !== "check.other" ? t(locale, key as TextKey) : t(locale, "check.other", { id });
}

/** --lang flag, then config.locale, then LC_ALL / LC_MESSAGES / LANG (zh* → zh-CN), else English. */
export function pickLocale(o: { flag?: string | undefined; config?: Locale | undefined; env?: NodeJS.ProcessEnv }): Locale {
  if (o.flag !== undefined) {
    const f = fromTag(o.flag);
    if (!f) throw new RangeError(`unknown language '${o.flag}' (known: ${LOCALES.join(", ")})`);
    return f;
  }
  if (o.config) return o.config;
  const env = o.env ?? {};
  const tag = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return fromTag(tag) ?? "en";
}

function fromTag(tag: string): Locale | undefined {
  const l = tag.toLowerCase();
  if (l.startsWith("zh")) return "zh-CN";
  if (l.startsWith("en") || l === "c" || l.startsWith("c.") || l === "posix") return "en";
  return undefined;
}
