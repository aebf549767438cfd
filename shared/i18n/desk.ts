// Texts of the support desk's ticket pages (list, ticket, hand-over, verify-fix, close).
import type { Locale } from "./locales.js";

export const DESK_TEXTS = {
  "desk.tickets": { en: "Tickets", "zh-CN": "工单" },
} as const satisfies Record<string, Record<Locale, string>>;
