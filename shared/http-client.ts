// A small JSON-over-HTTP(S) client for the CLIs: node:http(s) rather than fetch so a pinned CA (the
// collector's certificate given at enrollment) can be passed per request.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { z } from "zod";

export interface HttpJsonOptions {
  method?: "GET" | "POST" | "DELETE";
  body?: unknown;
  token?: string;
  caPem?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class HttpClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpClientError";
  }
}

export function httpJson<S extends z.ZodType>(url: string, schema: S, o: HttpJsonOptions = {}): Promise<z.infer<S>> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = (u.protocol === "https:" ? httpsRequest : httpRequest)(
      u,
      {
        method: o.method ?? (body ? "POST" : "GET"),
        headers: {
          accept: "application/json",
          ...(body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
        timeout: o.timeoutMs ?? 15_000,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.caPem ? { ca: o.caPem } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            return reject(new HttpClientError(res.statusCode ?? 0, "BAD_RESPONSE", `collector answered ${res.statusCode} with non-JSON`));
          }
          if ((res.statusCode ?? 500) >= 400) {
            const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
            return reject(new HttpClientError(res.statusCode ?? 0, err?.code ?? "HTTP_ERROR", err?.message ?? `HTTP ${res.statusCode}`));
          }
          const parsed = schema.safeParse(json);
          if (!parsed.success) return reject(new HttpClientError(res.statusCode ?? 0, "BAD_RESPONSE", "collector response does not match the API schema"));
          resolve(parsed.data);
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new HttpClientError(0, "TIMEOUT", `no answer from ${u.host} in time`)));
    req.on("error", (e) => reject(e instanceof HttpClientError ? e : new HttpClientError(0, (e as NodeJS.ErrnoException).code ?? "NETWORK", `cannot reach ${u.host}: ${e.message}`)));
    if (body) req.write(body);
    req.end();
  });
}
