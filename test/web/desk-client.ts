// A tiny browser for page tests: a cookie jar, sign-in with an API token through the real sign-in form,
// GET and form POSTs carrying the session's CSRF token (read from the last page, as a browser would).
import { TokenCreated } from "../../shared/api.js";
import type { TestCollector } from "../helpers/collector.js";

export interface Page {
  status: number;
  html: string;
  location: string | undefined;
  headers: Headers;
}

export class WebClient {
  private jar = new Map<string, string>();
  csrf = "";
  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/max-age=0/i.test(line) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  private async page(res: Response): Promise<Page> {
    this.remember(res);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]*)"/.exec(html);
    if (m) this.csrf = m[1]!;
    return { status: res.status, html, location: res.headers.get("location") ?? undefined, headers: res.headers };
  }

  async get(path: string): Promise<Page> {
    return this.page(await fetch(this.base + path, { headers: { cookie: this.cookieHeader() }, redirect: "manual" }));
  }

  /** Posts a form (repeated names as arrays); `csrf: false` leaves the token out (a forged post). */
  async post(path: string, fields: Record<string, string | string[]>, o: { csrf?: boolean | string } = {}): Promise<Page> {
    const body = new URLSearchParams();
    if (o.csrf !== false) body.append("_csrf", typeof o.csrf === "string" ? o.csrf : this.csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return this.page(await fetch(this.base + path, { method: "POST", body, headers: { cookie: this.cookieHeader(), "content-type": "application/x-www-form-urlencoded" }, redirect: "manual" }));
  }

  /** GETs the page a 303 points to. */
  async follow(p: Page): Promise<Page> {
    if (!p.location) throw new Error(`not a redirect (${p.status}): ${p.html.slice(0, 300)}`);
    return this.get(p.location);
  }
}

/** A token for `role` made by the admin through the API. */
export async function makeToken(tc: TestCollector, role: "admin" | "engineer" | "technician", name: string): Promise<string> {
  return (await tc.api("/api/tokens", TokenCreated, { body: { role, name } })).token;
}

/** A signed-in client (API token sign-in through the real form). */
export async function signIn(tc: TestCollector, token: string): Promise<WebClient> {
  const w = new WebClient(tc.url);
  await w.get("/login");
  const res = await w.post("/login/token", { token });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  await w.get("/tickets");
  return w;
}
