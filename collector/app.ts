// Builds the HTTP API without listening, so tests call it in-process (app.request) or on port 0.
// Auth happens once here: every route's declared access is enforced before its handler runs.
import { Hono, type Context } from "hono";
import type { ApiError, Role } from "../shared/api.js";
import type { Logger } from "../shared/log.js";
import { getCookie } from "hono/cookie";
import { actorOf, authenticateToken, type AuthResult } from "./auth/principal.js";
import { addressKey, credentialKey, type FailureLimiter } from "./auth/failure-limiter.js";
import { HttpError, tooManyFailures } from "./http-error.js";
import { createObservability, type Observability } from "./observability/index.js";
import { observeRequests } from "./observability/http.js";
import { hashSecret, safeEqualHex } from "../shared/secrets.js";
import type { AgentHub } from "./hub/agent-hub.js";
import type { ReadLimits } from "./limits.js";
import type { RunBus } from "./run-bus.js";
import { adminRoutes } from "./routes/admin.js";
import { agentRoutes } from "./routes/agents.js";
import type { Env, RouteSpec } from "./routes/route-spec.js";
import { downloadRoutes } from "./routes/download.js";
import { openapiRoutes } from "./routes/openapi.js";
import { opsRoutes } from "./routes/ops.js";
import { webhooksRoutes } from "./routes/webhooks.js";
import { runRoutes } from "./routes/runs.js";
import { ticketEventRoutes } from "./routes/ticket-events.js";
import { ticketLifecycleRoutes } from "./routes/ticket-lifecycle.js";
import { ticketRoutes } from "./routes/tickets.js";
import { userRoutes } from "./routes/users.js";
import type { Store } from "./store/types.js";
import type { DeadlinePolicy } from "./tickets/deadlines.js";
import { SESSION_COOKIE } from "./web/auth/session.js";
import { webPages } from "./web/pages/index.js";
import { mountWeb, sessionFromCookie } from "./web/web-app.js";

export interface AppDeps {
  store: Store;
  hub: AgentHub;
  bus: RunBus;
  log: Logger;
  now: () => number;
  limiter: FailureLimiter;
  /** What one read loads at most (collector/limits.ts); the defaults when omitted. */
  limits?: ReadLimits;
  /** The URL agents and engineers use (--public-url), told to the engineer with each enrollment code. */
  publicUrl?: string;
  /** Response/resolution time limits per severity, stamped on each ticket at intake (default DEFAULT_DEADLINES). */
  deadlines?: DeadlinePolicy;
  /** Metrics, readiness, live SSE streams (server.ts builds it; createApp makes one when absent). */
  observability?: Observability;
  /** Names of the configured webhook targets (a redelivery goes only to one still configured). */
  webhookTargets?: readonly string[];
  /** This collector's node id (/healthz; collector/cluster/). */
  nodeId?: string;
}

export const apiRoutes: readonly RouteSpec[] = [
  ...ticketRoutes,
  ...ticketLifecycleRoutes,
  ...ticketEventRoutes,
  ...runRoutes,
  ...agentRoutes,
  ...adminRoutes,
  ...userRoutes,
  ...webhooksRoutes,
  ...downloadRoutes,
  ...opsRoutes,
  ...openapiRoutes,
];

export function createApp(appDeps: AppDeps): Hono<Env> {
  const deps: AppDeps = { ...appDeps, observability: appDeps.observability ?? createObservability(appDeps.store) };
  const obs = deps.observability!;
  const app = new Hono<Env>();
  // First, so every request (and every log line it causes) carries its request id and is counted.
  app.use("*", observeRequests({ metrics: obs.metrics, sse: obs.sse, log: deps.log }));

  app.onError((err, c) => {
    if (err instanceof HttpError) {
      if (err.status >= 500) deps.log.error("request failed", { path: c.req.path, code: err.code });
      const body: ApiError = { error: { code: err.code, message: err.message } };
      // Tell a rate-limited client when to come back instead of letting it hammer.
      if (err.status === 429) c.header("Retry-After", String(err.retryAfterS ?? 60));
      return c.json(body, err.status);
    }
    deps.log.error("unhandled error", { path: c.req.path, error: err instanceof Error ? err.stack : String(err) });
    const body: ApiError = { error: { code: "INTERNAL", message: "internal error" } };
    return c.json(body, 500);
  });
  app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` } } satisfies ApiError, 404));

  for (const r of apiRoutes) {
    app.on(r.method, r.path, async (c) => {
      // The scrape token opens /metrics and nothing else; anything else presented goes on to be
      // judged (and counted, and audited on failure) like every other credential.
      if (r.access === "metrics" && obs.metricsTokenHash && bearerMatches(c.req.header("authorization"), obs.metricsTokenHash)) return r.handler(c, deps);
      if (r.access !== "public") {
        const roles: readonly Role[] = r.access === "metrics" ? ["admin"] : r.access;
        const remote = c.env?.incoming?.socket?.remoteAddress ?? "local";
        // The token is checked first: a valid one always passes, whatever others did from this address.
        const auth = await authenticateApi(c, r, deps);
        if (!auth.ok) {
          // A revoked or expired token is charged to itself, anything else (a guess) to the address.
          const keys = [auth.tokenId ? credentialKey("token", auth.tokenId) : addressKey("token", remote)];
          deps.limiter.fail(keys, deps.now());
          // Decided now, by this failure's own count, not by those that land during the audit write.
          const waitMs = deps.limiter.retryAfterMsAny(keys, deps.now());
          await deps.store.appendAudit({ at: deps.now(), actor: `remote:${remote}`, action: "auth.denied", outcome: "denied", detail: { route: `${r.method} ${r.path}`, reason: auth.reason } });
          if (waitMs > 0) throw tooManyFailures(waitMs, "too many failed authentications; try again later");
          throw new HttpError(401, "UNAUTHORIZED", `authentication failed: token ${auth.reason}`);
        }
        if (!roles.includes(auth.principal.role)) {
          await deps.store.appendAudit({ at: deps.now(), actor: actorOf(auth.principal), action: "auth.forbidden", outcome: "denied", detail: { route: `${r.method} ${r.path}`, role: auth.principal.role } });
          throw new HttpError(403, "FORBIDDEN", `role ${auth.principal.role} may not ${r.method} ${r.path}`);
        }
        c.set("principal", auth.principal);
      }
      return r.handler(c, deps);
    });
  }
  mountWeb(app, deps, webPages);
  return app;
}

function bearerMatches(header: string | undefined, hash: string): boolean {
  const m = /^Bearer\s+(\S+)$/.exec(header ?? "");
  return m !== null && safeEqualHex(hashSecret(m[1]!), hash);
}

/**
 * A bearer token, or for a GET without one the web console's session cookie: the console's own
 * scripts read the API (ticket events over SSE, lists) as the signed-in person. A cookie never
 * authorizes a POST or DELETE on the API (those come only with a token, so no CSRF is possible there).
 */
async function authenticateApi(c: Context<Env>, r: RouteSpec, deps: AppDeps): Promise<AuthResult> {
  const header = c.req.header("authorization");
  if (header !== undefined || r.method !== "GET" || getCookie(c, SESSION_COOKIE) === undefined) {
    return authenticateToken(deps.store, header, deps.now());
  }
  const s = await sessionFromCookie(c, deps);
  if (s.ok) return { ok: true, principal: s.principal };
  const stale = s.session ? { tokenId: `session:${s.session.idHash}` } : {};
  const reason = s.reason === "idle" ? "expired" : s.reason === "subject_invalid" ? "revoked" : s.reason;
  return { ok: false, reason, ...stale };
}
