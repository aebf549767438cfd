// Texts of the web console's frame, sign-in, admin and field-technician pages.
import type { Locale } from "./locales.js";

export const CONSOLE_TEXTS = {
  "console.title": { en: "netdiag support console", "zh-CN": "netdiag 技术支持控制台" },
} as const satisfies Record<string, Record<Locale, string>>;
