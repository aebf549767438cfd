// Versioned schema migrations for the SQLite store: an ordered list, each applied once in its own
// transaction and recorded in schema_migrations. Never edit a shipped migration; append a new one.
import type { Tx } from "./sqlite-db.js";

export interface Migration {
  version: number;
  name: string;
  /** Statements run in order inside one transaction. */
  steps: readonly string[];
}

// Terminal states repeated in SQL: keep in step with TERMINAL_RUN_STATES in shared/api.ts.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    steps: [
      `CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        customer_name TEXT NOT NULL,
        customer_contact TEXT NOT NULL,
        customer_site TEXT,
        service TEXT NOT NULL,
        symptom TEXT NOT NULL,
        started_at TEXT,
        frequency TEXT,
        already_tried TEXT,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        respond_by INTEGER NOT NULL,
        resolve_by INTEGER NOT NULL
      ) STRICT`,
      `CREATE INDEX tickets_created ON tickets (created_at)`,

      `CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hostname TEXT,
        ticket_id TEXT REFERENCES tickets (id),
        secret_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER,
        revoked_at INTEGER
      ) STRICT`,
      `CREATE INDEX agents_ticket ON agents (ticket_id)`,

      `CREATE TABLE enrollment_codes (
        hash TEXT PRIMARY KEY,
        ticket TEXT REFERENCES tickets (id),
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        created_by TEXT NOT NULL
      ) STRICT`,

      `CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL REFERENCES tickets (id),
        agent_id TEXT NOT NULL REFERENCES agents (id),
        checks TEXT NOT NULL,
        params TEXT NOT NULL,
        state TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        pickup_by INTEGER NOT NULL,
        reason TEXT,
        offline INTEGER NOT NULL DEFAULT 0,
        verdict TEXT
      ) STRICT`,
      `CREATE INDEX runs_ticket ON runs (ticket_id, created_at)`,
      `CREATE INDEX runs_agent_state ON runs (agent_id, state, created_at)`,
      // Only the few runs still waiting are scanned by expireRuns.
      `CREATE INDEX runs_waiting ON runs (pickup_by) WHERE state IN ('requested', 'sent')`,

      // The primary key is the idempotency key: a replayed (run_id, seq) is ignored.
      `CREATE TABLE run_events (
        run_id TEXT NOT NULL REFERENCES runs (id),
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) STRICT, WITHOUT ROWID`,

      `CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      ) STRICT`,

      `CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        agent_id TEXT,
        ticket_id TEXT,
        run_id TEXT,
        outcome TEXT NOT NULL,
        detail TEXT
      ) STRICT`,
      `CREATE INDEX audit_at ON audit (at)`,
      `CREATE INDEX audit_agent ON audit (agent_id, at)`,
      `CREATE INDEX audit_ticket ON audit (ticket_id, at)`,
      `CREATE INDEX audit_actor ON audit (actor, at)`,
      // Append-only in the database itself, so no code path (or hand-run SQL) can rewrite history.
      `CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END`,
      `CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END`,
    ],
  },
  {
    version: 2,
    name: "runs by agent (device state for field technicians)",
    steps: [`CREATE INDEX runs_agent ON runs (agent_id, created_at)`],
  },
  {
    version: 3,
    name: "ingest limits: bytes stored per run, offline runs per agent and hour",
    steps: [
      // UTF-8 bytes of the run's stored event bodies, kept in the transaction that stores each event.
      `ALTER TABLE runs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0`,
      `UPDATE runs SET bytes = (SELECT coalesce(sum(length(CAST(body AS BLOB))), 0) FROM run_events WHERE run_events.run_id = runs.id)`,
      // An offline run's pickup_by is when the collector received it (collector clock): counted per hour.
      `CREATE INDEX runs_agent_offline ON runs (agent_id, pickup_by) WHERE offline = 1`,
    ],
  },
  {
    version: 4,
    name: "support desk: ticket lifecycle, history, knowledge; web console users and sessions",
    steps: [
      // Statuses of the lifecycle (shared/ticket.ts): "open" was the only status before it.
      `UPDATE tickets SET status = 'new' WHERE status = 'open'`,
      `ALTER TABLE tickets ADD COLUMN first_response_at INTEGER`,
      `ALTER TABLE tickets ADD COLUMN escalated_to TEXT`,
      `ALTER TABLE tickets ADD COLUMN escalated_at INTEGER`,
      `ALTER TABLE tickets ADD COLUMN resolved_at INTEGER`,
      `ALTER TABLE tickets ADD COLUMN closed_at INTEGER`,
      // JSON (shared/ticket.ts Resolution / Confirmation), read back through the bounded parser.
      `ALTER TABLE tickets ADD COLUMN resolution TEXT`,
      `ALTER TABLE tickets ADD COLUMN confirmation TEXT`,
      // The verdict cause the ticket was resolved with: the knowledge base's key.
      `ALTER TABLE tickets ADD COLUMN resolution_cause TEXT`,
      // The newest verdict on a run of the ticket, kept in the transaction that stores the verdict.
      `ALTER TABLE tickets ADD COLUMN last_run_id TEXT`,
      `ALTER TABLE tickets ADD COLUMN last_segment TEXT`,
      `ALTER TABLE tickets ADD COLUMN last_cause TEXT`,
      `UPDATE tickets SET (last_run_id, last_segment, last_cause) = (
         SELECT id, json_extract(verdict, '$.segment'), json_extract(verdict, '$.cause') FROM runs
         WHERE runs.ticket_id = tickets.id AND runs.verdict IS NOT NULL AND json_valid(runs.verdict)
         ORDER BY created_at DESC, id DESC LIMIT 1)`,
      `CREATE INDEX tickets_status ON tickets (status, resolve_by)`,
      `CREATE INDEX tickets_cause ON tickets (last_cause)`,
      `CREATE INDEX tickets_resolution_cause ON tickets (resolution_cause, resolved_at) WHERE resolution_cause IS NOT NULL`,

      `CREATE TABLE ticket_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id TEXT NOT NULL REFERENCES tickets (id),
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        from_status TEXT NOT NULL,
        to_status TEXT NOT NULL,
        note TEXT,
        detail TEXT
      ) STRICT`,
      `CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id)`,
      `CREATE TRIGGER ticket_history_no_update BEFORE UPDATE ON ticket_history
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END`,
      `CREATE TRIGGER ticket_history_no_delete BEFORE DELETE ON ticket_history
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END`,

      `CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        disabled_at INTEGER
      ) STRICT`,
      `CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT`,
      `CREATE INDEX sessions_subject ON sessions (kind, subject_id)`,
    ],
  },
  {
    version: 5,
    name: "ticket systems: externalId on tickets; outbound webhook queue and delivery log",
    steps: [
      // The external ticket system's own id: unique where set (POST /api/tickets is idempotent on it).
      `ALTER TABLE tickets ADD COLUMN external_id TEXT`,
      `CREATE UNIQUE INDEX tickets_external_id ON tickets (external_id) WHERE external_id IS NOT NULL`,

      // The outbox (docs/webhooks.md, "Delivery"): an event is inserted in the transaction of the change
      // that caused it. `facts` is what that transaction knew; `body` (the JSON every attempt sends) is
      // written once when the dispatcher fans the event out to the configured targets (`expanded_at`).
      // `dedupe_key`: events that must happen once (a deadline warning per ticket and deadline).
      `CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        ticket_id TEXT NOT NULL REFERENCES tickets (id),
        run_id TEXT,
        facts TEXT NOT NULL,
        dedupe_key TEXT UNIQUE,
        body TEXT,
        expanded_at INTEGER
      ) STRICT`,
      `CREATE INDEX webhook_events_unexpanded ON webhook_events (at) WHERE expanded_at IS NULL`,
      `CREATE INDEX webhook_events_ticket ON webhook_events (ticket_id, at)`,

      // One row per event and target; `next_at` is when a pending one is due, `claimed_until` the
      // dispatcher's lease on it while an attempt is under way.
      `CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES webhook_events (id),
        target TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        next_at INTEGER,
        claimed_until INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        last_status_code INTEGER,
        last_error TEXT,
        completed_at INTEGER,
        redelivery_of TEXT REFERENCES webhook_deliveries (id)
      ) STRICT`,
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (target, next_at) WHERE status = 'pending'`,
      `CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id)`,
      `CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at)`,

      // Every attempt: when, how long, the answer or why there was none.
      `CREATE TABLE webhook_attempts (
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
        n INTEGER NOT NULL,
        at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        status_code INTEGER,
        error TEXT,
        response TEXT,
        PRIMARY KEY (delivery_id, n)
      ) STRICT, WITHOUT ROWID`,
    ],
  },
  {
    version: 6,
    name: "retention: step results pruned per run, steps by age",
    steps: [
      // How many step results the retention prune removed from the run, and when (Run.stepsPruned).
      `ALTER TABLE runs ADD COLUMN steps_pruned INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE runs ADD COLUMN steps_pruned_at INTEGER`,
      // The prune's scan: only rows still holding a step result (a pruned one changes its type and
      // leaves the index), oldest first.
      `CREATE INDEX run_events_steps_by_age ON run_events (received_at) WHERE type = 'step'`,
    ],
  },
];

/**
 * Applies every migration newer than the file's version. Each runs in a BEGIN IMMEDIATE transaction
 * and re-reads the version inside it, so two processes opening the same new file do not both apply it.
 * Refuses a file written by a newer build (its schema is unknown to us).
 */
export async function migrate(tx: Tx, migrations: readonly Migration[] = MIGRATIONS, now = Date.now()): Promise<number[]> {
  await tx.run(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`,
  );
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const before = (await tx.get<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations"))?.v ?? 0;
  if (before > known) throw new Error(`database schema version ${before} is newer than this build (${known})`);
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    // Already applied: no write lock at all. Opening a store a running collector writes to (backup,
    // export, token create) must not queue for the lock once per migration: its group commit re-takes
    // the lock the moment it frees it, so every wait risks running out the busy timeout.
    if (m.version <= before) continue;
    await tx.run("BEGIN IMMEDIATE");
    try {
      const row = await tx.get<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations");
      if ((row?.v ?? 0) >= m.version) {
        await tx.run("COMMIT");
        continue;
      }
      for (const sql of m.steps) await tx.run(sql);
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, now]);
      await tx.run("COMMIT");
      applied.push(m.version);
    } catch (e) {
      await tx.run("ROLLBACK").catch(() => {});
      throw e;
    }
  }
  return applied;
}
