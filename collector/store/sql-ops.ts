// What operating the collector asks of the store: a readiness write probe and run counts for
// /metrics. Kept apart from the ticket and run code; only the store knows SQL.
import type { RunState } from "../../shared/api.js";
import type { SqlDb } from "./sql.js";

/**
 * A real write that changes nothing: the newest migration row rewritten with its own value, committed
 * through the write queue like any job (SQLite: BEGIN IMMEDIATE takes the write lock, COMMIT appends to
 * the WAL and fsyncs; PostgreSQL: a commit on the writer connection). It fails when the disk is full or
 * read-only, the lock is held elsewhere past busy_timeout, the server cannot be reached, or the store
 * is closed.
 */
export async function probeWrite(db: SqlDb): Promise<void> {
  await db.write(async (tx) => {
    await tx.run("UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)");
  });
}

/** Runs per state (the runs_agent_state index covers it). */
export async function countRunsByState(db: SqlDb): Promise<Partial<Record<RunState, number>>> {
  const rows = await db.all<{ state: RunState; n: number }>("SELECT state, count(*) AS n FROM runs GROUP BY state");
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
