// Operating the collector: liveness, readiness and Prometheus metrics (docs/running.md).
import { z } from "zod";
import type { RouteSpec } from "./route-spec.js";

const Health = z.object({
  ok: z.literal(true),
  /** Agents connected to THIS collector (GET /api/agents says which are connected anywhere). */
  agentsConnected: z.number().int(),
  /** This collector's node id (new at every start; logs, /metrics and the store's agent_links name it). */
  nodeId: z.string(),
});
const Ready = z.object({ ok: z.literal(true) });
const NotReady = z.object({ ok: z.literal(false), code: z.enum(["SHUTTING_DOWN", "STORE_NOT_WRITABLE", "STORE_SLOW"]), message: z.string() });

export const opsRoutes: RouteSpec[] = [
  {
    method: "GET",
    path: "/healthz",
    access: "public",
    summary: "liveness, the agents connected to this collector and its node id (200 while the process runs, also while it drains)",
    response: { 200: Health },
    handler: (c, d) => c.json({ ok: true, agentsConnected: d.hub.connectedCount(), nodeId: d.nodeId ?? "" }),
  },
  {
    method: "GET",
    path: "/readyz",
    access: "public",
    summary: "readiness: 200 `{ok:true}` when the store takes a write within 2 s and the collector is not shutting down, else 503 `{ok:false, code: SHUTTING_DOWN | STORE_NOT_WRITABLE | STORE_SLOW}`",
    response: { 200: Ready, 503: { description: "not ready: shutting down, or the store takes no write", json: NotReady } },
    async handler(c, d) {
      const r = await d.observability!.readiness.check();
      if (!r.ok) d.log.warn("not ready", { code: r.code, message: r.message });
      return r.ok ? c.json({ ok: true }) : c.json({ ok: false, code: r.code, message: r.message }, 503);
    },
  },
  {
    method: "GET",
    path: "/metrics",
    access: "metrics",
    response: { 200: { description: "the metrics", text: "Prometheus text exposition format 0.0.4" } },
    summary: "Prometheus text format: agents connected, runs by state, steps ingested, verdicts by segment and cause, ingest latency, WebSocket closes and errors, SSE subscribers, HTTP requests by route and status, process figures",
    async handler(c, d) {
      const registry = d.observability!.metrics.registry;
      return c.body(await registry.metrics(), 200, { "content-type": registry.contentType, "cache-control": "no-store" });
    },
  },
];
