// A tiny browser for the web console tests without chromium: a cookie jar, no redirect following (tests
// look at each 303), the CSRF token read from the last page's form. Works against the app in process
// (app.request) and against a real collector (fetch), and a test app on a real SQLite store with an
// injectable clock.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "../../shared/api.js";
import { memoryLogger } from "../../shared/log.js";
import { hashSecret, randomSecret } from "../../shared/secrets.js";
import { createApp } from "../../collector/app.js";
import { FailureLimiter } from "../../collector/auth/failure-limiter.js";
import { TOKEN_PREFIX } from "../../collector/auth/principal.js";
import { AgentHub } from "../../collector/hub/agent-hub.js";
import { RunBus } from "../../collector/run-bus.js";
import { openSqliteStore } from "../../collector/store/sql-store.js";
import type { Store } from "../../collector/store/types.js";
import { hashPassword } from "../../collector/web/auth/password.js";

export type Fetcher = (path: string, init?: RequestInit) => Promise<Response>;

export class WebClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  csrf = "";
  lastHtml = "";
  constructor(private readonly fetcher: Fetcher) {}

  private absorb(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      // Max-Age=0 / an empty value: the server deleted it.
      if (value === "" || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.fetcher(path, { headers: { cookie: this.cookieHeader(), ...headers }, redirect: "manual" });
    this.absorb(res);
    if ((res.headers.get("content-type") ?? "").includes("text/html")) {
      this.lastHtml = await res.clone().text();
      const m = /name="_csrf" value="([^"]*)"/.exec(this.lastHtml);
      if (m) this.csrf = m[1]!;
    }
    return res;
  }

  /** Posts a form; `_csrf` is the last page's token unless the caller gives one (or null: none at all). */
  async post(path: string, fields: Record<string, string> = {}, o: { csrf?: string | null } = {}): Promise<Response> {
    const body = new URLSearchParams(fields);
    const token = o.csrf === undefined ? this.csrf : o.csrf;
    if (token !== null) body.set("_csrf", token);
    const res = await this.fetcher(path, {
      method: "POST",
      headers: { cookie: this.cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      redirect: "manual",
    });
    this.absorb(res);
    if ((res.headers.get("content-type") ?? "").includes("text/html")) this.lastHtml = await res.clone().text();
    return res;
  }

  /** Signs in with an API token through the form; returns the POST's response. */
  async signInWithToken(token: string): Promise<Response> {
    await this.get("/login");
    return this.post("/login/token", { token });
  }

  async signInWithPassword(username: string, password: string): Promise<Response> {
    await this.get("/login");
    return this.post("/login", { username, password });
  }
}

export interface TestWebApp {
  app: ReturnType<typeof createApp>;
  store: Store;
  hub: AgentHub;
  clock: { now: number };
  fetch: Fetcher;
  client(): WebClient;
  addToken(role: Role, o?: { expiresAt?: number; name?: string }): Promise<{ id: string; token: string }>;
  addUser(role: Role, username?: string, password?: string): Promise<{ id: string; username: string; password: string }>;
  close(): Promise<void>;
}

let seq = 0;

/** The collector's app in process on a real SQLite file, with a clock the test moves. */
export async function startWebApp(o: { limiter?: FailureLimiter } = {}): Promise<TestWebApp> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-web-"));
  const store = await openSqliteStore(join(dir, "db.sqlite"));
  const log = memoryLogger();
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const bus = new RunBus();
  const hub = new AgentHub({ store, bus, log, now, heartbeatMs: 60_000 });
  const app = createApp({ store, hub, bus, log, now, limiter: o.limiter ?? new FailureLimiter(1e9) });
  const fetch: Fetcher = async (path, init) => app.request(path, init);
  return {
    app,
    store,
    hub,
    clock,
    fetch,
    client: () => new WebClient(fetch),
    async addToken(role, x = {}) {
      const token = randomSecret(TOKEN_PREFIX);
      const id = `tok_${role}${++seq}x`;
      await store.createToken({ id, name: x.name ?? `${role}-${seq}`, role, hash: hashSecret(token), createdAt: clock.now, ...(x.expiresAt !== undefined ? { expiresAt: x.expiresAt } : {}) });
      return { id, token };
    },
    async addUser(role, username = `${role}${++seq}`, password = "correct horse battery") {
      const id = `usr_${username}`;
      await store.createUser({ id, username, role, passwordHash: await hashPassword(password), createdAt: clock.now });
      return { id, username, password };
    },
    async close() {
      await hub.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
