// Enrollment and agents: an engineer makes a one-time code, the customer's agent trades it for its
// own identity and secret (shown once; only the hash is kept), an engineer can re-key an existing
// agent with a code bound to it, admins can revoke an agent.
import { z } from "zod";
import { Agent, CreateEnrollmentBody, DeviceState, EnrollBody, Enrolled, EnrollmentCreated } from "../../shared/api.js";
import { Revoked } from "../../shared/api-responses.js";
import { CloseCode, Id } from "../../shared/protocol.js";
import { hashSecret, randomEnrollmentCode, randomId, randomSecret } from "../../shared/secrets.js";
import { agentBundle } from "../agent-bundle.js";
import { boundEnrollmentCode, parseEnrollmentCode } from "../auth/enrollment-code.js";
import { actorOf } from "../auth/principal.js";
import { addressKey, credentialKey, type Reservation } from "../auth/failure-limiter.js";
import { conflict, notFound, tooManyFailures, unauthorized } from "../http-error.js";
import { redactRun } from "../auth/redact.js";
import { deviceState } from "../device-state.js";
import { DEFAULT_LIMITS } from "../limits.js";
import type { AgentRecord } from "../store/types.js";
import { readBody } from "./body.js";
import { stepPage } from "./runs.js";
import { ACTORS, ADMINS, failure, principalOf, READERS, type RouteSpec } from "./route-spec.js";

type Ctx = Parameters<RouteSpec["handler"]>[0];
type Deps = Parameters<RouteSpec["handler"]>[1];

/** Only the validity can be chosen: the ticket is the agent's own. */
const ReenrollBody = CreateEnrollmentBody.pick({ ttlS: true }).strict();

/** How many recent runs the device state reads (history shown, and where the last good run is looked for). */
export const DEVICE_STATE_RUNS = 20;

/** The API view of a stored agent: never its secret hash. */
export function agentView(a: AgentRecord, connected: boolean): Agent {
  return {
    id: a.id,
    name: a.name,
    createdAt: a.createdAt,
    connected,
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.ticketId ? { ticketId: a.ticketId } : {}),
    ...(a.lastSeenAt !== undefined ? { lastSeenAt: a.lastSeenAt } : {}),
    ...(a.revokedAt !== undefined ? { revokedAt: a.revokedAt } : {}),
  };
}

/** The enrollment itself, once the address may try; `attempt` is failed for a guessed (unknown) code. */
async function enroll(c: Ctx, d: Deps, remote: string, attempt: Reservation): Promise<Response> {
  const body = await readBody(c, EnrollBody);
  const code = parseEnrollmentCode(body.code);
  // A real code that is used, expired or for a revoked agent is charged to itself, not to the address.
  const stale = credentialKey("enroll", code.hash);
  const staleWaitMs = d.limiter.retryAfterMs(stale, d.now());
  if (staleWaitMs > 0) throw tooManyFailures(staleWaitMs, "this enrollment code was refused too often; ask the engineer for a new one");
  const deny = async (reason: string, agentId?: string): Promise<never> => {
    if (reason === "unknown") attempt.fail();
    else d.limiter.fail([stale], d.now());
    await d.store.appendAudit({ at: d.now(), actor: `remote:${remote}`, action: code.agentId ? "agent.reenroll" : "agent.enroll", outcome: "denied", ...(agentId ? { agentId } : {}), detail: { reason } });
    throw unauthorized(`enrollment code ${reason === "unknown" ? "is not valid" : `was ${reason}`}`);
  };
  const secret = randomSecret("", 32);
  if (code.agentId) {
    // Re-enrollment: same identity, new secret. The old secret stops working at once and a live
    // connection made with it is closed. Revocation is final: the store claims the code and re-keys
    // in one transaction that a revoked agent fails, so a revocation racing this request wins.
    const res = await d.store.reenrollAgent(code.hash, code.agentId, hashSecret(secret), d.now());
    if (!res.ok) return deny(res.reason, code.agentId);
    const existing = res.agent;
    d.hub.disconnect(existing.id, CloseCode.replaced, "agent re-enrolled");
    await d.store.appendAudit({ at: d.now(), actor: `agent:${existing.id}`, action: "agent.reenroll", agentId: existing.id, outcome: "ok", ...(existing.ticketId ? { ticketId: existing.ticketId } : {}), detail: { name: body.name, remote } });
    return c.json({ agentId: existing.id, secret, ...(existing.ticketId ? { ticketId: existing.ticketId } : {}) }, 201);
  }
  const res = await d.store.consumeEnrollmentCode(code.hash, d.now());
  if (!res.ok) return deny(res.reason);
  const agentId = randomId("ag_");
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
}

/**
 * A one-time enrollment code (optionally bound to a ticket), stored as its hash and audited; the API
 * route and the web console's "request authorization" both call this.
 */
export async function createEnrollment(c: Ctx, d: Deps, body: z.infer<typeof CreateEnrollmentBody>): Promise<z.infer<typeof EnrollmentCreated>> {
  const p = principalOf(c);
  if (body.ticketId && !(await d.store.getTicket(body.ticketId))) throw notFound("ticket");
  const code = randomEnrollmentCode();
  const expiresAt = d.now() + body.ttlS * 1000;
  await d.store.createEnrollmentCode(hashSecret(code), expiresAt, p.name, body.ticketId);
  await d.store.appendAudit({ at: d.now(), actor: actorOf(p), action: "enrollment.create", outcome: "ok", ...(body.ticketId ? { ticketId: body.ticketId } : {}) });
  return { code, expiresAt, ...(d.publicUrl ? { collectorUrl: d.publicUrl } : {}), ...(await agentShaField()) };
}

/** The customer's command verifies the downloaded agent against this (shared/onboarding.ts). */
async function agentShaField(): Promise<{ agentSha256?: string }> {
  const sha = await agentBundle.sha256();
  return sha ? { agentSha256: sha } : {};
}

const NO_AGENT = failure("NOT_FOUND: no such agent");

export const agentRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/enrollments",
    access: ACTORS,
    summary: "create a one-time enrollment code for a customer's agent",
    body: CreateEnrollmentBody,
    response: { 201: EnrollmentCreated, 404: failure("NOT_FOUND: no such ticket") },
    async handler(c, d) {
      return c.json(await createEnrollment(c, d, await readBody(c, CreateEnrollmentBody)), 201);
    },
  },
  {
    method: "POST",
    path: "/api/agents/enroll",
    access: "public",
    summary: "an agent trades a one-time code for its identity (the code is the credential)",
    body: EnrollBody,
    response: {
      201: Enrolled,
      401: failure("UNAUTHORIZED: the code is unknown, used or expired, or its agent was revoked"),
      429: failure("TOO_MANY_FAILURES: too many refused codes from this address, or this code refused too often; Retry-After says when to come back"),
    },
    async handler(c, d) {
      const remote = c.env?.incoming?.socket?.remoteAddress ?? "?";
      // Codes are short enough to guess: the attempt is reserved against the address before anything
      // awaits, so concurrent guesses cannot all pass before the first failure is counted, and a
      // guessing address is refused before its code is checked (collector/auth/failure-limiter.ts).
      const addr = addressKey("enroll", remote);
      const attempt = d.limiter.reserve([addr], d.now());
      if (!attempt) throw tooManyFailures(d.limiter.retryAfterMs(addr, d.now()), "too many failed enrollment attempts from this address; try again later");
      try {
        return await enroll(c, d, remote, attempt);
      } finally {
        attempt.release(); // no-op when the attempt was already counted as a failure
      }
    },
  },
  {
    method: "POST",
    path: "/api/agents/:id/reenroll",
    access: ACTORS,
    summary: "a one-time code that re-keys this agent (new secret, same identity; the old secret stops working)",
    body: ReenrollBody,
    response: { 201: EnrollmentCreated, 404: NO_AGENT, 409: failure("AGENT_REVOKED: the agent was revoked; enroll the device again instead") },
    async handler(c, d) {
      const body = await readBody(c, ReenrollBody);
      const p = principalOf(c);
      const id = Id.safeParse(c.req.param("id"));
      const agent = id.success ? await d.store.getAgent(id.data) : undefined;
      if (!agent) throw notFound("agent");
      if (agent.revokedAt !== undefined) throw conflict("AGENT_REVOKED", "this agent was revoked; enroll the device again with a new enrollment code");
      const code = boundEnrollmentCode(agent.id, randomEnrollmentCode());
      const expiresAt = d.now() + body.ttlS * 1000;
      await d.store.createEnrollmentCode(hashSecret(code), expiresAt, p.name, agent.ticketId);
      await d.store.appendAudit({ at: d.now(), actor: actorOf(p), action: "enrollment.create", agentId: agent.id, outcome: "ok", ...(agent.ticketId ? { ticketId: agent.ticketId } : {}), detail: { reenroll: true } });
      return c.json({ code, expiresAt, ...(d.publicUrl ? { collectorUrl: d.publicUrl } : {}), ...(await agentShaField()) } satisfies z.infer<typeof EnrollmentCreated>, 201);
    },
  },
  {
    method: "GET",
    path: "/api/agents",
    access: READERS,
    summary: "list enrolled agents and whether they are connected (to any collector on the same database)",
    response: { 200: z.array(Agent) },
    async handler(c, d) {
      const connected = await d.hub.connectedAgents();
      return c.json((await d.store.listAgents()).map((a) => agentView(a, connected.has(a.id))));
    },
  },
  {
    method: "GET",
    path: "/api/agents/:id/state",
    access: READERS,
    summary: "the site's collected device state: newest result per check, run history, changes since the last good run",
    response: { 200: DeviceState, 404: NO_AGENT },
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      const rec = id.success ? await d.store.getAgent(id.data) : undefined;
      if (!rec) throw notFound("agent");
      const runs = await d.store.listRunsForAgent(rec.id, DEVICE_STATE_RUNS, { page: stepPage(d), totalBytes: (d.limits ?? DEFAULT_LIMITS.read).viewStepBytes });
      await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action: "device.read", agentId: rec.id, outcome: "ok", ...(rec.ticketId ? { ticketId: rec.ticketId } : {}) });
      return c.json(deviceState(agentView(rec, (await d.hub.connectedAgents()).has(rec.id)), runs.map((r) => redactRun(r))));
    },
  },
  {
    method: "POST",
    path: "/api/agents/:id/revoke",
    access: ADMINS,
    summary: "revoke an agent: its secret stops working and its connection is closed",
    response: { 200: Revoked, 404: NO_AGENT },
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      if (!id.success || !(await d.store.revokeAgent(id.data, d.now()))) throw notFound("agent");
      d.hub.disconnect(id.data, CloseCode.revoked, "agent revoked");
      await d.store.appendAudit({ at: d.now(), actor: actorOf(principalOf(c)), action: "agent.revoke", agentId: id.data, outcome: "ok" });
      return c.json({ revoked: true });
    },
  },
];
