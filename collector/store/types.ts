// The collector's storage interface: narrow on purpose, so the embedded SQLite store can be swapped for
// a server database in large deployments. Callers never see SQL, rows or connections.
import type { Role, RunState, Ticket, CreateTicketBody, Run } from "../../shared/api.js";
import type { EventRefusalCode, RunEvent } from "../../shared/protocol.js";
import type { IngestLimits } from "../limits.js";
import type { CollectorRunInput, RunDecision, RunEffect, RunRefusalCode } from "../runs/run-state.js";
import type { KnowledgeEntry, TicketAction, TicketHistoryEntry, TicketQuery } from "../../shared/ticket.js";
import type { TicketRefusalCode } from "../tickets/ticket-state.js";
import type { MaintenanceStore } from "./maintenance-store.js";
import type { LinkStore } from "./sql-links.js";
import type { WebhookStore } from "./webhook-store.js";

export interface NewRun {
  id: string;
  ticketId: string;
  agentId: string;
  checks: string[];
  params: Record<string, unknown>;
  requestedBy: string;
  /** Epoch ms after which an unsent/unaccepted run becomes "expired". */
  pickupBy: number;
  offline?: boolean;
  createdAt: number;
}

/** Which steps of a run one read loads (collector/limits.ts ReadLimits). */
export interface StepPage {
  /** Only steps with a larger seq (default: from the first). */
  afterSeq?: number;
  maxSteps: number;
  /** Bytes of stored steps; the first step of a page comes even if it is larger. */
  maxBytes: number;
}

/** How much of many runs one read loads. */
export interface RunsView {
  /** Only the newest runs (default: all). */
  maxRuns?: number;
  /** Each run's page (default: collector/limits.ts). */
  page?: Omit<StepPage, "afterSeq">;
  /** Bytes of steps shared by all the runs; a run past it comes without steps, marked (default: no limit). */
  totalBytes?: number;
}

export interface AgentRecord {
  id: string;
  name: string;
  hostname?: string;
  ticketId?: string;
  secretHash: string;
  createdAt: number;
  lastSeenAt?: number;
  revokedAt?: number;
}

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  hash: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
}

export interface AuditEvent {
  at: number;
  /** Who: "token:<id>:<name>", "agent:<id>", "system". */
  actor: string;
  /** What: e.g. "run.request", "run.refused", "ticket.read", "agent.enroll", "auth.denied". */
  action: string;
  agentId?: string;
  ticketId?: string;
  runId?: string;
  /** allowed / denied / ok / error. */
  outcome: string;
  detail?: Record<string, unknown>;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  agentId?: string;
  ticketId?: string;
  since?: number;
  until?: number;
  /** Only rows older than this row id (paging through a long trail, newest first). */
  beforeId?: number;
  limit?: number;
}

export type ConsumeCodeResult =
  | { ok: true; ticketId?: string }
  | { ok: false; reason: "unknown" | "expired" | "used" };

/** A re-enrollment: the code claimed and the secret replaced together, or neither. */
export type ReenrollResult = { ok: true; agent: AgentRecord } | { ok: false; reason: "unknown" | "expired" | "used" | "revoked" };

/** What appendRunEvent enforces in the event's own transaction (defaults: collector/limits.ts). */
export type AppendLimits = Pick<IngestLimits, "maxRunBytes" | "runEndReserveBytes" | "maxOfflineRunsPerHour">;

/**
 * Result of one run event: "stored" the first time (with the run's state after it), "duplicate" on
 * replay (still ack it), "unknown_run" (not this agent's run), "refused" by the run state machine or by
 * an ingest limit (stored nowhere; the agent is told why and acked so it does not resend it).
 */
export type AppendResult =
  | { outcome: "stored"; state: RunState; changed: boolean; reason?: string }
  | { outcome: "duplicate" }
  | { outcome: "unknown_run" }
  | { outcome: "refused"; code: RunRefusalCode | EventRefusalCode; reason: string; effects: RunEffect[] };

/** An event refused for good by ownership or an ingest limit (collector/limits.ts): the hub reports it once per run. */
export interface AppendRefusal {
  refused: EventRefusalCode;
  message: string;
}

/** One WebSocket link of an agent, held by one collector node (collector/store/sql-links.ts). */
export interface LinkRef {
  agentId: string;
  nodeId: string;
  linkId: string;
}

/** Which runs a collector-side input applies to. */
export type RunSelector =
  /** `whileLink`: only while that link is the agent's current one (several collectors: collector/cluster/). */
  | { runId: string; whileLink?: LinkRef }
  /**
   * Every run of the agent that can still change (link lost). `releaseLink`: only if that link is the
   * agent's current one, and its agent_links row is removed in the same transaction; an older link's
   * loss then changes nothing (the agent is running its runs through a newer link, maybe on another node).
   */
  | { agentId: string; releaseLink?: LinkRef }
  /** Runs not acknowledged whose pickup deadline is at or before this time (expiry sweep). */
  | { pickupDueBy: number };

/** One run's transition as decided by collector/runs/run-state.ts and applied by the store. */
export interface RunTransition {
  runId: string;
  ticketId: string;
  agentId: string;
  pickupBy: number;
  from: RunState;
  decision: RunDecision;
}

/** Which tickets a caller may list at all: "external" = only those opened with an externalId (the integration role). */
export type TicketScope = "all" | "external";

/** A ticket action applied by collector/tickets/ticket-state.ts in the store's transaction. */
export type TicketTransitionResult =
  | { ok: true; ticket: Ticket; changed: boolean; entry?: TicketHistoryEntry }
  | { ok: false; code: TicketRefusalCode | "NOT_FOUND"; message: string };

/** A person who signs in to the web console with a password (API tokens sign in too: SessionRecord). */
export interface UserRecord {
  id: string;
  username: string;
  /** scrypt: "scrypt$N$r$p$saltB64$hashB64" (collector/web/auth/password.ts). */
  passwordHash: string;
  role: Role;
  createdAt: number;
  disabledAt?: number;
}

/** A web console session: the cookie holds the id, the store only its SHA-256 hash. */
export interface SessionRecord {
  idHash: string;
  /** Signed in with a password (user) or an API token (token); the subject must stay valid. */
  kind: "user" | "token";
  subjectId: string;
  name: string;
  role: Role;
  /** Sent in every form and compared on every POST (CSRF). */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  revokedAt?: number;
}

export interface Store {
  /** The durable webhook queue and its delivery log (collector/store/webhook-store.ts). */
  readonly webhooks: WebhookStore;
  /** Online backup and retention (collector/store/maintenance-store.ts). */
  readonly maintenance: MaintenanceStore;
  /** Which collector holds each agent's link, and which collectors are alive (collector/store/sql-links.ts). */
  readonly links: LinkStore;

  // tickets
  /**
   * `deadlines`: respondBy/resolveBy from the collector's policy (collector/tickets/deadlines.ts). With
   * a `body.externalId` already on a ticket nothing is written and THAT ticket is returned (its id is
   * not `id`): the caller tells "created" from "already there" by the id.
   */
  createTicket(id: string, body: CreateTicketBody, createdBy: string, now: number, deadlines?: { respondBy: number; resolveBy: number }): Promise<Ticket>;
  getTicket(id: string): Promise<Ticket | undefined>;
  /** Filtered and sorted as the query asks (`now` decides what is overdue); `scope` narrows it further. */
  listTickets(q: TicketQuery, now: number, scope?: TicketScope): Promise<Ticket[]>;
  /**
   * Applies a lifecycle action through collector/tickets/ticket-state.ts in ONE transaction: reads the
   * ticket, decides, writes the patch and a history entry (when it changed). Refusals change nothing.
   */
  transitionTicket(id: string, action: TicketAction, actor: string, now: number): Promise<TicketTransitionResult>;
  /** The ticket's history, oldest first. */
  listTicketHistory(ticketId: string): Promise<TicketHistoryEntry[]>;
  /** Resolved or closed tickets whose resolution has this verdict cause, newest first. */
  listKnowledge(cause: string, o: { excludeTicketId?: string; limit: number }): Promise<{ tickets: KnowledgeEntry[]; total: number }>;

  // web console users and sessions
  createUser(u: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  findUserByName(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(id: string, patch: { passwordHash?: string; role?: Role; disabledAt?: number }): Promise<boolean>;
  getTokenById(id: string): Promise<TokenRecord | undefined>;
  createSession(s: SessionRecord): Promise<void>;
  findSession(idHash: string): Promise<SessionRecord | undefined>;
  touchSession(idHash: string, now: number): Promise<void>;
  revokeSession(idHash: string, now: number): Promise<boolean>;
  /** Revokes every session of a user or token (disabled user, revoked token, password changed). */
  revokeSessionsOf(kind: SessionRecord["kind"], subjectId: string, now: number): Promise<number>;

  // enrollment codes (stored as hashes) and agents
  createEnrollmentCode(codeHash: string, expiresAt: number, createdBy: string, ticketId?: string): Promise<void>;
  /** Atomically marks the code used; a second call with the same code gets reason "used". */
  consumeEnrollmentCode(codeHash: string, now: number): Promise<ConsumeCodeResult>;
  createAgent(agent: AgentRecord): Promise<void>;
  getAgent(id: string): Promise<AgentRecord | undefined>;
  listAgents(): Promise<AgentRecord[]>;
  touchAgent(id: string, now: number): Promise<void>;
  /** Sets revoked_at once; nothing ever clears it (revocation is final). */
  revokeAgent(id: string, now: number): Promise<boolean>;
  /**
   * Re-enrollment in ONE transaction: claims the code bound to `agentId` and replaces the agent's
   * secret hash only while the agent is not revoked. A revocation committed before it wins ("revoked",
   * nothing changed); one committed after it revokes the new secret too.
   */
  reenrollAgent(codeHash: string, agentId: string, secretHash: string, now: number): Promise<ReenrollResult>;

  // runs and their events
  /** With `audit`, the run and its audit record commit together (one transaction): neither without the other. */
  createRun(run: NewRun, audit?: AuditEvent): Promise<void>;
  /** The run with one page of its steps (default page: collector/limits.ts); `nextAfterSeq` if more. */
  getRun(id: string, page?: StepPage): Promise<Run | undefined>;
  /** The ticket's runs, oldest first, each with its first page of steps (the newest `maxRuns` if given). */
  listRunsForTicket(ticketId: string, view?: RunsView): Promise<Run[]>;
  countRunsForTicket(ticketId: string): Promise<number>;
  /** This agent's most recent runs with the first page of their steps, newest first. */
  listRunsForAgent(agentId: string, limit: number, view?: RunsView): Promise<Run[]>;
  /**
   * Runs of this agent the agent has not acknowledged yet (requested or sent, not past pickupBy):
   * (re)sent on every connection until it does.
   */
  pendingRunsForAgent(agentId: string, now: number): Promise<Run[]>;
  /**
   * Applies a collector-side input (dispatch, link lost, cancel, expiry) to the selected runs through
   * the run state machine, in one transaction; returns every selected run's decision (refusals too).
   * Throws on an unknown run id.
   */
  transitionRuns(sel: RunSelector, input: CollectorRunInput, now: number): Promise<RunTransition[]>;
  /**
   * Stores one run event idempotently by (runId, seq) and applies it to the run (state, reason,
   * verdict) through the run state machine in the same transaction. Resolves only after the write is
   * durable (committed). A run.offline may create a run only on a ticket the agent was enrolled for or
   * has been asked to run on, and only `maxOfflineRunsPerHour` of them; a run holds at most
   * `maxRunBytes` of steps (RUN_TOO_BIG).
   */
  appendRunEvent(agentId: string, event: RunEvent, receivedAt: number, limits?: AppendLimits): Promise<AppendResult>;

  // tokens
  createToken(t: TokenRecord): Promise<void>;
  findTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, now: number): Promise<boolean>;
  countTokens(): Promise<number>;

  // audit (append-only: there is no update or delete)
  appendAudit(e: AuditEvent): Promise<void>;
  listAudit(f: AuditFilter): Promise<(AuditEvent & { id: number })[]>;

  /** Runs SQLite's integrity check (or the server DB's equivalent); "ok" when healthy. */
  integrityCheck(): Promise<string>;
  /** Readiness (GET /readyz): a real, cheap write through the write queue; rejects when the store cannot take one. */
  probeWrite(): Promise<void>;
  /** Runs per state (GET /metrics). */
  countRunsByState(): Promise<Partial<Record<RunState, number>>>;
  close(): Promise<void>;
}
