// The languages every page and customer text exists in (DOMAIN: customers are often Chinese-speaking).
export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
