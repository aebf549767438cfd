// HTTP API bodies and responses. The collector validates every request body with these; the CLI and
// tests parse responses with them, so a drift between server and client fails loudly.
import { StoredStepResultTyped } from "./steps/stored.js";
import { z } from "zod";
import { CheckId, StepResult } from "./checks.js";
import { Id, RunParams } from "./protocol.js";
import { hasControlChars } from "./terminal-text.js";
import { Verdict } from "./verdict.js";
import { Confirmation, EscalationTeam, ExternalId, Resolution, TicketDeadlines, TicketStatus } from "./ticket.js";

/**
 * Text a person typed that is later printed on terminals (names, ticket fields): control characters
 * (ANSI/OSC escape sequences, CR, bidi overrides) are refused where it is made. Printers escape them
 * too (shared/terminal-text.ts), for records older than this rule and for what agents report.
 */
const Line = (max: number) =>
  z.string().max(max).refine((s) => !hasControlChars(s), { message: "must not contain control characters (escape sequences, line breaks)" });
/** Like Line, but newlines and tabs are allowed (a symptom described over several lines). */
const Paragraph = (max: number) =>
  z.string().max(max).refine((s) => !hasControlChars(s, true), { message: "must not contain control characters (escape sequences)" });

/**
 * admin, engineer, technician: people (API tokens and the web console). integration: an external
 * ticket system's API token (docs/webhooks.md, "Inbound"): it may open tickets, read the tickets that
 * carry an externalId and their hand-overs, and request runs on them; no web console, nothing else.
 */
export const ROLES = ["admin", "engineer", "technician", "integration"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;
/** The roles a person signs in to the web console with (users are created with one of these). */
export const CONSOLE_ROLES = ["admin", "engineer", "technician"] as const satisfies readonly Role[];
export const ConsoleRole = z.enum(CONSOLE_ROLES);

// ---- tickets (DOMAIN.md §2, intake) ---------------------------------------------------------------

export const TicketCategory = z.enum(["network", "service", "terminal", "billing", "other"]);
export const TicketSeverity = z.enum(["general", "important", "severe"]);

export const CreateTicketBody = z
  .object({
    customer: z
      .object({
        name: Line(200).min(1),
        contact: Line(200).min(1),
        /** Site / address where the device is (for the field technician). */
        site: Paragraph(500).optional(),
      })
      .strict(),
    service: Line(200).min(1),
    symptom: Paragraph(4000).min(1),
    startedAt: Line(100).optional(),
    frequency: Line(200).optional(),
    alreadyTried: Paragraph(2000).optional(),
    category: TicketCategory.default("network"),
    severity: TicketSeverity.default("general"),
    /**
     * The external ticket system's id (docs/webhooks.md, "Inbound"): unique; a POST with an externalId
     * already on a ticket returns that ticket (200) instead of opening another, or 409 when the intake differs.
     */
    externalId: ExternalId.optional(),
  })
  .strict();
export type CreateTicketBody = z.infer<typeof CreateTicketBody>;

const HOUR_MS = 3_600_000;
/**
 * Response and resolution time limits by severity (DOMAIN.md §2: severity fixes both). Defaults an ISP
 * would start from; the collector stamps respondBy/resolveBy on the ticket from these at intake.
 */
export const TICKET_DEADLINES_MS: Record<z.infer<typeof TicketSeverity>, { respond: number; resolve: number }> = {
  severe: { respond: HOUR_MS / 2, resolve: 8 * HOUR_MS },
  important: { respond: 2 * HOUR_MS, resolve: 24 * HOUR_MS },
  general: { respond: 4 * HOUR_MS, resolve: 72 * HOUR_MS },
};

export { ExternalId, TicketStatus } from "./ticket.js";

/**
 * What a ticket id looks like: "tk_" and 12 base64url characters (randomId("tk_"), 9 random bytes, in
 * collector/routes/tickets.ts). Customers type ticket ids read to them over the phone; the agent checks
 * the shape before granting anything for one.
 */
export const TicketIdFormat = /^tk_[A-Za-z0-9_-]{12}$/;

export const Ticket = z.object({
  id: Id,
  customer: z.object({ name: z.string(), contact: z.string(), site: z.string().optional() }),
  service: z.string(),
  symptom: z.string(),
  startedAt: z.string().optional(),
  frequency: z.string().optional(),
  alreadyTried: z.string().optional(),
  category: TicketCategory,
  severity: TicketSeverity,
  status: TicketStatus,
  createdAt: z.number().int(),
  createdBy: z.string(),
  /** Response/resolution deadlines derived from severity (epoch ms). */
  respondBy: z.number().int(),
  resolveBy: z.number().int(),
  /** When the ticket first left "new" (the response deadline is met then). */
  firstResponseAt: z.number().int().optional(),
  /** Set while escalated (and kept after, for the record): to whom and when. */
  escalatedTo: EscalationTeam.optional(),
  escalatedAt: z.number().int().optional(),
  resolvedAt: z.number().int().optional(),
  closedAt: z.number().int().optional(),
  resolution: Resolution.optional(),
  confirmation: Confirmation.optional(),
  /** The newest verdict stored on a run of this ticket (list filter "cause"). */
  lastVerdict: z.object({ runId: Id, segment: z.string(), cause: z.string() }).optional(),
  /** The agent enrolled for this ticket or the newest one run on it. */
  agentId: Id.optional(),
  /** Time left or overdue, computed at read time by the collector (absent in the store's own records). */
  deadlines: TicketDeadlines.optional(),
  /** The external ticket system's id, when the ticket was opened with one. */
  externalId: z.string().optional(),
});
export type Ticket = z.infer<typeof Ticket>;

// ---- runs ---------------------------------------------------------------------------------------

/**
 * The run's lifecycle; collector/runs/run-state.ts is the one place that moves a run between them.
 * requested: queued, the agent is offline (sent when it connects); sent: written to the agent's
 * connection, not yet acknowledged (re-sent on every reconnect until it is); received: the agent
 * acknowledged it; awaiting_consent: the agent is asking the customer; running: the agent accepted it;
 * delivering: the agent has the run but its link dropped, its answer and results follow on reconnect;
 * completed/cancelled/failed: the agent said so (or cancelled before the agent received it); refused:
 * the agent refused (no grant, unknown check); expired: not acknowledged by its pickup deadline.
 */
export const RunState = z.enum([
  "requested",
  "sent",
  "received",
  "awaiting_consent",
  "running",
  "delivering",
  "completed",
  "cancelled",
  "failed",
  "refused",
  "expired",
]);
export type RunState = z.infer<typeof RunState>;
export const TERMINAL_RUN_STATES: readonly RunState[] = ["completed", "cancelled", "failed", "refused", "expired"];

export const CreateRunBody = z
  .object({
    ticketId: Id,
    agentId: Id,
    checks: z.array(CheckId).min(1).max(20),
    params: RunParams.default({}),
    /** How long the collector waits for the agent to pick the run up (seconds). */
    pickupTimeoutS: z.number().int().min(5).max(3600).default(300),
  })
  .strict();
export type CreateRunBody = z.infer<typeof CreateRunBody>;

/** A stored step: its result as stored (shared/steps/stored.ts: older rows stay readable). */
export const StoredStep = z.object({ seq: z.number().int(), receivedAt: z.number().int(), result: StoredStepResultTyped });
export type StoredStep = z.infer<typeof StoredStep>;

/**
 * A part of a stored run that could not be read back (a damaged file, or data stored before the input
 * limits existed): it is left out of the run and listed here instead, so one bad record never makes
 * the whole read fail. The collector logs each one ("unreadable stored record").
 */
export const UnreadablePart = z.object({
  part: z.enum(["step", "verdict", "checks", "params"]),
  /** The event's seq, for a step. */
  seq: z.number().int().optional(),
  /** JSON_TOO_DEEP, JSON_TOO_MANY_KEYS, JSON_ARRAY_TOO_LONG, JSON_STRING_TOO_LONG, MALFORMED_JSON, INVALID_RECORD. */
  code: z.string(),
  reason: z.string(),
});
export type UnreadablePart = z.infer<typeof UnreadablePart>;

export const Run = z.object({
  id: Id,
  ticketId: Id,
  agentId: Id,
  /** The checks as requested (strings: a stored request may name a check this build does not know). */
  checks: z.array(z.string()),
  params: RunParams,
  state: RunState,
  requestedBy: z.string(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  /** Epoch ms by which the agent must have picked the run up, else it expires. */
  pickupBy: z.number().int(),
  /** Why the run is in its state: refused / failed / cancelled / expired, or queued after a dropped link. */
  reason: z.string().optional(),
  /** In awaiting_consent: when the customer's answer is due (the agent's clock, epoch ms). */
  consentUntil: z.number().int().optional(),
  /** true when the agent ran it locally and uploaded it later. */
  offline: z.boolean(),
  verdict: Verdict.optional(),
  steps: z.array(StoredStep),
  /** Parts of the stored record left out because they could not be read; absent when none. */
  unreadable: z.array(UnreadablePart).optional(),
  /**
   * Set when the retention setting removed this run's step results (docs/operations.md, "Retention"):
   * when, and how many. The run record and its verdict stay; `steps` holds only what is left (none, or
   * a step that arrived after the prune). Absent: nothing was pruned.
   */
  stepsPruned: z.object({ at: z.number().int(), steps: z.number().int().min(1) }).optional(),
  /**
   * Set when more steps are stored than this response carries (reads are paged by count and size):
   * GET /api/runs/:id?afterSeq=<this> returns the next page. Absent when `steps` is complete.
   */
  nextAfterSeq: z.number().int().optional(),
});
export type Run = z.infer<typeof Run>;

export const TicketWithRuns = Ticket.extend({
  runs: z.array(Run),
  /** How many older runs were left out (a ticket returns its newest runs); read them by id. */
  olderRuns: z.number().int().optional(),
});
export type TicketWithRuns = z.infer<typeof TicketWithRuns>;

/** Server-Sent Events on GET /api/runs/:id/events: event name -> data schema. */
export const RunStreamEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("step"), seq: z.number().int(), result: StepResult }),
  z.object({ type: z.literal("verdict"), verdict: Verdict }),
  z.object({
    type: z.literal("state"),
    state: RunState,
    reason: z.string().optional(),
    /** requested/sent: when the run expires unless the agent acknowledges it; awaiting_consent: when the customer's answer is due. */
    until: z.number().int().optional(),
  }),
]);
export type RunStreamEvent = z.infer<typeof RunStreamEvent>;

/**
 * Server-Sent Events on GET /api/tickets/:id/events: "watching" once the watch is set up, then "run"
 * each time a run of the ticket gets an update (new, or an offline run uploaded by its agent).
 */
export const TicketStreamEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("watching"), ticketId: Id }),
  z.object({ type: z.literal("run"), runId: Id, agentId: Id, offline: z.boolean(), state: RunState, createdAt: z.number().int() }),
]);
export type TicketStreamEvent = z.infer<typeof TicketStreamEvent>;

// ---- enrollment and agents -----------------------------------------------------------------------

export const CreateEnrollmentBody = z
  .object({
    ticketId: Id.optional(),
    /** Validity of the code (seconds). */
    ttlS: z.number().int().min(60).max(7 * 24 * 3600).default(24 * 3600),
  })
  .strict();

export const EnrollmentCreated = z.object({
  code: z.string(),
  expiresAt: z.number().int(),
  /** The URL the customer's agent enrolls with (the collector's --public-url), when it is configured. */
  collectorUrl: z.string().optional(),
  /** SHA-256 (hex) of the one-file agent the collector serves at GET /download/netdiag-agent.js, which
   * the customer's command verifies; absent when the collector has no agent bundle to serve. */
  agentSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export const EnrollBody = z
  .object({
    code: z.string().min(8).max(64),
    name: Line(200).min(1),
    hostname: Line(253).optional(),
    agentVersion: Line(50),
  })
  .strict();
export type EnrollBody = z.infer<typeof EnrollBody>;

export const Enrolled = z.object({
  agentId: Id,
  /** Shown once; the collector keeps only its hash. */
  secret: z.string(),
  ticketId: Id.optional(),
});

export const Agent = z.object({
  id: Id,
  name: z.string(),
  hostname: z.string().optional(),
  ticketId: Id.optional(),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int().optional(),
  revokedAt: z.number().int().optional(),
  connected: z.boolean(),
});
export type Agent = z.infer<typeof Agent>;

// ---- device state (what the field technician reads before going on site) ---------------------------

export const DeviceCheckState = z.object({
  runId: Id,
  /** When the step ran (agent clock, epoch ms). */
  at: z.number().int(),
  status: z.string(),
  findings: z.array(z.object({ code: z.string(), severity: z.string(), message: z.string(), subject: z.string().optional() })),
  data: z.record(z.string(), z.unknown()),
});

export const DeviceChange = z.object({
  check: z.string(),
  /** status: the step's status changed; appeared / cleared: a warn or fail finding came or went. */
  kind: z.enum(["status", "appeared", "cleared"]),
  detail: z.string(),
});

export const DeviceState = z.object({
  agent: Agent,
  /** The newest measured result of each check (skipped and errored steps are not state). */
  latest: z.record(z.string(), DeviceCheckState),
  /** Recent runs, newest first, with their verdicts. */
  runs: z.array(
    z.object({
      id: Id,
      ticketId: Id,
      createdAt: z.number().int(),
      state: RunState,
      offline: z.boolean(),
      verdict: z.object({ segment: z.string(), cause: z.string(), summary: z.string() }).optional(),
    }),
  ),
  /** The newest completed run whose verdict found nothing wrong; undefined = none on record. */
  lastGoodRunId: Id.optional(),
  /** What differs between the newest run and the last good one. */
  changes: z.array(DeviceChange),
});
export type DeviceState = z.infer<typeof DeviceState>;

// ---- tokens ---------------------------------------------------------------------------------------

export const CreateTokenBody = z
  .object({
    name: Line(100).min(1),
    role: Role,
    /** Lifetime in seconds; omitted = does not expire. */
    ttlS: z.number().int().min(60).max(5 * 365 * 24 * 3600).optional(),
  })
  .strict();
export const TokenCreated = z.object({ id: Id, token: z.string(), role: Role, expiresAt: z.number().int().optional() });

// ---- errors -------------------------------------------------------------------------------------

export const ApiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof ApiError>;
