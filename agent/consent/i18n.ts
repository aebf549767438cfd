// The customer's texts live in the one message catalogue shared with the web console (shared/i18n/).
export { describeCheck, LOCALES, pickLocale, t, TEXT_TABLE, type Locale, type TextKey } from "../../shared/i18n/index.js";
