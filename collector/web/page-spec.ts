// Every page of the web console declares who may open it, like the API's RouteSpec: the table is data,
// so the route x role walk covers pages too. Handlers render with hono's `html` helper (it escapes every
// interpolated value) inside the one layout (collector/web/layout.ts).
import type { Context } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Locale, TextKey } from "../../shared/i18n/index.js";
import type { Principal } from "../auth/principal.js";
import type { AppDeps } from "../app.js";
import type { Access, Env } from "../routes/route-spec.js";

/** What every page handler gets besides the request: who is signed in, the language, the CSRF token. */
export interface View {
  lang: Locale;
  /** The catalogue text in the page's language (shared/i18n). */
  t: (key: TextKey, vars?: Record<string, string | number>) => string;
  /** Undefined only on public pages (sign-in). */
  principal: Principal | undefined;
  /** The session's CSRF token: every form carries it as the hidden field `_csrf` (csrfField). */
  csrf: string;
  now: number;
  /** The request path with its query, for the language switch and redirects after sign-in. */
  path: string;
}

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageSpec {
  method: "GET" | "POST";
  path: string;
  access: Access;
  /** One line for the README's page table. */
  summary: string;
  /** POST handlers run only after the CSRF token matched; they answer with a redirect (303) or a page. */
  handler: (c: Context<Env>, deps: AppDeps, v: View) => Response | Promise<Response>;
}
