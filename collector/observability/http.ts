// Every HTTP request: a request id (the caller's X-Request-Id when it is a sane token, else a new one;
// echoed in the response) carried by the log context through everything the request does, one access
// log line, a count by route pattern and status for /metrics, and SSE responses handed to the tracker.
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { withLogContext, type Logger } from "../../shared/log.js";
import type { CollectorMetrics } from "./metrics.js";
import type { SseTracker } from "./sse.js";

export const REQUEST_ID_HEADER = "X-Request-Id";
/** A caller's id is kept only if it cannot smuggle anything into a log line or a header. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Probes and scrapes arrive every few seconds: counted, not logged. */
const QUIET = new Set(["/healthz", "/readyz", "/metrics"]);

export function requestId(header: string | undefined): string {
  return header !== undefined && SANE_ID.test(header) ? header : randomUUID();
}

/**
 * The route pattern that answered ("/api/runs/:id"), never the raw path: ids would make one series per
 * run. A request no route answered is "unmatched".
 */
export function routeLabel(c: Parameters<MiddlewareHandler>[0]): string {
  const r = matchedRoutes(c)[c.req.routeIndex];
  return r && r.method !== "ALL" ? r.path : "unmatched";
}

export function observeRequests(o: { metrics: CollectorMetrics; sse: SseTracker; log: Logger }): MiddlewareHandler {
  return async (c, next) => {
    const reqId = requestId(c.req.header(REQUEST_ID_HEADER));
    const started = performance.now();
    await withLogContext({ reqId }, async () => {
      await next();
      const route = routeLabel(c);
      const status = c.res.status;
      o.metrics.httpRequests.inc({ method: c.req.method, route, status: String(status) });
      if (c.res.headers.get("content-type")?.startsWith("text/event-stream")) c.res = o.sse.track(c.res);
      c.res.headers.set(REQUEST_ID_HEADER, reqId);
      if (!QUIET.has(route) && !route.startsWith("/static/")) {
        const remote = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
        o.log.info("request", { method: c.req.method, route, path: c.req.path, status, ms: Math.round(performance.now() - started), ...(remote ? { remote } : {}) });
      }
    });
  };
}
