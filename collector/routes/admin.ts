// Admin routes: API tokens (shown once, stored as hashes, expiring, revocable) and the audit trail.
import { z } from "zod";
import { CreateTokenBody, TokenCreated } from "../../shared/api.js";
import { AuditEntry, Revoked, TokenView } from "../../shared/api-responses.js";
import { Id } from "../../shared/protocol.js";
import { issueToken, revokeTokenAndSessions } from "../auth/accounts.js";
import { actorOf } from "../auth/principal.js";
import { badRequest, notFound } from "../http-error.js";
import { readBody } from "./body.js";
import { ADMINS, failure, principalOf, type RouteSpec } from "./route-spec.js";

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
    body: CreateTokenBody,
    response: { 201: TokenCreated },
    async handler(c, d) {
      const body = await readBody(c, CreateTokenBody);
      return c.json(await issueToken(d.store, body, actorOf(principalOf(c)), d.now()), 201);
    },
  },
  {
    method: "GET",
    path: "/api/tokens",
    access: ADMINS,
    summary: "list tokens (never their values)",
    response: { 200: z.array(TokenView) },
    async handler(c, d) {
      return c.json((await d.store.listTokens()).map(({ hash: _hash, ...t }) => t));
    },
  },
  {
    method: "POST",
    path: "/api/tokens/:id/revoke",
    access: ADMINS,
    summary: "revoke a token (web console sessions signed in with it end too)",
    response: { 200: Revoked, 404: failure("NOT_FOUND: no such token") },
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      if (!id.success || !(await revokeTokenAndSessions(d.store, id.data, actorOf(principalOf(c)), d.now()))) throw notFound("token");
      return c.json({ revoked: true });
    },
  },
  {
    method: "GET",
    path: "/api/audit",
    access: ADMINS,
    summary: "the audit trail, filterable by actor, action, agentId, ticketId, since, until, limit",
    query: AuditQuery,
    response: { 200: z.array(AuditEntry) },
    async handler(c, d) {
      const q = AuditQuery.safeParse(c.req.query());
      if (!q.success) throw badRequest("INVALID_QUERY", z.prettifyError(q.error));
      return c.json(await d.store.listAudit(q.data));
    },
  },
];
