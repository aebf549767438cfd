// The collector's store: the Store interface written ONCE against the SqlDb seam (sql.ts), over either
// driver: SQLite (sqlite-db.ts, the embedded default: one file, WAL) or PostgreSQL (pg-db.ts, several
// collectors on one server). Callers never see SQL; see collector/store/types.ts. The open functions
// at the end choose the driver, migrate (migrations.ts, one list for both) and build the store.
import { z } from "zod";
import { DEFAULT_DEADLINES, deadlinesFor } from "../tickets/deadlines.js";
import type { CreateTicketBody, Role, Run, RunState, StoredStep, Ticket, UnreadablePart } from "../../shared/api.js";
import { createLogger, type Logger } from "../../shared/log.js";
import { prepareDataFiles, tightenDataFiles } from "./file-modes.js";
import { migrate } from "./migrations.js";
import { SqliteDb, type SyncMode } from "./sqlite-db.js";
import { sqliteBackup, sqliteIntegrityCheck } from "./maintenance-sqlite.js";
import { PG_BACKUP_REFUSAL, pgIntegrityCheck } from "./maintenance-pg.js";
import { PgDb } from "./pg-db.js";
import { isPostgresUrl, maskDatabaseUrl } from "./database-url.js";
import { RunParams, type RunEvent } from "../../shared/protocol.js";
import { Verdict } from "../../shared/verdict.js";
import { decide, LIVE_STATES, WAITING_STATES, type CollectorRunInput } from "../runs/run-state.js";
import { scrubRunEvent, scrubSecrets } from "../auth/redact.js";
import { readRecord, type ReadRecord } from "./read-record.js";
import { TICKET_SELECT, toTicket, type TicketRow } from "./ticket-row.js";
import { StoredStepBody } from "../../shared/steps/stored.js";
import type { BatchKind, SqlDb, SqlParams, SqlValue, Tx } from "./sql.js";
import { DEFAULT_LIMITS } from "../limits.js";
import * as accounts from "./sql-accounts.js";
import { toToken, type TokenRow } from "./sql-accounts.js";
import type { BackupReport, MaintenanceStore } from "./maintenance-store.js";
import { SqlMaintenance } from "./maintenance-prune.js";
import type { WebhookStore } from "./webhook-store.js";
import { SqlWebhookStore } from "./sql-webhooks.js";
import { isCurrentLinkTx, releaseLinkTx, SqlLinks, type LinkStore } from "./sql-links.js";
import { applyRunEvent, writeDecision } from "./sql-run-events.js";
import { stepBatchKind, type StepItem } from "./step-batch.js";
import * as desk from "./sql-tickets.js";
import * as ops from "./sql-ops.js";
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

/** What differs per engine outside SQL: the integrity check and the backup (maintenance-*.ts). */
export interface EngineOps {
  /** "ok" when healthy, else what is wrong. */
  integrityCheck(): Promise<string>;
  backupTo(dest: string): Promise<BackupReport>;
}

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

export class SqlStore implements Store {
  /** Online backup (per engine) and the retention prune (maintenance-prune.ts). */
  readonly maintenance: MaintenanceStore;
  /** The webhook outbox: written by the transactions below (events), read by the dispatcher. */
  private readonly hooks: SqlWebhookStore;
  readonly webhooks: WebhookStore;
  /** Steps queued back to back are stored as one batch (step-batch.ts). */
  private readonly steps: BatchKind<StepItem, AppendResult>;
  readonly links: LinkStore;

  constructor(
    private readonly db: SqlDb,
    private readonly log: Logger,
    private readonly engine: EngineOps,
  ) {
    this.maintenance = new SqlMaintenance(db, (dest) => engine.backupTo(dest));
    this.hooks = new SqlWebhookStore(db, log);
    this.webhooks = this.hooks;
    this.steps = stepBatchKind(db.dialect);
    this.links = new SqlLinks(db);
  }

  /** Which engine holds the data ("sqlite" | "postgres"). */
  get engineName(): SqlDb["dialect"]["name"] {
    return this.db.dialect.name;
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
    // The insert yields to a ticket already holding the externalId (the partial unique index): then the
    // winner is read back. On PostgreSQL a second collector inserting the same externalId at the same
    // moment waits for the first one's transaction, does nothing, and reads the committed winner (each
    // statement of READ COMMITTED sees what committed before it).
    const existing = await this.db.write(async (tx) => {
      // The conflict target is the externalId index alone: a clash of ticket ids still fails loudly.
      const r = await tx.run(
        `INSERT INTO tickets (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})
         ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING`,
        Object.values(row) as SqlParams,
      );
      if (r.changes > 0) return undefined;
      return tx.get<TicketRow>(`${TICKET_SELECT} WHERE external_id = ?`, [row.external_id]);
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


  // web console users and sessions (sql-accounts.ts)

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
    // greatest(): a delayed touch from an older connection never moves lastSeenAt backwards.
    await this.db.write((tx) =>
      tx.run(`UPDATE agents SET last_seen_at = ${this.db.dialect.greatest("coalesce(last_seen_at, 0)", "?")} WHERE id = ?`, [now, id]),
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
      // The agent's row is locked (forUpdate: a revocation by another collector waits, or went first and
      // is seen here); the revoked_at conditions still say the rule where it is enforced.
      const agent = await tx.get<AgentRow>(`SELECT * FROM agents WHERE id = ?${this.db.dialect.forUpdate}`, [agentId]);
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

  async createRun(run: NewRun, audit?: AuditEvent): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run(
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
      );
      if (audit) await insertAudit(tx, audit);
    });
  }

  async getRun(id: string, page: StepPage = DEFAULT_PAGE): Promise<Run | undefined> {
    const rows = await this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    return rows[0] && (await this.withSteps(rows[0], page, Infinity)).run;
  }

  async listRunsForTicket(ticketId: string, view: RunsView = {}): Promise<Run[]> {
    // The newest maxRuns, loaded newest first (they get the step budget first), returned oldest first.
    const rows = await this.db.all<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE ticket_id = ? ORDER BY created_at DESC, id DESC${view.maxRuns === undefined ? "" : " LIMIT ?"}`,
      view.maxRuns === undefined ? [ticketId] : [ticketId, view.maxRuns],
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
      // A lost link touches the agent's runs only while it is the current one (several collectors:
      // an older socket noticed late must not knock back what the agent runs through a newer link).
      if ("releaseLink" in sel && sel.releaseLink && !(await releaseLinkTx(tx, sel.releaseLink))) return [];
      if ("whileLink" in sel && sel.whileLink && !(await isCurrentLinkTx(tx, sel.whileLink, this.db.dialect.forUpdate))) return [];
      // Locked in id order (forUpdate; every collector locks runs in the same order, so two transitions
      // of overlapping sets cannot deadlock), then applied oldest first.
      const locked = await tx.all<{ id: string; ticket_id: string; agent_id: string; state: RunState; pickup_by: number; reason: string | null; created_at: number }>(
        `SELECT id, ticket_id, agent_id, state, pickup_by, reason, created_at FROM runs WHERE ${where} ORDER BY id${this.db.dialect.forUpdate}`,
        params,
      );
      const rows = locked.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
    if (clean.type === "step") {
      return this.db.writeBatched(this.steps, { agentId, event: clean, body, bytes: Buffer.byteLength(body), receivedAt, limits });
    }
    const sink = this.hooks.sink();
    const r = await this.db.write((tx) => applyRunEvent(tx, this.db.dialect, agentId, clean, body, receivedAt, limits, sink));
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
    await this.db.write((tx) => insertAudit(tx, e));
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

  integrityCheck(): Promise<string> {
    return this.engine.integrityCheck();
  }

  // readiness and metrics (sql-ops.ts)
  probeWrite = () => ops.probeWrite(this.db);
  countRunsByState = () => ops.countRunsByState(this.db);

  close(): Promise<void> {
    return this.db.close();
  }
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
export const MAX_EVENTS_PER_COMMIT = 500;

/** Opens (creating file and directory, private to this user: file-modes.ts) and migrates the SQLite store at `path`. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<SqlStore> {
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
      await migrate({ dialect: "sqlite", tx });
    },
  );
  // Opening created the -wal and -shm files with the database file's mode; make sure of it.
  await tightenDataFiles(path);
  return new SqlStore(db, log, {
    integrityCheck: () => sqliteIntegrityCheck(db),
    backupTo: (dest) => sqliteBackup(path, busyTimeoutMs, dest),
  });
}

export interface PgStoreOptions {
  /** Most jobs in one transaction (as SQLite's). */
  maxBatch?: number;
  /** Read connections. */
  poolSize?: number;
  log?: Logger;
}

/**
 * Opens the PostgreSQL store at `url` (postgres://user:password@host:port/db) and migrates it; several
 * collectors may open the same database at once (migrations run once, under an advisory lock).
 */
export async function openPgStore(url: string, opts: PgStoreOptions = {}): Promise<SqlStore> {
  const log = opts.log ?? createLogger("store");
  const db = await PgDb.open(url, { maxBatch: opts.maxBatch ?? MAX_EVENTS_PER_COMMIT, ...(opts.poolSize ? { poolSize: opts.poolSize } : {}), log }, async (tx) => {
    await migrate({ dialect: "postgres", tx });
  });
  return new SqlStore(db, log, {
    integrityCheck: () => pgIntegrityCheck(db),
    backupTo: () => Promise.reject(new Error(PG_BACKUP_REFUSAL)),
  });
}

/** Where the store is: a PostgreSQL URL, or else the SQLite file (the embedded default). */
export type StoreLocation = { database: string } | { sqlitePath: string };

/** The one way the collector and its commands open their store. */
export function openStore(where: StoreLocation, opts: SqliteStoreOptions & PgStoreOptions = {}): Promise<SqlStore> {
  if ("database" in where) {
    if (!isPostgresUrl(where.database)) return Promise.reject(new Error("database must be a postgres:// or postgresql:// URL"));
    return openPgStore(where.database, opts);
  }
  return openSqliteStore(where.sqlitePath, opts);
}

/** The store as people read it: the masked URL and "(PostgreSQL)", or the file and "(SQLite)". */
export function describeStore(where: StoreLocation): string {
  return "database" in where ? `${maskDatabaseUrl(where.database)} (PostgreSQL)` : `${where.sqlitePath} (SQLite)`;
}

/** One audit row, inside the caller's transaction. */
async function insertAudit(tx: Tx, e: AuditEvent): Promise<void> {
  await tx.run(
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
  );
}
