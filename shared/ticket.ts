// The support desk's ticket process (docs/support-process.md): lifecycle states, the bodies of each
// action, the escalation hand-over, the verify-fix comparison and the knowledge entries. The collector
// validates every request with these; the CLI and the web console read the same types.
import { z } from "zod";
import { Id } from "./protocol.js";
import { hasControlChars } from "./terminal-text.js";

const Paragraph = (max: number) =>
  z.string().max(max).refine((s) => !hasControlChars(s, true), { message: "must not contain control characters (escape sequences)" });

/**
 * new: taken in, nobody has acted yet (the response deadline runs); diagnosing: an engineer is working
 * on it (a diagnosis was triggered or the status set by hand); waiting_customer: the next move is the
 * customer's (re-plug, restart, authorize, be home for the visit); escalated: handed over to another
 * team with the hand-over record; resolved: fixed, waiting for the customer's confirmation; closed:
 * confirmed (or the customer could not be reached), with the resolution on record. collector/tickets/
 * ticket-state.ts is the one place that moves a ticket between them.
 */
export const TICKET_STATUSES = ["new", "diagnosing", "waiting_customer", "escalated", "resolved", "closed"] as const;
export const TicketStatus = z.enum(TICKET_STATUSES);
export type TicketStatus = z.infer<typeof TicketStatus>;

/**
 * An external ticket system's own id for a ticket (INC0012345, JIRA-123, crm:98765): 1-100 letters,
 * digits and . _ : - , starting with a letter or digit. Nothing that needs escaping in a URL query,
 * a log line or a terminal.
 */
export const ExternalId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, "externalId: 1-100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit");

/** Who a ticket is escalated to (DOMAIN: network operations, field service, ...). */
export const EscalationTeam = z.enum(["network_operations", "field_service", "second_line", "service_owner"]);
export type EscalationTeam = z.infer<typeof EscalationTeam>;

/** What fixed it: recorded when the ticket is resolved, shown as "what fixed this last time". */
export const Resolution = z
  .object({
    /** The root cause in words ("splitter loose at the cabinet"). */
    rootCause: Paragraph(2000).min(1),
    /** What fixed it ("re-seated the splitter, line resynced at 300M"). */
    fix: Paragraph(2000).min(1),
    /** The healthy run that verified the fix; absent when resolved with `unverifiedReason`. */
    verificationRunId: Id.optional(),
    /** Why it was resolved without a healthy verification run (the customer's agent is gone, ...). */
    unverifiedReason: Paragraph(1000).optional(),
    /** The verdict cause the ticket was diagnosed with (the knowledge base is keyed by it). */
    cause: z.string().max(100).optional(),
    segment: z.string().max(20).optional(),
  })
  .strict();
export type Resolution = z.infer<typeof Resolution>;

/** The customer's answer at the follow-up call (用户确认, 回访). */
export const Confirmation = z
  .object({
    /** confirmed: the customer says it works; unreachable: follow-up attempts failed (note says which). */
    outcome: z.enum(["confirmed", "unreachable"]),
    /** 1 (very unhappy) .. 5 (very happy); required when confirmed. */
    satisfaction: z.number().int().min(1).max(5).optional(),
    note: Paragraph(2000).optional(),
  })
  .strict();
export type Confirmation = z.infer<typeof Confirmation>;

// ---- action bodies (one per lifecycle action; POST /api/tickets/:id/<action>) ----------------------

const Note = Paragraph(2000);

/** POST /api/tickets/:id/status: the moves that need no more than a note. */
export const SetStatusBody = z.object({ to: z.enum(["diagnosing", "waiting_customer"]), note: Note.optional() }).strict();
export const EscalateBody = z.object({ to: EscalationTeam, note: Note.optional() }).strict();
export const ResolveBody = z
  .object({
    rootCause: Paragraph(2000).min(1),
    fix: Paragraph(2000).min(1),
    /** Required unless a healthy verification run exists on the ticket after its newest failing run. */
    unverifiedReason: Paragraph(1000).min(1).optional(),
    note: Note.optional(),
  })
  .strict();
export const CloseBody = Confirmation;
export const ReopenBody = z.object({ note: Note.min(1) }).strict();
/** POST /api/tickets/:id/verify: re-runs the checks of the failing run on the same agent. */
export const VerifyBody = z.object({ pickupTimeoutS: z.number().int().min(5).max(3600).default(300) }).strict();

/** The action as the state machine sees it. */
export type TicketAction =
  | { kind: "set_status"; to: "diagnosing" | "waiting_customer"; note?: string | undefined }
  /** A diagnosis was triggered on the ticket (moves new/waiting_customer to diagnosing). */
  | { kind: "diagnosis_triggered"; runId: string }
  | { kind: "escalate"; to: EscalationTeam; note?: string | undefined }
  | { kind: "resolve"; resolution: Resolution; note?: string | undefined }
  | { kind: "close"; confirmation: Confirmation }
  | { kind: "reopen"; note: string };
export type TicketActionKind = TicketAction["kind"];

/** One entry of a ticket's history: every transition, with who, when and a note. */
export const TicketHistoryEntry = z.object({
  at: z.number().int(),
  actor: z.string(),
  action: z.string(),
  from: TicketStatus,
  to: TicketStatus,
  note: z.string().optional(),
  /** Action details (team escalated to, run id, satisfaction, ...). */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type TicketHistoryEntry = z.infer<typeof TicketHistoryEntry>;

// ---- deadlines --------------------------------------------------------------------------------------

export const DeadlineState = z.object({
  due: z.number().int(),
  /** When it was met (first response; resolution); absent = not yet. */
  metAt: z.number().int().optional(),
  /** due - now while not met (negative = overdue); due - metAt once met (negative = met late). */
  leftMs: z.number().int(),
  overdue: z.boolean(),
});
export type DeadlineState = z.infer<typeof DeadlineState>;
export const TicketDeadlines = z.object({ respond: DeadlineState, resolve: DeadlineState });
export type TicketDeadlines = z.infer<typeof TicketDeadlines>;

function deadlineState(due: number, metAt: number | undefined, now: number): DeadlineState {
  if (metAt !== undefined) return { due, metAt, leftMs: due - metAt, overdue: false };
  return { due, leftMs: due - now, overdue: now > due };
}

/**
 * Time left or overdue for both deadlines: the response deadline is met by the first move out of
 * "new", the resolution deadline at resolvedAt (a reopened ticket's clock runs again).
 */
export function deadlineStatus(
  t: { respondBy: number; resolveBy: number; firstResponseAt?: number | undefined; resolvedAt?: number | undefined },
  now: number,
): TicketDeadlines {
  return { respond: deadlineState(t.respondBy, t.firstResponseAt, now), resolve: deadlineState(t.resolveBy, t.resolvedAt, now) };
}

// ---- list query ------------------------------------------------------------------------------------

const csv = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .max(200)
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(item).max(10));

/** GET /api/tickets query (also the web console's filter form). */
export const TicketQuery = z
  .object({
    status: csv(TicketStatus).optional(),
    severity: csv(z.enum(["general", "important", "severe"])).optional(),
    /** "1": only tickets past a deadline not met (response or resolution). */
    overdue: z.enum(["0", "1"]).optional(),
    agentId: Id.optional(),
    /** The newest verdict cause on the ticket (e.g. ROUTER_NAT_FAILED). */
    cause: z.string().regex(/^[A-Z0-9_]{1,60}$/).optional(),
    /** The ticket an external system opened with this id (shared/api.ts ExternalId): at most one. */
    externalId: ExternalId.optional(),
    /** deadline: the nearest unmet deadline first (overdue on top); created: newest first. */
    sort: z.enum(["deadline", "created"]).default("deadline"),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();
export type TicketQuery = z.infer<typeof TicketQuery>;

// ---- escalation hand-over ------------------------------------------------------------------------

export const HandoverStep = z.object({
  runId: Id,
  check: z.string(),
  status: z.string(),
  durationMs: z.number().optional(),
  /** warn/fail findings: "CODE: message". */
  findings: z.array(z.string()),
});
export const Handover = z.object({
  ticketId: Id,
  to: EscalationTeam.optional(),
  escalatedAt: z.number().int().optional(),
  escalatedBy: z.string().optional(),
  status: TicketStatus,
  severity: z.string(),
  category: z.string(),
  symptom: z.string(),
  startedAt: z.string().optional(),
  frequency: z.string().optional(),
  alreadyTried: z.string().optional(),
  /** As the reader's role permits (a technician sees the site, contact details are masked). */
  customer: z.object({ name: z.string(), contact: z.string(), site: z.string().optional() }),
  service: z.string(),
  deadlines: TicketDeadlines,
  /** The run the verdict comes from (the newest completed run with a verdict). */
  verdict: z
    .object({
      runId: Id,
      segment: z.string(),
      cause: z.string(),
      summary: z.string(),
      evidence: z.array(z.string()),
      nextSteps: z.array(z.string()),
    })
    .optional(),
  /** Every step already checked (已排查步骤), oldest run first. */
  steps: z.array(HandoverStep),
  /** The ticket's history up to now. */
  history: z.array(TicketHistoryEntry),
  note: z.string().optional(),
});
export type Handover = z.infer<typeof Handover>;

// ---- verify-fix comparison -------------------------------------------------------------------------

export const StepChange = z.enum(["fixed", "still_failing", "new_failure", "still_ok", "not_compared"]);
export const ComparisonRow = z.object({
  check: z.string(),
  before: z.string().optional(),
  after: z.string().optional(),
  change: StepChange,
  /** Finding codes (warn/fail) that went away / stayed / appeared. */
  cleared: z.array(z.string()),
  remaining: z.array(z.string()),
  appeared: z.array(z.string()),
});
export type ComparisonRow = z.infer<typeof ComparisonRow>;
export const RunComparison = z.object({
  ticketId: Id,
  before: z.object({ runId: Id, createdAt: z.number().int(), segment: z.string().optional(), cause: z.string().optional() }),
  after: z.object({ runId: Id, createdAt: z.number().int(), state: z.string(), segment: z.string().optional(), cause: z.string().optional() }),
  rows: z.array(ComparisonRow),
  /** true when the after run completed with verdict segment "none" and no row is still failing. */
  healthy: z.boolean(),
});
export type RunComparison = z.infer<typeof RunComparison>;

// ---- knowledge ------------------------------------------------------------------------------------

export const KnowledgeEntry = z.object({
  ticketId: Id,
  cause: z.string(),
  segment: z.string().optional(),
  rootCause: z.string(),
  fix: z.string(),
  resolvedAt: z.number().int(),
  verified: z.boolean(),
  satisfaction: z.number().int().optional(),
});
export type KnowledgeEntry = z.infer<typeof KnowledgeEntry>;
export const Knowledge = z.object({ cause: z.string(), tickets: z.array(KnowledgeEntry), total: z.number().int() });
