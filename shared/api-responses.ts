// API responses that had no schema of their own yet (the handlers build them in place): the token list,
// the audit trail, the small acknowledgements of revoke and cancel, and an escalation's answer. They
// document the API (GET /openapi.json) and let clients parse what they get like every other response.
import { z } from "zod";
import { Role, Ticket } from "./api.js";
import { Id } from "./protocol.js";
import { Handover } from "./ticket.js";

/** GET /api/tokens: a token as listed (never its value or hash). */
export const TokenView = z.object({
  id: Id,
  name: z.string(),
  role: Role,
  createdAt: z.number().int(),
  /** Absent: it does not expire. */
  expiresAt: z.number().int().optional(),
  revokedAt: z.number().int().optional(),
});
export type TokenView = z.infer<typeof TokenView>;

/** GET /api/audit: one row of the append-only audit trail, newest first. */
export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.number().int(),
  /** Who: "token:<id>:<name>", "user:<id>:<name>", "agent:<id>", "remote:<address>", "system". */
  actor: z.string(),
  /** What: e.g. "run.request", "ticket.read", "agent.enroll", "auth.denied". */
  action: z.string(),
  agentId: z.string().optional(),
  ticketId: z.string().optional(),
  runId: z.string().optional(),
  /** ok, denied, refused, stored, duplicate, expired, ... (what became of the action). */
  outcome: z.string(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** POST /api/tokens/:id/revoke and /api/agents/:id/revoke. */
export const Revoked = z.object({ revoked: z.literal(true) });

/** POST /api/runs/:id/cancel: `deliveredToAgent` says whether the agent was told at once (else the run ended here). */
export const RunCancelled = z.object({ cancelled: z.literal(true), deliveredToAgent: z.boolean() });

/** POST /api/tickets/:id/escalate: the ticket after the escalation and the hand-over for the team. */
export const Escalated = z.object({ ticket: Ticket, handover: Handover });
