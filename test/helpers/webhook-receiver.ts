// A real ticket system's webhook endpoint on loopback (port 0): verifies every request's signature and
// timestamp with the shared secret exactly as docs/webhooks.md tells receivers to (shared/
// webhook-signature.ts), refuses a delivery id it has already accepted, records what it accepted, and
// fails on purpose when told: the next N requests answer 500, or hang until the sender gives up, and
// the whole server can be stopped (connection refused) and started again on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { verifyWebhook, WEBHOOK_HEADERS, type WebhookVerifyResult } from "../../shared/webhook-signature.js";
import { WebhookBody } from "../../shared/webhooks.js";

export interface ReceivedRequest {
  event: string | undefined;
  delivery: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  verified: WebhookVerifyResult;
  /** What the receiver answered (0: it held the request and the sender gave up). */
  answered: number;
}

export interface Accepted {
  delivery: string;
  body: WebhookBody;
  raw: string;
}

export type FailMode = "500" | "timeout";

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Every request that reached the server, in order. */
  requests: ReceivedRequest[];
  /** Deliveries verified and accepted (2xx), in order; a repeated delivery id is not in here twice. */
  accepted: Accepted[];
  /** The next `n` requests fail: 500, or held without an answer until the sender aborts. */
  failNext(n: number, mode: FailMode): void;
  /** Resolves when `pred` holds for the accepted deliveries (checked on every accept; no polling). */
  waitFor(pred: (accepted: Accepted[]) => boolean): Promise<Accepted[]>;
  /** Resolves once `n` requests are being held (mode "timeout"). */
  whenHeld(n?: number): Promise<void>;
  /** Stops listening (senders get connection refused) and drops open connections. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  secret: string;
  /** The receiver's clock in Unix seconds (tests with a fake collector clock pass the same one). */
  nowS?: () => number;
  toleranceS?: number;
  /** Serve https with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
}

export async function startWebhookReceiver(o: ReceiverOptions): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const accepted: Accepted[] = [];
  const seen = new Set<string>();
  let failures: { n: number; mode: FailMode } = { n: 0, mode: "500" };
  let held = 0;
  let waiters: { pred: (a: Accepted[]) => boolean; resolve: (a: Accepted[]) => void }[] = [];
  let heldWaiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const nowS = o.nowS ?? (() => Math.floor(Date.now() / 1000));

  const notify = () => {
    const ready = waiters.filter((w) => w.pred(accepted));
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(accepted);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const h = (name: string) => req.headers[name] as string | undefined;
      const r: ReceivedRequest = {
        event: h(WEBHOOK_HEADERS.event),
        delivery: h(WEBHOOK_HEADERS.delivery),
        timestamp: h(WEBHOOK_HEADERS.timestamp),
        signature: h(WEBHOOK_HEADERS.signature),
        body,
        verified: verifyWebhook({ secret: o.secret, body, timestamp: h(WEBHOOK_HEADERS.timestamp), signature: h(WEBHOOK_HEADERS.signature), nowS: nowS(), ...(o.toleranceS !== undefined ? { toleranceS: o.toleranceS } : {}) }),
        answered: 0,
      };
      requests.push(r);
      const answer = (status: number, text: string) => {
        r.answered = status;
        res.writeHead(status, { "content-type": "text/plain" }).end(text);
      };
      if (failures.n > 0) {
        failures.n--;
        if (failures.mode === "500") return answer(500, "failing on purpose");
        held++;
        const ready = heldWaiters.filter((w) => held >= w.n);
        heldWaiters = heldWaiters.filter((w) => !ready.includes(w));
        for (const w of ready) w.resolve();
        return; // held: the sender's timeout ends it
      }
      if (req.method !== "POST") return answer(405, "POST only");
      // What docs/webhooks.md tells a receiver to do, in this order.
      if (!r.verified.ok) return answer(401, r.verified.code);
      if (!r.delivery) return answer(400, "no delivery id");
      if (seen.has(r.delivery)) return answer(200, "duplicate: already processed");
      const parsed = WebhookBody.safeParse(JSON.parse(body));
      if (!parsed.success) return answer(400, "body does not match the schema");
      seen.add(r.delivery);
      accepted.push({ delivery: r.delivery, body: parsed.data, raw: body });
      answer(204, "");
      notify();
    });
  };

  const make = (): Server => (o.tls ? createTlsServer({ cert: o.tls.cert, key: o.tls.key }, handle) : createServer(handle));
  let server: Server = make();
  const track = (s: Server) => s.on("connection", (sock) => (sockets.add(sock), sock.on("close", () => sockets.delete(sock))));
  track(server);
  const listen = (s: Server, port: number) =>
    new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  const stop = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };

  return {
    url: `${o.tls ? "https" : "http"}://127.0.0.1:${port}/hooks/netdiag`,
    port,
    requests,
    accepted,
    failNext(n, mode) {
      failures = { n, mode };
    },
    waitFor(pred) {
      if (pred(accepted)) return Promise.resolve(accepted);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    whenHeld(n = 1) {
      if (held >= n) return Promise.resolve();
      return new Promise((resolve) => heldWaiters.push({ n, resolve }));
    },
    stop,
    async restart() {
      if (listening) return;
      server = make();
      track(server);
      await listen(server, port);
      listening = true;
    },
    close: stop,
  };
}
