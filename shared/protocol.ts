// The agent <-> collector WebSocket protocol. Every frame either side receives is parsed with these
// schemas (safeParse) before anything else looks at it; nothing here is trusted by type alone.
import { z } from "zod";
import { CheckId, StepResult } from "./checks.js";
import { Verdict } from "./verdict.js";

/**
 * Bumped on any incompatible change; both sides send it and refuse a mismatch with close 1002.
 * 2: run.received (the agent's durable acknowledgement of a run request), run.consent, and a reason on
 * run.finished; the collector re-sends a run request on every reconnect until it holds run.received.
 */
export const PROTOCOL_VERSION = 2;

/** Largest frame either side accepts (bytes). A step result with its findings fits well below this. */
export const MAX_FRAME_BYTES = 256 * 1024;

export const Id = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, "id must be 6-64 chars of [A-Za-z0-9_-]");

/** What the engineer may tune per run; every target is validated on both sides. */
export const RunParams = z
  .object({
    /** Override the agent's configured names to resolve. */
    names: z.array(z.string().max(253)).max(10).optional(),
    /** Override the agent's configured ping targets / internet anchors. */
    targets: z.array(z.string().max(253)).max(10).optional(),
    /** The service the customer says fails: URL or host:port. */
    service: z.string().max(2048).optional(),
    /** If the customer approves this request, how long the resulting grant lasts (seconds). */
    consentTtlS: z.number().int().min(60).max(7 * 86400).optional(),
  })
  .strict();
export type RunParams = z.infer<typeof RunParams>;

// ---- collector -> agent -------------------------------------------------------------------------

export const WelcomeFrame = z.object({
  type: z.literal("welcome"),
  protocol: z.number().int(),
  agentId: Id,
  serverTime: z.number().int(),
  /**
   * The collector pings this often (and drops an agent that missed one ping); the agent treats 2x this
   * much silence as a dead link (docs/delivery.md, "Dead links").
   */
  heartbeatMs: z.number().int().positive(),
});

export const RunRequestFrame = z.object({
  type: z.literal("run.request"),
  runId: Id,
  ticketId: Id,
  /**
   * Plain strings, not CheckId: the agent itself must see an unknown id and refuse it with a reason
   * (a schema failure would drop the whole frame silently).
   */
  checks: z.array(z.string().max(64)).min(1).max(20),
  params: RunParams,
  /** Who asked (engineer's token name), shown to the customer when consent is requested. */
  requestedBy: z.string().max(200),
  /** Epoch ms after which the agent must not start this run. */
  notAfter: z.number().int(),
  /**
   * How long the engineer asks the customer's approval to last (seconds), shown in the consent
   * prompt; the agent caps it at 7 days and uses 1 hour when absent.
   */
  consentTtlS: z.number().int().min(60).max(7 * 86400).optional(),
});
export type RunRequestFrame = z.infer<typeof RunRequestFrame>;

export const RunCancelFrame = z.object({ type: z.literal("run.cancel"), runId: Id });

/** Sent only after the event is durably stored; the agent may then drop it from its outbox. */
export const AckFrame = z.object({ type: z.literal("ack"), runId: Id, seq: z.number().int().nonnegative() });

export const ErrorFrame = z.object({
  type: z.literal("error"),
  code: z.string().max(64),
  message: z.string().max(1000),
  /** The run it concerns, when any. */
  runId: Id.optional(),
  /** The event it concerns, when any (e.g. an event the run state machine refused; it is acked too). */
  seq: z.number().int().nonnegative().optional(),
});

export const ServerFrame = z.discriminatedUnion("type", [
  WelcomeFrame,
  RunRequestFrame,
  RunCancelFrame,
  AckFrame,
  ErrorFrame,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

// ---- agent -> collector -------------------------------------------------------------------------

export const HelloFrame = z.object({
  type: z.literal("hello"),
  protocol: z.number().int(),
  agentVersion: z.string().max(50),
  /** The checks this agent build can run. */
  checks: z.array(CheckId).max(50),
});

/**
 * Durable run events. Each carries (runId, seq): seq starts at 0 per run and increases by one per
 * event, so the collector stores each exactly once and acknowledges it by (runId, seq).
 */
const RunEventBase = { runId: Id, seq: z.number().int().nonnegative().max(100000), at: z.number().int() };

/**
 * The agent has the run request (seq 0 of a requested run, written to its outbox before it is sent):
 * the collector stops re-sending the request. The agent never starts a run id twice.
 */
export const RunReceivedEvent = z.object({ type: z.literal("run.received"), ...RunEventBase });
/** The agent is asking the customer; `until` is when an unanswered question counts as refused. */
export const RunConsentEvent = z.object({ type: z.literal("run.consent"), ...RunEventBase, until: z.number().int() });
export const RunAcceptedEvent = z.object({ type: z.literal("run.accepted"), ...RunEventBase });
export const RunRefusedEvent = z.object({
  type: z.literal("run.refused"),
  ...RunEventBase,
  code: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/),
  reason: z.string().max(1000),
});
export const StepEvent = z.object({ type: z.literal("step"), ...RunEventBase, result: StepResult });
export const VerdictEvent = z.object({ type: z.literal("verdict"), ...RunEventBase, verdict: Verdict });
export const RunFinishedEvent = z.object({
  type: z.literal("run.finished"),
  ...RunEventBase,
  outcome: z.enum(["completed", "cancelled", "failed"]),
  /** How many step events this run produced (lets the collector tell when it has them all). */
  steps: z.number().int().nonnegative(),
  /** Why it was cancelled or failed (e.g. "the customer revoked the grant"). */
  reason: z.string().max(1000).optional(),
});
/** A run the customer started locally (e.g. during an outage) and that is now uploaded to a ticket. */
export const OfflineRunEvent = z.object({
  type: z.literal("run.offline"),
  ...RunEventBase,
  ticketId: Id,
  checks: z.array(CheckId).min(1).max(20),
});

export const RunEvent = z.discriminatedUnion("type", [
  RunReceivedEvent,
  RunConsentEvent,
  RunAcceptedEvent,
  RunRefusedEvent,
  StepEvent,
  VerdictEvent,
  RunFinishedEvent,
  OfflineRunEvent,
]);
export type RunEvent = z.infer<typeof RunEvent>;

export const AgentFrame = z.discriminatedUnion("type", [
  HelloFrame,
  RunReceivedEvent,
  RunConsentEvent,
  RunAcceptedEvent,
  RunRefusedEvent,
  StepEvent,
  VerdictEvent,
  RunFinishedEvent,
  OfflineRunEvent,
]);
export type AgentFrame = z.infer<typeof AgentFrame>;

/**
 * Why the collector refused one run event for good (sent in an `error` frame with the event's runId,
 * then the event is acknowledged so the agent does not send it again). SECURITY.md, "Limits".
 * TICKET_NOT_ALLOWED: run.offline names a ticket the agent was neither enrolled for nor asked to run
 *   on (or that does not exist: the two look the same). RUN_TOO_BIG: the run holds its byte limit.
 * TOO_MANY_RUNS: the agent added its hourly limit of offline runs. TIMESTAMP_OUT_OF_RANGE: `at` or a
 *   step's `startedAt` is too far ahead of or behind the collector's clock (the agent's clock is wrong).
 */
export const EVENT_REFUSAL_CODES = ["TICKET_NOT_ALLOWED", "RUN_TOO_BIG", "TOO_MANY_RUNS", "TIMESTAMP_OUT_OF_RANGE"] as const;
export type EventRefusalCode = (typeof EVENT_REFUSAL_CODES)[number];

/** WebSocket close codes used on purpose (RFC 6455 §7.4.1 plus the private 4000-4999 range). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  policyViolation: 1008,
  /**
   * The collector is restarting (SIGTERM drain): not an error, and not final. The agent reconnects with
   * its usual jittered backoff (agent/link/collector-link.ts) and replays its outbox to the next one.
   */
  serviceRestart: 1012,
  messageTooBig: 1009,
  tryAgainLater: 1013,
  /** Another connection authenticated as the same agent; the older one is replaced. */
  replaced: 4001,
  /** The agent was revoked while connected. */
  revoked: 4003,
} as const;
