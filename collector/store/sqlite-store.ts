// The collector's embedded store: the Store interface over one SQLite file (WAL, one write queue with
// group commit, versioned migrations). Callers never see SQL; see collector/store/types.ts.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { TERMINAL_RUN_STATES } from "../../shared/api.js";
import { TICKET_DEADLINES_MS } from "../../shared/api.js";
import type { CreateTicketBody, Role, Run, RunState, StoredStep, Ticket } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";
import { scrubRunEvent, scrubSecrets } from "../auth/redact.js";
import { migrate } from "./migrations.js";
import { SqliteDb, type SqlParams, type SqlValue, type SyncMode, type Tx } from "./sqlite-db.js";
import { EXPIRED_REASON } from "./types.js";
import type {
  AgentRecord,
  AppendResult,
  AuditEvent,
  AuditFilter,
  ConsumeCodeResult,
  NewRun,
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
}

// 5 s: only another process (sqlite3 CLI, a backup) ever holds the lock; longer would stall every write.
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
// 500 events per COMMIT: group commit gains little beyond a few hundred, and it bounds an ack's latency.
const MAX_EVENTS_PER_COMMIT = 500;

const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;

const isTerminal = (s: RunState): boolean => TERMINAL_RUN_STATES.includes(s);

/**
 * The run state after an event. Terminal states hold, except "expired": the collector gave up waiting,
 * but a late event proves the agent did pick the run up, so what the agent reports wins.
 */
export function nextRunState(current: RunState, event: RunEvent): RunState {
  if (isTerminal(current) && current !== "expired") return current;
  switch (event.type) {
    case "run.accepted":
      return current === "requested" || current === "sent" || current === "expired" ? "running" : current;
    case "run.refused":
      return "refused";
    case "run.finished":
      return event.outcome;
    case "step":
    case "verdict":
    case "run.offline":
      return current;
  }
}

// ---- row shapes and mapping ----------------------------------------------------------------------

interface TicketRow {
  id: string;
  customer_name: string;
  customer_contact: string;
  customer_site: string | null;
  service: string;
  symptom: string;
  started_at: string | null;
  frequency: string | null;
  already_tried: string | null;
  category: Ticket["category"];
  severity: Ticket["severity"];
  status: Ticket["status"];
  created_at: number;
  created_by: string;
  respond_by: number;
  resolve_by: number;
}

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

function toTicket(r: TicketRow): Ticket {
  return stripUndefined({
    id: r.id,
    customer: stripUndefined({ name: r.customer_name, contact: r.customer_contact, site: opt(r.customer_site) }),
    service: r.service,
    symptom: r.symptom,
    startedAt: opt(r.started_at),
    frequency: opt(r.frequency),
    alreadyTried: opt(r.already_tried),
    category: r.category,
    severity: r.severity,
    status: r.status,
    createdAt: r.created_at,
    createdBy: r.created_by,
    respondBy: r.respond_by,
    resolveBy: r.resolve_by,
  });
}

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

// JSON columns hold only what this module wrote from already-validated values, so they are not
// re-validated on every read.
function toRun(r: RunRow, steps: StoredStep[]): Run {
  return stripUndefined({
    id: r.id,
    ticketId: r.ticket_id,
    agentId: r.agent_id,
    checks: JSON.parse(r.checks) as Run["checks"],
    params: JSON.parse(r.params) as Run["params"],
    state: r.state,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    pickupBy: r.pickup_by,
    reason: opt(r.reason),
    offline: r.offline === 1,
    verdict: r.verdict === null ? undefined : (JSON.parse(r.verdict) as Run["verdict"]),
    steps,
  });
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const RUN_COLUMNS =
  "id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at, pickup_by, reason, offline, verdict";

// ---- the store -----------------------------------------------------------------------------------

class SqliteStore implements Store {
  constructor(private readonly db: SqliteDb) {}

  /** Transactions committed / writes they carried (group commit shows as jobs > commits). */
  get stats(): { commits: number; jobs: number } {
    return { ...this.db.stats };
  }

  // tickets

  async createTicket(id: string, body: CreateTicketBody, createdBy: string, now: number): Promise<Ticket> {
    const limits = TICKET_DEADLINES_MS[body.severity];
    const row: TicketRow = {
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
      status: "open",
      created_at: now,
      created_by: createdBy,
      respond_by: now + limits.respond,
      resolve_by: now + limits.resolve,
    };
    const cols = Object.keys(row);
    await this.db.write((tx) =>
      tx.run(
        `INSERT INTO tickets (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
        Object.values(row) as SqlParams,
      ),
    );
    return toTicket(row);
  }

  async getTicket(id: string): Promise<Ticket | undefined> {
    const r = await this.db.get<TicketRow>("SELECT * FROM tickets WHERE id = ?", [id]);
    return r && toTicket(r);
  }

  async listTickets(limit: number): Promise<Ticket[]> {
    const rows = await this.db.all<TicketRow>("SELECT * FROM tickets ORDER BY created_at DESC, id LIMIT ?", [limit]);
    return rows.map(toTicket);
  }

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
    return this.db.write(async (tx): Promise<ConsumeCodeResult> => {
      // The conditional UPDATE is the atomic claim: of two concurrent consumers exactly one changes the row.
      const claimed = await tx.all<{ ticket: string | null }>(
        "UPDATE enrollment_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING ticket",
        [now, codeHash, now],
      );
      const c = claimed[0];
      if (c) return c.ticket === null ? { ok: true } : { ok: true, ticketId: c.ticket };
      const row = await tx.get<{ used_at: number | null }>("SELECT used_at FROM enrollment_codes WHERE hash = ?", [
        codeHash,
      ]);
      if (!row) return { ok: false, reason: "unknown" };
      return { ok: false, reason: row.used_at !== null ? "used" : "expired" };
    });
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

  async setAgentSecret(id: string, secretHash: string): Promise<void> {
    const r = await this.db.write((tx) =>
      tx.run("UPDATE agents SET secret_hash = ?, revoked_at = NULL WHERE id = ?", [secretHash, id]),
    );
    if (r.changes === 0) throw new Error(`setAgentSecret: unknown agent ${id}`);
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

  async getRun(id: string): Promise<Run | undefined> {
    return (await this.runsWhere("id = ?", [id]))[0];
  }

  listRunsForTicket(ticketId: string): Promise<Run[]> {
    return this.runsWhere("ticket_id = ? ORDER BY created_at, id", [ticketId]);
  }

  listRunsForAgent(agentId: string, limit: number): Promise<Run[]> {
    // Newest first; a subquery picks the ids so the limit applies to runs, not rows.
    return this.runsWhere("id IN (SELECT id FROM runs WHERE agent_id = ? ORDER BY created_at DESC, id DESC LIMIT ?) ORDER BY created_at DESC, id DESC", [agentId, limit]);
  }

  pendingRunsForAgent(agentId: string, now: number): Promise<Run[]> {
    return this.runsWhere("agent_id = ? AND state = 'requested' AND pickup_by > ? ORDER BY created_at, id", [
      agentId,
      now,
    ]);
  }

  /** Runs matching `where` with their steps: two queries, not one per run. */
  private async runsWhere(where: string, params: SqlParams): Promise<Run[]> {
    const rows = await this.db.all<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE ${where}`, params);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const events = await this.db.all<{ run_id: string; seq: number; received_at: number; body: string }>(
      `SELECT run_id, seq, received_at, body FROM run_events
       WHERE run_id IN (${ids.map(() => "?").join(", ")}) AND type = 'step' ORDER BY run_id, seq`,
      ids,
    );
    const steps = new Map<string, StoredStep[]>(ids.map((id) => [id, []]));
    for (const e of events) {
      const body = JSON.parse(e.body) as Extract<RunEvent, { type: "step" }>;
      steps.get(e.run_id)!.push({ seq: e.seq, receivedAt: e.received_at, result: body.result });
    }
    return rows.map((r) => toRun(r, steps.get(r.id)!));
  }

  /** Collector-side transitions (sent, delivering, cancelled...); a terminal state is never left. */
  async setRunState(id: string, state: RunState, now: number, reason?: string): Promise<void> {
    await this.db.write(async (tx) => {
      const row = await tx.get<{ state: RunState }>("SELECT state FROM runs WHERE id = ?", [id]);
      if (!row) throw new Error(`setRunState: unknown run ${id}`);
      if (isTerminal(row.state)) return;
      await tx.run("UPDATE runs SET state = ?, reason = coalesce(?, reason), updated_at = ? WHERE id = ?", [
        state,
        nul(reason),
        now,
        id,
      ]);
    });
  }

  async runIdsInState(agentId: string, state: RunState): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      "SELECT id FROM runs WHERE agent_id = ? AND state = ? ORDER BY created_at, id",
      [agentId, state],
    );
    return rows.map((r) => r.id);
  }

  expireRuns(now: number): Promise<string[]> {
    return this.db.write(async (tx) => {
      const rows = await tx.all<{ id: string }>(
        `UPDATE runs SET state = 'expired', updated_at = ?, reason = coalesce(reason, ?)
         WHERE state IN ('requested', 'sent') AND pickup_by <= ? RETURNING id`,
        [now, EXPIRED_REASON, now],
      );
      return rows.map((r) => r.id).sort();
    });
  }

  /** Equipment secrets never reach the file (nor its WAL): the event is scrubbed before it is written. */
  appendRunEvent(agentId: string, event: RunEvent, receivedAt: number): Promise<AppendResult> {
    const clean = scrubRunEvent(event);
    return this.db.write((tx) => applyRunEvent(tx, agentId, clean, receivedAt));
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
        detail: r.detail === null ? undefined : (JSON.parse(r.detail) as Record<string, unknown>),
      }),
    );
  }

  async integrityCheck(): Promise<string> {
    const rows = await this.db.all<{ integrity_check: string }>("PRAGMA integrity_check");
    return rows.map((r) => r.integrity_check).join("\n");
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** One event, inside the caller's transaction: ownership check, idempotent insert, then its effect. */
async function applyRunEvent(tx: Tx, agentId: string, event: RunEvent, receivedAt: number): Promise<AppendResult> {
  let run = await tx.get<{ agent_id: string; state: RunState }>("SELECT agent_id, state FROM runs WHERE id = ?", [
    event.runId,
  ]);
  if (!run) {
    if (event.type !== "run.offline") return "unknown_run";
    // The agent names the ticket: an unknown one is refused like an unknown run, not a crash.
    const ticket = await tx.get("SELECT 1 FROM tickets WHERE id = ?", [event.ticketId]);
    const agent = await tx.get("SELECT 1 FROM agents WHERE id = ?", [agentId]);
    if (!ticket || !agent) return "unknown_run";
    await tx.run(
      `INSERT INTO runs (id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at,
         pickup_by, offline) VALUES (?, ?, ?, ?, '{}', 'running', ?, ?, ?, ?, 1)`,
      [event.runId, event.ticketId, agentId, JSON.stringify(event.checks), `agent:${agentId}`, event.at, receivedAt, receivedAt],
    );
    run = { agent_id: agentId, state: "running" };
  }
  // Another agent's run looks exactly like a missing one: no probing of run ids across agents.
  if (run.agent_id !== agentId) return "unknown_run";

  const inserted = await tx.run(
    "INSERT OR IGNORE INTO run_events (run_id, seq, type, body, received_at) VALUES (?, ?, ?, ?, ?)",
    [event.runId, event.seq, event.type, JSON.stringify(event), receivedAt],
  );
  if (inserted.changes === 0) return "duplicate";

  const state = nextRunState(run.state, event);
  const reason = event.type === "run.refused" && state === "refused" ? `${event.code}: ${event.reason}` : null;
  const verdict = event.type === "verdict" ? JSON.stringify(event.verdict) : null;
  await tx.run(
    `UPDATE runs SET state = ?, reason = coalesce(?, reason), verdict = coalesce(?, verdict), updated_at = ?
     WHERE id = ?`,
    [state, reason, verdict, receivedAt, event.runId],
  );
  return "stored";
}

/** Opens (creating file and directory) and migrates the store at `path`. */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<Store & { stats: SqliteStore["stats"] }> {
  await mkdir(dirname(path), { recursive: true });
  const db = await SqliteDb.open(
    path,
    {
      synchronous: opts.synchronous ?? "FULL",
      busyTimeoutMs: opts.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
      maxBatch: opts.maxBatch ?? MAX_EVENTS_PER_COMMIT,
    },
    async (tx) => {
      await migrate(tx);
    },
  );
  return new SqliteStore(db);
}
