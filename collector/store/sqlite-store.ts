// The collector's embedded store: the Store interface over one SQLite file (WAL, one write queue with
// group commit, versioned migrations). Callers never see SQL; see collector/store/types.ts.
import { z } from "zod";
import { DEFAULT_DEADLINES, deadlinesFor } from "../tickets/deadlines.js";
import type { CreateTicketBody, Role, Run, RunState, StoredStep, Ticket, UnreadablePart } from "../../shared/api.js";
import { createLogger, type Logger } from "../../shared/log.js";
import { RunParams, type RunEvent } from "../../shared/protocol.js";
import { Verdict } from "../../shared/verdict.js";
import { decide, isTerminal, LIVE_STATES, WAITING_STATES, type CollectorRunInput, type RunDecision } from "../runs/run-state.js";
import { scrubRunEvent, scrubSecrets } from "../auth/redact.js";
import { prepareDataFiles, tightenDataFiles } from "./file-modes.js";
import { migrate } from "./migrations.js";
import { readRecord, type ReadRecord } from "./read-record.js";
import { TICKET_SELECT, toTicket, type TicketRow } from "./ticket-row.js";
import { StoredStepBody } from "../../shared/steps/stored.js";
import { SqliteDb, type SqlParams, type SqlValue, type SyncMode, type Tx } from "./sqlite-db.js";
import { DEFAULT_LIMITS } from "../limits.js";
import * as accounts from "./sqlite-accounts.js";
import type { MaintenanceStore } from "./maintenance-store.js";
import { SqliteMaintenance } from "./maintenance-sqlite.js";
import type { WebhookStore } from "./webhook-store.js";
import { SqliteWebhookStore, type EventSink } from "./sqlite-webhooks.js";
import * as desk from "./sqlite-tickets.js";
import * as ops from "./sqlite-ops.js";
import type { KnowledgeEntry, TicketAction, TicketHistoryEntry, TicketQuery } from "../../shared/ticket.js";
import type {
  AgentRecord,
  AppendLimits,
  AppendResult,
  AuditEvent,
  AuditFilter,
  ConsumeCodeResult,
  NewRun,
  RunSelector,
  RunTransition,
  ReenrollResult,
  RunsView,
  SessionRecord,
  TicketScope,
  TicketTransitionResult,
  UserRecord,
  StepPage,
  Store,
  TokenRecord,
} from "./types.js";

export interface SqliteStoreOptions {
  /**
   * Default FULL: the collector acks a step result to the agent only after COMMIT, and the agent then
   * drops it from its outbox, so the store is the only copy. NORMAL (WAL) already survives kill -9 of
   * the collector, but not power loss or a kernel crash; FULL closes that gap for one fsync per
   * COMMIT, which group commit shares among every event that arrived meanwhile (bench/store-bench.ts).
   */
  synchronous?: SyncMode;
  /** How long to wait for another process's write lock (e.g. a backup tool) before failing. */
  busyTimeoutMs?: number;
  maxBatch?: number;
  /** Where unreadable stored records are reported (default: JSON lines on stderr). */
  log?: Logger;
}

// 5 s: only another process (sqlite3 CLI, a backup) ever holds the lock; longer would stall every write.
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
// 500 events per COMMIT: group commit gains little beyond a few hundred, and it bounds an ack's latency.
const MAX_EVENTS_PER_COMMIT = 500;

const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

/** A new ticket has none of the lifecycle columns (migration v4) set yet. */
const NO_LIFECYCLE_YET = {
  first_response_at: null,
  escalated_to: null,
  escalated_at: null,
  resolved_at: null,
  closed_at: null,
  resolution: null,
  confirmation: null,
  resolution_cause: null,
  last_run_id: null,
  last_segment: null,
  last_cause: null,
} as const;
type NewTicketColumns = keyof typeof NO_LIFECYCLE_YET;

const sqlList = (states: readonly RunState[]) => states.map((st) => `'${st}'`).join(", ");

// ---- row shapes and mapping ----------------------------------------------------------------------

interface AgentRow {
  id: string;
  name: string;
  hostname: string | null;
  ticket_id: string | null;
  secret_hash: string;
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
}

interface RunRow {
  id: string;
  ticket_id: string;
  agent_id: string;
  checks: string;
  params: string;
  state: RunState;
  requested_by: string;
  created_at: number;
  updated_at: number;
  pickup_by: number;
  reason: string | null;
  offline: number;
  verdict: string | null;
  steps_pruned: number;
  steps_pruned_at: number | null;
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  agent_id: string | null;
  ticket_id: string | null;
  run_id: string | null;
  outcome: string;
  detail: string | null;
}

/** NULL column -> absent property (the API's optional fields), never `null`. */
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
const nul = <T extends SqlValue>(v: T | undefined): T | null => (v === undefined ? null : v);

function toAgent(r: AgentRow): AgentRecord {
  return stripUndefined({
    id: r.id,
    name: r.name,
    hostname: opt(r.hostname),
    ticketId: opt(r.ticket_id),
    secretHash: r.secret_hash,
    createdAt: r.created_at,
    lastSeenAt: opt(r.last_seen_at),
    revokedAt: opt(r.revoked_at),
  });
}

function toToken(r: TokenRow): TokenRecord {
  return stripUndefined({
    id: r.id,
    name: r.name,
    role: r.role,
    hash: r.hash,
    createdAt: r.created_at,
    expiresAt: opt(r.expires_at),
    revokedAt: opt(r.revoked_at),
  });
}

// JSON columns are read back through the bounded parser and their schema (read-record.ts): a row
// written before the input limits existed, or damaged on disk, must not make the read fail.
const RunChecks = z.array(z.string());
/** A stored run.consent event: only when the customer's answer is due. */
const StoredConsentBody = z.object({ until: z.number() });

/** A run's JSON columns parsed; what could not be read is left out and listed in `unreadable`. */
function toRun(r: RunRow, steps: StoredStep[], unreadable: UnreadablePart[], consentUntil?: number): Run {
  const col = <T>(part: UnreadablePart["part"], rec: ReadRecord<T>, fallback: T): T => {
    if (rec.ok) return rec.value;
    unreadable.push({ part, code: rec.code, reason: rec.reason });
    return fallback;
  };
  const checks = col("checks", readRecord(r.checks, RunChecks), []);
  const params = col("params", readRecord(r.params, RunParams), {});
  const verdict = r.verdict === null ? undefined : col("verdict", readRecord(r.verdict, Verdict), undefined);
  return stripUndefined({
    id: r.id,
    ticketId: r.ticket_id,
    agentId: r.agent_id,
    checks,
    params,
    state: r.state,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    pickupBy: r.pickup_by,
    reason: opt(r.reason),
    offline: r.offline === 1,
    verdict,
    consentUntil: r.state === "awaiting_consent" ? consentUntil : undefined,
    steps,
    stepsPruned: r.steps_pruned > 0 && r.steps_pruned_at !== null ? { at: r.steps_pruned_at, steps: r.steps_pruned } : undefined,
    unreadable: unreadable.length ? unreadable : undefined,
  });
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Steps fetched per query while filling a page: 16 frames of at most 256 KiB = 4 MiB in memory. */
const STEP_CHUNK = 16;
/** Page of a run read without one given (the API always gives its own): collector/limits.ts. */
const DEFAULT_PAGE: StepPage = { maxSteps: DEFAULT_LIMITS.read.stepPageMax, maxBytes: DEFAULT_LIMITS.read.stepPageBytes };

const RUN_COLUMNS =
  "id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at, pickup_by, reason, offline, verdict, steps_pruned, steps_pruned_at";

// ---- the store -----------------------------------------------------------------------------------

class SqliteStore implements Store {
  /** Online backup and the retention prune (maintenance-sqlite.ts). */
  readonly maintenance: MaintenanceStore;
  /** The webhook outbox: written by the transactions below (events), read by the dispatcher. */
  private readonly hooks: SqliteWebhookStore;
  readonly webhooks: WebhookStore;

  constructor(
    private readonly db: SqliteDb,
    private readonly log: Logger,
    maintenance: { path: string; busyTimeoutMs: number },
  ) {
    this.maintenance = new SqliteMaintenance(db, maintenance.path, maintenance.busyTimeoutMs);
    this.hooks = new SqliteWebhookStore(db, log);
    this.webhooks = this.hooks;
  }

  /** Transactions committed / writes they carried (group commit shows as jobs > commits). */
  get stats(): { commits: number; jobs: number } {
    return { ...this.db.stats };
  }

  // tickets

  async createTicket(id: string, body: CreateTicketBody, createdBy: string, now: number, deadlines?: { respondBy: number; resolveBy: number }): Promise<Ticket> {
    // Without the collector's policy (tests, benches seeding a store): the default policy, same rule.
    const due = deadlines ?? deadlinesFor(DEFAULT_DEADLINES, body.severity, now);
    const row: Omit<TicketRow, "agent_id" | NewTicketColumns> = {
      id,
      customer_name: body.customer.name,
      customer_contact: body.customer.contact,
      customer_site: nul(body.customer.site),
      service: body.service,
      symptom: body.symptom,
      started_at: nul(body.startedAt),
      frequency: nul(body.frequency),
      already_tried: nul(body.alreadyTried),
      category: body.category,
      severity: body.severity,
      status: "new",
      created_at: now,
      created_by: createdBy,
      respond_by: due.respondBy,
      resolve_by: due.resolveBy,
      external_id: nul(body.externalId),
    };
    const cols = Object.keys(row);
    // The lookup and the insert in one job of the write queue: two requests with the same externalId
    // cannot both insert (and the unique index would refuse the second anyway).
    const existing = await this.db.write(async (tx) => {
      if (row.external_id !== null) {
        const found = await tx.get<TicketRow>(`${TICKET_SELECT} WHERE external_id = ?`, [row.external_id]);
        if (found) return found;
      }
      await tx.run(`INSERT INTO tickets (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, Object.values(row) as SqlParams);
      return undefined;
    });
    return toTicket(existing ?? { ...row, ...NO_LIFECYCLE_YET }, this.log);
  }

  async getTicket(id: string): Promise<Ticket | undefined> {
    const r = await this.db.get<TicketRow>(`${TICKET_SELECT} WHERE id = ?`, [id]);
    return r && toTicket(r, this.log);
  }

  listTickets(q: TicketQuery, now: number, scope?: TicketScope): Promise<Ticket[]> {
    return desk.listTickets(this.db, this.log, q, now, scope);
  }

  async transitionTicket(id: string, a: TicketAction, actor: string, now: number): Promise<TicketTransitionResult> {
    const sink = this.hooks.sink();
    const r = await desk.transitionTicket(this.db, this.log, id, a, actor, now, sink);
    this.hooks.committed(sink);
    return r;
  }

  listTicketHistory(ticketId: string): Promise<TicketHistoryEntry[]> {
    return desk.listTicketHistory(this.db, this.log, ticketId);
  }

  listKnowledge(cause: string, o: { excludeTicketId?: string; limit: number }): Promise<{ tickets: KnowledgeEntry[]; total: number }> {
    return desk.listKnowledge(this.db, this.log, cause, o);
  }


  // web console users and sessions (sqlite-accounts.ts)

  createUser = (u: UserRecord) => accounts.createUser(this.db, u);
  getUser = (id: string) => accounts.getUser(this.db, id);
  findUserByName = (username: string) => accounts.findUserByName(this.db, username);
  listUsers = () => accounts.listUsers(this.db);
  updateUser = (id: string, patch: { passwordHash?: string; role?: Role; disabledAt?: number }) => accounts.updateUser(this.db, id, patch);
  getTokenById = (id: string) => accounts.getTokenById(this.db, id);
  createSession = (s: SessionRecord) => accounts.createSession(this.db, s);
  findSession = (idHash: string) => accounts.findSession(this.db, idHash);
  touchSession = (idHash: string, now: number) => accounts.touchSession(this.db, idHash, now);
  revokeSession = (idHash: string, now: number) => accounts.revokeSession(this.db, idHash, now);
  revokeSessionsOf = (kind: SessionRecord["kind"], subjectId: string, now: number) => accounts.revokeSessionsOf(this.db, kind, subjectId, now);

  // enrollment codes and agents

  async createEnrollmentCode(codeHash: string, expiresAt: number, createdBy: string, ticketId?: string): Promise<void> {
    await this.db.write((tx) =>
      tx.run("INSERT INTO enrollment_codes (hash, ticket, expires_at, created_by) VALUES (?, ?, ?, ?)", [
        codeHash,
        nul(ticketId),
        expiresAt,
        createdBy,
      ]),
    );
  }

  consumeEnrollmentCode(codeHash: string, now: number): Promise<ConsumeCodeResult> {
    return this.db.write((tx) => claimCode(tx, codeHash, now));
  }

  async createAgent(a: AgentRecord): Promise<void> {
    await this.db.write((tx) =>
      tx.run(
        `INSERT INTO agents (id, name, hostname, ticket_id, secret_hash, created_at, last_seen_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [a.id, a.name, nul(a.hostname), nul(a.ticketId), a.secretHash, a.createdAt, nul(a.lastSeenAt), nul(a.revokedAt)],
      ),
    );
  }

  async getAgent(id: string): Promise<AgentRecord | undefined> {
    const r = await this.db.get<AgentRow>("SELECT * FROM agents WHERE id = ?", [id]);
    return r && toAgent(r);
  }

  async listAgents(): Promise<AgentRecord[]> {
    return (await this.db.all<AgentRow>("SELECT * FROM agents ORDER BY created_at, id")).map(toAgent);
  }

  async touchAgent(id: string, now: number): Promise<void> {
    // max(): a delayed touch from an older connection never moves lastSeenAt backwards.
    await this.db.write((tx) =>
      tx.run("UPDATE agents SET last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ?", [now, id]),
    );
  }

  /** true when the agent exists (revoked now, or already: the first revocation time is kept). */
  async revokeAgent(id: string, now: number): Promise<boolean> {
    const r = await this.db.write((tx) =>
      tx.run("UPDATE agents SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [now, id]),
    );
    return r.changes > 0;
  }

  reenrollAgent(codeHash: string, agentId: string, secretHash: string, now: number): Promise<ReenrollResult> {
    return this.db.write(async (tx): Promise<ReenrollResult> => {
      // Jobs of the write queue never interleave, so nothing commits between these statements; the
      // revoked_at conditions still say the rule where it is enforced.
      const agent = await tx.get<AgentRow>("SELECT * FROM agents WHERE id = ?", [agentId]);
      if (!agent) return { ok: false, reason: "unknown" };
      if (agent.revoked_at !== null) return { ok: false, reason: "revoked" };
      const claimed = await claimCode(tx, codeHash, now);
      if (!claimed.ok) return claimed;
      const r = await tx.run("UPDATE agents SET secret_hash = ? WHERE id = ? AND revoked_at IS NULL", [secretHash, agentId]);
      if (r.changes === 0) throw new Error(`reenrollAgent: agent ${agentId} changed inside its own transaction`);
      return { ok: true, agent: toAgent({ ...agent, secret_hash: secretHash }) };
    });
  }

  // runs and their events

  async createRun(run: NewRun): Promise<void> {
    await this.db.write((tx) =>
      tx.run(
        `INSERT INTO runs (id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at,
           pickup_by, offline) VALUES (?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?)`,
        [
          run.id,
          run.ticketId,
          run.agentId,
          JSON.stringify(run.checks),
          JSON.stringify(run.params),
          run.requestedBy,
          run.createdAt,
          run.createdAt,
          run.pickupBy,
          run.offline ? 1 : 0,
        ],
      ),
    );
  }

  async getRun(id: string, page: StepPage = DEFAULT_PAGE): Promise<Run | undefined> {
    const rows = await this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    return rows[0] && (await this.withSteps(rows[0], page, Infinity)).run;
  }

  async listRunsForTicket(ticketId: string, view: RunsView = {}): Promise<Run[]> {
    // The newest maxRuns, loaded newest first (they get the step budget first), returned oldest first.
    const rows = await this.db.all<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE ticket_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
      [ticketId, view.maxRuns ?? -1],
    );
    return (await this.runsWithSteps(rows, view)).reverse();
  }

  async countRunsForTicket(ticketId: string): Promise<number> {
    return (await this.db.get<{ n: number }>("SELECT count(*) AS n FROM runs WHERE ticket_id = ?", [ticketId]))?.n ?? 0;
  }

  async listRunsForAgent(agentId: string, limit: number, view: RunsView = {}): Promise<Run[]> {
    const rows = await this.db.all<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE agent_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
      [agentId, limit],
    );
    return this.runsWithSteps(rows, view);
  }

  async pendingRunsForAgent(agentId: string, now: number): Promise<Run[]> {
    const rows = await this.db.all<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE agent_id = ? AND state IN (${sqlList(WAITING_STATES)}) AND pickup_by > ? ORDER BY created_at, id`,
      [agentId, now],
    );
    return this.runsWithSteps(rows, {});
  }

  /** Each run with its first page of steps, all of them sharing `view.totalBytes`. */
  private async runsWithSteps(rows: RunRow[], view: RunsView): Promise<Run[]> {
    const runs: Run[] = [];
    let budget = view.totalBytes ?? Infinity;
    for (const r of rows) {
      const { run, bytes } = await this.withSteps(r, view.page ?? DEFAULT_PAGE, budget);
      budget -= bytes;
      runs.push(run);
    }
    return runs;
  }

  /**
   * The run with one page of its steps: those after `page.afterSeq`, at most `page.maxSteps`, until
   * `page.maxBytes` would be passed (the page's first step always comes, however large) or the shared
   * `budget` would be (strictly: a view of many runs never goes over it). Read in small chunks, so a
   * run of any size costs one page of memory. `nextAfterSeq` is set when more steps are stored.
   */
  private async withSteps(r: RunRow, page: StepPage, budget: number): Promise<{ run: Run; bytes: number }> {
    const steps: StoredStep[] = [];
    const unreadable: UnreadablePart[] = [];
    let after = page.afterSeq ?? -1;
    let bytes = 0;
    let rows = 0;
    let more = false;
    if (budget <= 0) {
      more = (await this.db.get("SELECT 1 FROM run_events WHERE run_id = ? AND type = 'step' AND seq > ? LIMIT 1", [r.id, after])) !== undefined;
    }
    while (!more && budget > 0) {
      const chunk = await this.db.all<{ seq: number; received_at: number; body: string }>(
        "SELECT seq, received_at, body FROM run_events WHERE run_id = ? AND type = 'step' AND seq > ? ORDER BY seq LIMIT ?",
        [r.id, after, STEP_CHUNK],
      );
      for (const e of chunk) {
        const size = Buffer.byteLength(e.body);
        if (rows >= page.maxSteps || bytes + size > budget || (rows > 0 && bytes + size > page.maxBytes)) {
          more = true;
          break;
        }
        rows++;
        bytes += size;
        after = e.seq;
        const body = readRecord(e.body, StoredStepBody);
        if (body.ok) steps.push({ seq: e.seq, receivedAt: e.received_at, result: body.value.result });
        else unreadable.push({ part: "step", seq: e.seq, code: body.code, reason: body.reason });
      }
      if (chunk.length < STEP_CHUNK) break;
    }
    // When the customer's answer is due: the newest run.consent event, read only while it matters.
    let consentUntil: number | undefined;
    if (r.state === "awaiting_consent") {
      const c = await this.db.get<{ body: string }>("SELECT body FROM run_events WHERE run_id = ? AND type = 'run.consent' ORDER BY seq DESC LIMIT 1", [r.id]);
      const rec = c && readRecord(c.body, StoredConsentBody);
      if (rec?.ok) consentUntil = rec.value.until;
    }
    const run = toRun(r, steps, unreadable, consentUntil);
    for (const u of run.unreadable ?? []) this.log.warn("unreadable stored record", { runId: r.id, ...u });
    return { run: more ? { ...run, nextAfterSeq: after } : run, bytes };
  }

  async transitionRuns(sel: RunSelector, input: CollectorRunInput, now: number): Promise<RunTransition[]> {
    const [where, params]: [string, SqlParams] =
      "runId" in sel ? ["id = ?", [sel.runId]]
      : "agentId" in sel ? [`agent_id = ? AND state IN (${sqlList(LIVE_STATES)})`, [sel.agentId]]
      : [`state IN (${sqlList(WAITING_STATES)}) AND pickup_by <= ?`, [sel.pickupDueBy]];
    const sink = this.hooks.sink();
    const ts = await this.db.write(async (tx) => {
      const rows = await tx.all<{ id: string; ticket_id: string; agent_id: string; state: RunState; pickup_by: number; reason: string | null }>(
        `SELECT id, ticket_id, agent_id, state, pickup_by, reason FROM runs WHERE ${where} ORDER BY created_at, id`,
        params,
      );
      if ("runId" in sel && rows.length === 0) throw new Error(`transitionRuns: unknown run ${sel.runId}`);
      const out: RunTransition[] = [];
      for (const r of rows) {
        // Collector-side inputs read only the state and the deadline; steps/verdict do not matter to them.
        const decision = decide({ state: r.state, pickupBy: r.pickup_by, hasSteps: false, hasVerdict: false }, input, opt(r.reason));
        await writeDecision(tx, r.id, decision, now, sink);
        out.push({ runId: r.id, ticketId: r.ticket_id, agentId: r.agent_id, pickupBy: r.pickup_by, from: r.state, decision });
      }
      return out;
    });
    this.hooks.committed(sink);
    return ts;
  }

  /** Equipment secrets never reach the file (nor its WAL): the event is scrubbed before it is written. */
  async appendRunEvent(agentId: string, event: RunEvent, receivedAt: number, limits: AppendLimits = DEFAULT_LIMITS.ingest): Promise<AppendResult> {
    const clean = scrubRunEvent(event);
    // Serialized before queueing: the byte count is of exactly what is stored.
    const body = JSON.stringify(clean);
    const sink = this.hooks.sink();
    const r = await this.db.write((tx) => applyRunEvent(tx, agentId, clean, body, receivedAt, limits, sink));
    this.hooks.committed(sink);
    return r;
  }

  // tokens

  async createToken(t: TokenRecord): Promise<void> {
    await this.db.write((tx) =>
      tx.run(
        "INSERT INTO tokens (id, name, role, hash, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [t.id, t.name, t.role, t.hash, t.createdAt, nul(t.expiresAt), nul(t.revokedAt)],
      ),
    );
  }

  /** Returns revoked and expired tokens too: the caller decides (and audits why it denies). */
  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const r = await this.db.get<TokenRow>("SELECT * FROM tokens WHERE hash = ?", [hash]);
    return r && toToken(r);
  }

  async listTokens(): Promise<TokenRecord[]> {
    return (await this.db.all<TokenRow>("SELECT * FROM tokens ORDER BY created_at, id")).map(toToken);
  }

  /** true when the token exists (revoked now, or already: the first revocation time is kept). */
  async revokeToken(id: string, now: number): Promise<boolean> {
    const r = await this.db.write((tx) =>
      tx.run("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [now, id]),
    );
    return r.changes > 0;
  }

  async countTokens(): Promise<number> {
    return (await this.db.get<{ n: number }>("SELECT count(*) AS n FROM tokens"))?.n ?? 0;
  }

  // audit

  async appendAudit(e: AuditEvent): Promise<void> {
    await this.db.write((tx) =>
      tx.run(
        `INSERT INTO audit (at, actor, action, agent_id, ticket_id, run_id, outcome, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          e.at,
          e.actor,
          e.action,
          nul(e.agentId),
          nul(e.ticketId),
          nul(e.runId),
          e.outcome,
          // Details quote what agents sent (a refusal reason): scrubbed like the run events themselves.
          e.detail === undefined ? null : JSON.stringify(scrubSecrets(e.detail)),
        ],
      ),
    );
  }

  /** Newest first. */
  async listAudit(f: AuditFilter): Promise<(AuditEvent & { id: number })[]> {
    const conds: string[] = [];
    const params: SqlValue[] = [];
    const eq = (col: string, v: string | undefined): void => {
      if (v !== undefined) (conds.push(`${col} = ?`), params.push(v));
    };
    eq("actor", f.actor);
    eq("action", f.action);
    eq("agent_id", f.agentId);
    eq("ticket_id", f.ticketId);
    if (f.since !== undefined) (conds.push("at >= ?"), params.push(f.since));
    if (f.until !== undefined) (conds.push("at < ?"), params.push(f.until));
    if (f.beforeId !== undefined) (conds.push("id < ?"), params.push(f.beforeId));
    const limit = Math.min(Math.max(1, f.limit ?? DEFAULT_AUDIT_LIMIT), MAX_AUDIT_LIMIT);
    const rows = await this.db.all<AuditRow>(
      `SELECT * FROM audit ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map((r) =>
      stripUndefined({
        id: r.id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        agentId: opt(r.agent_id),
        ticketId: opt(r.ticket_id),
        runId: opt(r.run_id),
        outcome: r.outcome,
        detail: r.detail === null ? undefined : this.auditDetail(r),
      }),
    );
  }

  /** An audit row's detail; one that cannot be read says so instead of failing the whole listing. */
  private auditDetail(r: AuditRow): Record<string, unknown> {
    const rec = readRecord(r.detail ?? "{}", z.record(z.string(), z.unknown()));
    if (rec.ok) return rec.value;
    this.log.warn("unreadable stored record", { auditId: r.id, part: "detail", code: rec.code, reason: rec.reason });
    return { unreadable: rec.code };
  }

  async integrityCheck(): Promise<string> {
    const rows = await this.db.all<{ integrity_check: string }>("PRAGMA integrity_check");
    return rows.map((r) => r.integrity_check).join("\n");
  }

  // readiness and metrics (sqlite-ops.ts)
  probeWrite = () => ops.probeWrite(this.db);
  countRunsByState = () => ops.countRunsByState(this.db);

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * Writes a decision's state and reason (and the verdict an event carries). A refusal writes nothing; a
 * collector-side no-op neither (`always` is for stored events: a new step is a change of the run too).
 * Every run's state is written here, so this is where a run reaching its end becomes a webhook event
 * (run.finished, collector/webhooks/events.ts), in the same transaction.
 */
async function writeDecision(tx: Tx, runId: string, d: RunDecision, now: number, sink: EventSink, always = false, verdict: string | null = null, bytes = 0): Promise<void> {
  if (!d.ok || (!d.changed && !always)) return;
  await tx.run("UPDATE runs SET state = ?, reason = ?, verdict = coalesce(?, verdict), updated_at = ?, bytes = bytes + ? WHERE id = ?", [d.state, nul(d.reason), verdict, now, bytes, runId]);
  await sink.runStateWritten(tx, runId, d.changed, d.state, now);
}

/** Marks a code used, inside the caller's transaction; the conditional UPDATE is the atomic claim. */
async function claimCode(tx: Tx, codeHash: string, now: number): Promise<ConsumeCodeResult> {
  const claimed = await tx.all<{ ticket: string | null }>(
    "UPDATE enrollment_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING ticket",
    [now, codeHash, now],
  );
  const c = claimed[0];
  if (c) return c.ticket === null ? { ok: true } : { ok: true, ticketId: c.ticket };
  const row = await tx.get<{ used_at: number | null }>("SELECT used_at FROM enrollment_codes WHERE hash = ?", [codeHash]);
  if (!row) return { ok: false, reason: "unknown" };
  return { ok: false, reason: row.used_at !== null ? "used" : "expired" };
}

const HOUR_MS = 3_600_000;

/**
 * One event, inside the caller's transaction: ownership and limits, then duplicate (by (runId, seq)),
 * then the run state machine, then the insert and its effect on the run. The write queue runs one job
 * at a time, so the counts checked here cannot change before the insert.
 */
async function applyRunEvent(tx: Tx, agentId: string, event: RunEvent, body: string, receivedAt: number, limits: AppendLimits, sink: EventSink): Promise<AppendResult> {
  const run = await tx.get<{ agent_id: string; ticket_id: string; state: RunState; pickup_by: number; reason: string | null; has_verdict: number; bytes: number; created_at: number }>(
    "SELECT agent_id, ticket_id, state, pickup_by, reason, verdict IS NOT NULL AS has_verdict, bytes, created_at FROM runs WHERE id = ?",
    [event.runId],
  );
  const bytes = Buffer.byteLength(body);
  if (!run) {
    if (event.type !== "run.offline") return { outcome: "unknown_run" };
    // The agent names the ticket, so it must be one this agent may write to: the ticket it was enrolled
    // for, or one an engineer ran it on. An unknown ticket looks the same (no probing of ticket ids).
    const allowed = await tx.get(
      `SELECT 1 FROM tickets WHERE id = ? AND (
         EXISTS (SELECT 1 FROM agents WHERE id = ? AND ticket_id = tickets.id)
         OR EXISTS (SELECT 1 FROM runs WHERE ticket_id = tickets.id AND agent_id = ? AND offline = 0))`,
      [event.ticketId, agentId, agentId],
    );
    if (!allowed) {
      return { outcome: "refused", code: "TICKET_NOT_ALLOWED", reason: `ticket ${event.ticketId} is not one this agent was enrolled for or asked to run on`, effects: [] };
    }
    const recent = await tx.get<{ n: number }>("SELECT count(*) AS n FROM runs WHERE agent_id = ? AND offline = 1 AND pickup_by > ?", [
      agentId,
      receivedAt - HOUR_MS,
    ]);
    if ((recent?.n ?? 0) >= limits.maxOfflineRunsPerHour) {
      return { outcome: "refused", code: "TOO_MANY_RUNS", reason: `this agent already uploaded ${limits.maxOfflineRunsPerHour} offline runs in the last hour; try again later`, effects: [] };
    }
    await tx.run(
      `INSERT INTO runs (id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at,
         pickup_by, offline) VALUES (?, ?, ?, ?, '{}', 'running', ?, ?, ?, ?, 1)`,
      [event.runId, event.ticketId, agentId, JSON.stringify(event.checks), `agent:${agentId}`, event.at, receivedAt, receivedAt],
    );
    await insertEvent(tx, event, body, receivedAt);
    await tx.run("UPDATE runs SET bytes = bytes + ? WHERE id = ?", [bytes, event.runId]);
    return { outcome: "stored", state: "running", changed: true };
  }
  // Another agent's run looks exactly like a missing one: no probing of run ids across agents.
  if (run.agent_id !== agentId) return { outcome: "unknown_run" };

  // A replay is answered before anything else: a primary-key lookup.
  if (await tx.get("SELECT 1 FROM run_events WHERE run_id = ? AND seq = ?", [event.runId, event.seq])) return { outcome: "duplicate" };
  // Steps stop at maxRunBytes; the other events (accepted, verdict, finished) may use a small reserve
  // beyond it, so a run that filled up still gets its verdict and its end.
  const cap = limits.maxRunBytes + (event.type === "step" ? 0 : limits.runEndReserveBytes);
  if (run.bytes + bytes > cap) {
    return { outcome: "refused", code: "RUN_TOO_BIG", reason: `run ${event.runId} already holds ${run.bytes} bytes; a run may hold ${limits.maxRunBytes} bytes of steps`, effects: [] };
  }
  // The rest of the snapshot is read only when the machine can need it, so an ordinary step costs no
  // scan of the run's events: whether a step is stored (for a verdict), and the agent's end (only a
  // finished run has one).
  const hasSteps = event.type === "verdict" && (await tx.get("SELECT 1 FROM run_events WHERE run_id = ? AND type = 'step' LIMIT 1", [event.runId])) !== undefined;
  const end = isTerminal(run.state)
    ? await tx.get<{ seq: number }>("SELECT seq FROM run_events WHERE run_id = ? AND type IN ('run.finished', 'run.refused') LIMIT 1", [event.runId])
    : undefined;
  const d = decide(
    { state: run.state, pickupBy: run.pickup_by, hasSteps, hasVerdict: run.has_verdict === 1, ...(end ? { endSeq: end.seq } : {}) },
    { kind: "event", event },
    opt(run.reason),
  );
  if (!d.ok) return { outcome: "refused", code: d.code, reason: d.reason, effects: d.effects };
  await insertEvent(tx, event, body, receivedAt);
  await writeDecision(tx, event.runId, d, receivedAt, sink, true, event.type === "verdict" ? JSON.stringify(event.verdict) : null, bytes);
  if (event.type === "verdict") await noteTicketVerdict(tx, run.ticket_id, event.runId, run.created_at, event.verdict);
  return { outcome: "stored", state: d.state, changed: d.changed, ...(d.reason !== undefined ? { reason: d.reason } : {}) };
}

/**
 * The ticket's newest verdict (list filter "cause", knowledge), in the transaction that stores the
 * verdict. A verdict of an older run (an offline run uploaded late) does not replace a newer run's.
 */
async function noteTicketVerdict(tx: Tx, ticketId: string, runId: string, runCreatedAt: number, v: Verdict): Promise<void> {
  await tx.run(
    `UPDATE tickets SET last_run_id = ?, last_segment = ?, last_cause = ? WHERE id = ? AND (last_run_id IS NULL OR last_run_id = ?
       OR NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = tickets.last_run_id AND (runs.created_at > ? OR (runs.created_at = ? AND runs.id > ?))))`,
    [runId, v.segment, v.cause, ticketId, runId, runCreatedAt, runCreatedAt, runId],
  );
}

async function insertEvent(tx: Tx, event: RunEvent, body: string, receivedAt: number): Promise<void> {
  await tx.run("INSERT INTO run_events (run_id, seq, type, body, received_at) VALUES (?, ?, ?, ?, ?)", [event.runId, event.seq, event.type, body, receivedAt]);
}

/** Opens (creating file and directory, private to this user: file-modes.ts) and migrates the store at `path`. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<Store & { stats: SqliteStore["stats"] }> {
  const log = opts.log ?? createLogger("store");
  await prepareDataFiles(path, log);
  const busyTimeoutMs = opts.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
  const db = await SqliteDb.open(
    path,
    {
      synchronous: opts.synchronous ?? "FULL",
      busyTimeoutMs,
      maxBatch: opts.maxBatch ?? MAX_EVENTS_PER_COMMIT,
    },
    async (tx) => {
      await migrate(tx);
    },
  );
  // Opening created the -wal and -shm files with the database file's mode; make sure of it.
  await tightenDataFiles(path);
  return new SqliteStore(db, log, { path, busyTimeoutMs });
}
