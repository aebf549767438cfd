// Enrollment and agents: an engineer makes a one-time code, the customer's agent trades it for its
// own identity and secret (shown once; only the hash is kept), admins can revoke an agent.
import { CreateEnrollmentBody, EnrollBody, type Agent } from "../../shared/api.js";
import { CloseCode, Id } from "../../shared/protocol.js";
import { hashSecret, randomEnrollmentCode, randomId, randomSecret } from "../../shared/secrets.js";
import { actorOf } from "../auth/principal.js";
import { HttpError, notFound, unauthorized } from "../http-error.js";
import { readBody } from "./body.js";
import { ACTORS, ADMINS, principalOf, READERS, type RouteSpec } from "./route-spec.js";

export const agentRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/enrollments",
    access: ACTORS,
    summary: "create a one-time enrollment code for a customer's agent",
    async handler(c, d) {
      const body = await readBody(c, CreateEnrollmentBody);
      const p = principalOf(c);
      if (body.ticketId && !(await d.store.getTicket(body.ticketId))) throw notFound("ticket");
      const code = randomEnrollmentCode();
      const expiresAt = d.now() + body.ttlS * 1000;
      await d.store.createEnrollmentCode(hashSecret(code), expiresAt, p.name, body.ticketId);
      await d.store.appendAudit({ at: d.now(), actor: actorOf(p), action: "enrollment.create", outcome: "ok", ...(body.ticketId ? { ticketId: body.ticketId } : {}) });
      return c.json({ code, expiresAt }, 201);
    },
  },
  {
    method: "POST",
    path: "/api/agents/enroll",
    access: "public",
    summary: "an agent trades a one-time code for its identity (the code is the credential)",
    async handler(c, d) {
      const remote = c.env?.incoming?.socket?.remoteAddress ?? "?";
      if (d.limiter.blocked(remote, d.now())) throw new HttpError(429, "TOO_MANY_FAILURES", "too many failed attempts; try again later");
      const body = await readBody(c, EnrollBody);
      const res = await d.store.consumeEnrollmentCode(hashSecret(body.code.trim().toUpperCase()), d.now());
      if (!res.ok) {
        d.limiter.fail(remote, d.now());
        await d.store.appendAudit({ at: d.now(), actor: `remote:${remote}`, action: "agent.enroll", outcome: "denied", detail: { reason: res.reason } });
        throw unauthorized(`enrollment code ${res.reason === "unknown" ? "is not valid" : `was ${res.reason}`}`);
      }
      const agentId = randomId("ag_");
      const secret = randomSecret("", 32);
      await d.store.createAgent({
        id: agentId,
        name: body.name,
        secretHash: hashSecret(secret),
        createdAt: d.now(),
        ...(body.hostname ? { hostname: body.hostname } : {}),
        ...(res.ticketId ? { ticketId: res.ticketId } : {}),
      });
      await d.store.appendAudit({ at: d.now(), actor: `agent:${agentId}`, action: "agent.enroll", agentId, outcome: "ok", ...(res.ticketId ? { ticketId: res.ticketId } : {}), detail: { name: body.name, remote } });
      return c.json({ agentId, secret, ...(res.ticketId ? { ticketId: res.ticketId } : {}) }, 201);
    },
  },
  {
    method: "GET",
    path: "/api/agents",
    access: READERS,
    summary: "list enrolled agents and whether they are connected",
    async handler(c, d) {
      const list: Agent[] = (await d.store.listAgents()).map((a) => ({
        id: a.id,
        name: a.name,
        createdAt: a.createdAt,
        connected: d.hub.isConnected(a.id),
        ...(a.hostname ? { hostname: a.hostname } : {}),
        ...(a.ticketId ? { ticketId: a.ticketId } : {}),
        ...(a.lastSeenAt !== undefined ? { lastSeenAt: a.lastSeenAt } : {}),
        ...(a.revokedAt !== undefined ? { revokedAt: a.revokedAt } : {}),
      }));
      return c.json(list);
    },
  },
  {
    method: "POST",
    path: "/api/agents/:id/revoke",
    access: ADMINS,
    summary: "revoke an agent: its secret stops working and its connection is closed",
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      if (!id.success || !(await d.store.revokeAgent(id.data, d.now()))) throw notFound("agent");
      d.hub.disconnect(id.data, CloseCode.revoked, "agent revoked");
      await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action: "agent.revoke", agentId: id.data, outcome: "ok" });
      return c.json({ revoked: true });
    },
  },
];
