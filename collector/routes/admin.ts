// Admin routes: API tokens (shown once, stored as hashes, expiring, revocable) and the audit trail.
import { z } from "zod";
import { CreateTokenBody } from "../../shared/api.js";
import { Id } from "../../shared/protocol.js";
import { hashSecret, randomId, randomSecret } from "../../shared/secrets.js";
import { actorOf, TOKEN_PREFIX } from "../auth/principal.js";
import { badRequest, notFound } from "../http-error.js";
import { readBody } from "./body.js";
import { ADMINS, principalOf, type RouteSpec } from "./route-spec.js";

export const AuditQuery = z
  .object({
    actor: z.string().max(200).optional(),
    action: z.string().max(100).optional(),
    agentId: Id.optional(),
    ticketId: Id.optional(),
    since: z.coerce.number().int().optional(),
    until: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const adminRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/tokens",
    access: ADMINS,
    summary: "create an API token for a person with a role (shown once)",
    async handler(c, d) {
      const body = await readBody(c, CreateTokenBody);
      const token = randomSecret(TOKEN_PREFIX);
      const id = randomId("tok_");
      const now = d.now();
      const expiresAt = body.ttlS !== undefined ? now + body.ttlS * 1000 : undefined;
      await d.store.createToken({ id, name: body.name, role: body.role, hash: hashSecret(token), createdAt: now, ...(expiresAt !== undefined ? { expiresAt } : {}) });
      await d.store.appendAudit({ at: now, actor: actorOf(principalOf(c)), action: "token.create", outcome: "ok", detail: { id, name: body.name, role: body.role } });
      return c.json({ id, token, role: body.role, ...(expiresAt !== undefined ? { expiresAt } : {}) }, 201);
    },
  },
  {
    method: "GET",
    path: "/api/tokens",
    access: ADMINS,
    summary: "list tokens (never their values)",
    async handler(c, d) {
      return c.json((await d.store.listTokens()).map(({ hash: _hash, ...t }) => t));
    },
  },
  {
    method: "POST",
    path: "/api/tokens/:id/revoke",
    access: ADMINS,
    summary: "revoke a token",
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      if (!id.success || !(await d.store.revokeToken(id.data, d.now()))) throw notFound("token");
      await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action: "token.revoke", outcome: "ok", detail: { id: id.data } });
      return c.json({ revoked: true });
    },
  },
  {
    method: "GET",
    path: "/api/audit",
    access: ADMINS,
    summary: "the audit trail, filterable by actor, action, agentId, ticketId, since, until, limit",
    async handler(c, d) {
      const q = AuditQuery.safeParse(c.req.query());
      if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
      return c.json(await d.store.listAudit(q.data));
    },
  },
];
