// The local channel between the running agent and the customer's own commands (`pending`, `approve`,
// `refuse`, and `authorize`/`revoke` telling it grants changed), plus a small page to answer requests
// in a browser. Nothing here is reachable from the network: it listens on 127.0.0.1 only, every call
// needs a 256-bit secret kept in a 0600 file in the state dir, and the Host header must name the
// loopback address (so a web page cannot reach it through DNS rebinding).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { timingSafeEqual } from "node:crypto";
import { chmod, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Logger } from "../../shared/log.js";
import { randomSecret } from "../../shared/secrets.js";
import type { ConsentBroker } from "./broker.js";
import { formatDuration } from "./grant.js";
import { describeCheck, t, type Locale } from "./i18n.js";

export const CHANNEL_FILE = "consent-channel.json";
export const ChannelInfo = z.object({ url: z.url(), secret: z.string().min(20), pid: z.number().int() });
export type ChannelInfo = z.infer<typeof ChannelInfo>;

/** Form and JSON bodies here are a few bytes; anything larger is not ours. */
const MAX_BODY_BYTES = 4096;

export interface ApprovalServerOptions {
  broker: ConsentBroker;
  stateDir: string;
  locale: Locale;
  log: Logger;
  /** Grants changed on disk (another process ran authorize/revoke); returns the run ids it cancelled. */
  onGrantsChanged: () => Promise<string[]>;
}

export interface ApprovalServer {
  url: string;
  secret: string;
  close(): Promise<void>;
}

export async function startApprovalServer(o: ApprovalServerOptions): Promise<ApprovalServer> {
  const secret = randomSecret("");
  const secretBuf = Buffer.from(secret);
  let origin = "";
  const okSecret = (s: string | undefined | null) => {
    const b = Buffer.from(s ?? "");
    return b.length === secretBuf.length && timingSafeEqual(b, secretBuf);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      o.log.error("consent channel: handler failed", { error: String(e) });
      if (!res.headersSent) send(res, 500, { error: "internal error" });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a browser sends the attacker's host name here; only our literal address passes.
    if (req.headers.host !== new URL(origin).host) return send(res, 403, { error: "bad host" });
    const url = new URL(req.url ?? "/", origin);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];

    if (url.pathname === "/" && req.method === "GET") {
      if (!okSecret(url.searchParams.get("k"))) return send(res, 401, { error: "missing or wrong key" });
      return sendHtml(res, 200, page(o.locale, o.broker, secret));
    }
    if (url.pathname === "/answer" && req.method === "POST") {
      // A cross-site form post carries a foreign Origin; the secret is the real guard, this is extra.
      if (req.headers.origin && req.headers.origin !== origin) return send(res, 403, { error: "bad origin" });
      const form = new URLSearchParams(await readBody(req));
      if (!okSecret(form.get("k"))) return send(res, 401, { error: "missing or wrong key" });
      const id = form.get("id") ?? "";
      const approve = form.get("answer") === "approve";
      const done = o.broker.answer(id, approve, "local-channel");
      o.log.info("consent: answered on the local page", { requestId: id, approve, done });
      res.writeHead(303, { location: `/?k=${encodeURIComponent(secret)}` }).end();
      return;
    }
    if (!okSecret(bearer)) return send(res, 401, { error: "missing or wrong secret" });
    if (url.pathname === "/api/pending" && req.method === "GET") return send(res, 200, { pending: o.broker.pending() });
    const m = /^\/api\/pending\/([A-Za-z0-9_-]{1,64})\/(approve|refuse)$/.exec(url.pathname);
    if (m && req.method === "POST") {
      const done = o.broker.answer(m[1]!, m[2] === "approve", "local-channel");
      o.log.info("consent: answered over the local channel", { requestId: m[1], approve: m[2] === "approve", done });
      return send(res, done ? 200 : 404, { ok: done });
    }
    if (url.pathname === "/api/grants-changed" && req.method === "POST") {
      const cancelled = await o.onGrantsChanged();
      return send(res, 200, { cancelled });
    }
    send(res, 404, { error: "not found" });
  }

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

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res
    .writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // No scripts, no framing (clickjacking of the approve button), forms only to ourselves.
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
    })
    .end(html);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(locale: Locale, broker: ConsentBroker, secret: string): string {
  const now = Date.now();
  const items = broker.pending().map((r) => `<section><p><b>${esc(t(locale, "prompt.requestedBy"))}:</b> ${esc(r.requestedBy)}<br><b>${esc(t(locale, "prompt.ticket"))}:</b> ${esc(r.ticketId)}<br><b>${esc(t(locale, "prompt.duration"))}:</b> ${esc(r.grantMs > 0 ? formatDuration(r.grantMs) : t(locale, "prompt.once"))}</p><ul>${r.checks.map((c) => `<li>${esc(describeCheck(locale, c))}</li>`).join("")}</ul><p>${esc(t(locale, "prompt.deadline", { time: formatDuration(Math.max(1000, Math.round((r.deadline - now) / 1000) * 1000)) }))}</p>${["approve", "refuse"].map((a) => `<form method="post" action="/answer" style="display:inline"><input type="hidden" name="k" value="${esc(secret)}"><input type="hidden" name="id" value="${esc(r.id)}"><button name="answer" value="${a}">${esc(t(locale, a === "approve" ? "page.approve" : "page.refuse"))}</button></form>`).join(" ")}</section>`);
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${esc(t(locale, "page.title"))}</title></head><body><h1>${esc(t(locale, "page.title"))}</h1>${items.length ? items.join("<hr>") : `<p>${esc(t(locale, "pending.none"))}</p>`}</body></html>`;
}
