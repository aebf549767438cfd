// The local channel between the running agent and the customer's own commands (`pending`, `approve`,
// `refuse`, and `authorize`/`revoke` telling it grants changed), plus a small page to answer requests
// in a browser. Nothing here is reachable from the network: it listens on 127.0.0.1 only, every call
// needs a 256-bit secret kept in a 0600 file in the state dir, and the Host header must name the
// loopback address (so a web page cannot reach it through DNS rebinding).
import { createAdaptorServer } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { timingSafeEqual } from "node:crypto";
import { chmod, readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import type { Logger } from "../../shared/log.js";
import { randomSecret } from "../../shared/secrets.js";
import { pageHref, PAGE_NOTICES, renderApprovalPage, STYLESHEET, STYLESHEET_PATH, type PageNotice } from "./approval-page.js";
import type { ConsentBroker } from "./broker.js";
import { LOCALES, type Locale } from "./i18n.js";

export const CHANNEL_FILE = "consent-channel.json";
export const ChannelInfo = z.object({ url: z.url(), secret: z.string().min(20), pid: z.number().int() });
export type ChannelInfo = z.infer<typeof ChannelInfo>;

/** Form and JSON bodies here are a few bytes; anything larger is not ours. */
const MAX_BODY_BYTES = 4096;

/**
 * The page's CSP: nothing loads but our own stylesheet, no script at all, forms post only to us, no
 * framing (clickjacking of the Allow button), no <base> that could redirect the form.
 */
export const PAGE_CSP = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

const RequestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** The Allow / Refuse form. `k` is checked before this is parsed (a wrong key is 401, not 400). */
const AnswerForm = z.object({ id: RequestId, answer: z.enum(["approve", "refuse"]), lang: z.enum(LOCALES).optional() });
const PageQuery = z.object({ lang: z.enum(LOCALES).optional().catch(undefined), done: z.enum(PAGE_NOTICES).optional().catch(undefined) });

export interface ApprovalServerOptions {
  broker: ConsentBroker;
  stateDir: string;
  locale: Locale;
  log: Logger;
  /** Grants changed on disk (another process ran authorize/revoke); returns the run ids it cancelled. */
  onGrantsChanged: () => Promise<string[]>;
  now?: () => number;
}

export interface ApprovalServer {
  url: string;
  secret: string;
  close(): Promise<void>;
}

interface AppOptions extends ApprovalServerOptions {
  secret: string;
  /** http://127.0.0.1:PORT, known once the server listens (nothing can connect before). */
  origin: () => string;
}

/** The channel's routes as a hono app (startApprovalServer serves it on 127.0.0.1). */
export function createApprovalApp(o: AppOptions): Hono {
  const secretBuf = Buffer.from(o.secret);
  const okSecret = (s: string | undefined | null) => {
    const b = Buffer.from(s ?? "");
    return b.length === secretBuf.length && timingSafeEqual(b, secretBuf);
  };
  const now = o.now ?? Date.now;
  const refuse = (c: Context, status: 401 | 403, error: string) => {
    o.log.warn("consent channel: request refused", { method: c.req.method, path: c.req.path, status, error });
    return c.json({ error }, status);
  };
  const app = new Hono();

  app.onError((e, c) => {
    o.log.error("consent channel: handler failed", { error: String(e) });
    return c.json({ error: "internal error" }, 500);
  });
  app.notFound((c) => c.json({ error: "not found" }, 404));
  // DNS rebinding: a browser sends the attacker's host name here; only our literal address passes.
  app.use(async (c, next) => {
    if (c.req.header("host") !== new URL(o.origin()).host) return refuse(c, 403, "bad host");
    await next();
    c.header("cache-control", "no-store");
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: PAGE_CSP,
      xFrameOptions: "DENY",
      // The key in the URL goes nowhere but here. Not "no-referrer": under it a browser sends
      // `Origin: null` with the page's own form post, which the origin check must refuse.
      referrerPolicy: "same-origin",
      // Plain http on loopback: HSTS would mean nothing here.
      strictTransportSecurity: false,
    }),
  );
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: "body too large" }, 413) }));

  app.get(STYLESHEET_PATH, (c) => c.body(STYLESHEET, 200, { "content-type": "text/css; charset=utf-8" }));

  app.get("/", async (c) => {
    if (!okSecret(c.req.query("k"))) return refuse(c, 401, "missing or wrong key");
    const q = PageQuery.parse({ lang: c.req.query("lang"), done: c.req.query("done") });
    return c.html(renderApprovalPage({ locale: q.lang ?? o.locale, pending: o.broker.pending(), now: now(), pageKey: o.secret, notice: q.done }));
  });

  app.post("/answer", async (c) => {
    // A cross-site (or another local port's) form post carries a foreign Origin or Sec-Fetch-Site; the
    // key in the form is the real guard, this is extra.
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== o.origin()) return refuse(c, 403, "bad origin");
    const site = c.req.header("sec-fetch-site");
    if (site !== undefined && site !== "same-origin" && site !== "none") return refuse(c, 403, "bad origin");
    const form = new URLSearchParams(await c.req.text());
    if (!okSecret(form.get("k"))) return refuse(c, 401, "missing or wrong key");
    const parsed = AnswerForm.safeParse(Object.fromEntries(form));
    if (!parsed.success) {
      o.log.warn("consent channel: bad answer form", { error: z.prettifyError(parsed.error) });
      return c.json({ error: z.prettifyError(parsed.error) }, 400);
    }
    const { id, answer, lang } = parsed.data;
    const approve = answer === "approve";
    const done = o.broker.answer(id, approve, "local-channel");
    o.log.info("consent: answered on the local page", { requestId: id, approve, done });
    const notice: PageNotice = !done ? "gone" : approve ? "approved" : "refused";
    return c.redirect(pageHref(o.secret, lang ?? o.locale, notice), 303);
  });

  app.use("/api/*", async (c, next) => {
    const bearer = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    if (!okSecret(bearer)) return refuse(c, 401, "missing or wrong secret");
    await next();
  });
  app.get("/api/pending", (c) => c.json({ pending: o.broker.pending() }));
  app.post("/api/pending/:id/:answer{approve|refuse}", (c) => {
    const id = RequestId.safeParse(c.req.param("id"));
    if (!id.success) return c.json({ error: "not found" }, 404);
    const approve = c.req.param("answer") === "approve";
    const done = o.broker.answer(id.data, approve, "local-channel");
    o.log.info("consent: answered over the local channel", { requestId: id.data, approve, done });
    return c.json({ ok: done }, done ? 200 : 404);
  });
  app.post("/api/grants-changed", async (c) => c.json({ cancelled: await o.onGrantsChanged() }));
  return app;
}

export async function startApprovalServer(o: ApprovalServerOptions): Promise<ApprovalServer> {
  const secret = randomSecret("");
  let origin = "";
  const app = createApprovalApp({ ...o, secret, origin: () => origin });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  const info: ChannelInfo = { url: origin, secret, pid: process.pid };
  const file = join(o.stateDir, CHANNEL_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(info) + "\n", { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return {
    url: origin,
    secret,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      // Remove the file only if it is still ours (a newer agent may have replaced it).
      const cur = await readChannelInfo(o.stateDir);
      if (cur?.secret === secret) await rm(file, { force: true });
    },
  };
}

export async function readChannelInfo(stateDir: string): Promise<ChannelInfo | undefined> {
  try {
    const parsed = ChannelInfo.safeParse(JSON.parse(await readFile(join(stateDir, CHANNEL_FILE), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
