// One webhook attempt over HTTP(S): node:http(s) rather than fetch so a receiver's private CA can be
// pinned per target. A receiver that is down, slow or wrong is data (a PostResult), never an exception:
// the dispatcher records it and retries. The caller's AbortSignal ends the attempt (its timeout, or the
// collector stopping) and destroys the socket, not just the wait.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { performance } from "node:perf_hooks";

export interface PostResult {
  /** A 2xx answer. */
  ok: boolean;
  statusCode?: number;
  /** No answer, or not 2xx: a stable code and what happened. */
  error?: { code: string; message: string };
  durationMs: number;
  /** The first bytes of the answer (for the delivery log). */
  response?: string;
}

/** Enough of an answer to see what the receiver said; the rest is not read. */
const MAX_RESPONSE_BYTES = 1024;

/** Why the caller aborted: set as the signal's reason, reported as the attempt's error code. */
export class AttemptAborted extends Error {
  constructor(
    readonly code: "TIMEOUT" | "SHUTDOWN",
    message: string,
  ) {
    super(message);
    this.name = "AttemptAborted";
  }
}

function errorOf(e: unknown, signal: AbortSignal): { code: string; message: string } {
  if (signal.aborted && signal.reason instanceof AttemptAborted) return { code: signal.reason.code, message: signal.reason.message };
  const err = e as NodeJS.ErrnoException;
  return { code: err.code ?? "REQUEST_FAILED", message: err.message ?? String(e) };
}

export function postWebhook(url: URL, headers: Record<string, string>, body: string, o: { signal: AbortSignal; caPem?: string }): Promise<PostResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<PostResult, "durationMs">) => {
      if (settled) return;
      settled = true;
      resolve({ ...r, durationMs: took() });
    };
    if (o.signal.aborted) return done({ ok: false, error: errorOf(undefined, o.signal) });
    const bytes = Buffer.from(body, "utf8");
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": String(bytes.length) },
        signal: o.signal,
        ...(o.caPem !== undefined ? { ca: o.caPem } : {}),
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          const response = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString("utf8");
          // Redirects are not followed: the signed body goes only to the configured URL.
          const ok = status >= 200 && status < 300;
          done({ ok, statusCode: status, ...(ok ? {} : { error: { code: `HTTP_${status}`, message: `the receiver answered ${status} ${res.statusMessage ?? ""}`.trim() } }), ...(response ? { response } : {}) });
        };
        res.on("data", (c: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(c);
          size += c.length;
          if (size >= MAX_RESPONSE_BYTES) {
            // The status is known; the rest of a large answer is not worth the wait.
            finish();
            res.destroy();
          }
        });
        res.on("end", finish);
        res.on("error", () => finish());
        res.on("close", finish);
      },
    );
    req.on("error", (e) => done({ ok: false, error: errorOf(e, o.signal) }));
    req.end(bytes);
  });
}
