// The retention prune of old step results (docs/operations.md), the same SQL on both engines, in small
// transactions through the store's write queue; and the Store's maintenance part, which adds the
// engine's own backup (maintenance-sqlite.ts VACUUM INTO; PostgreSQL refuses: pg_dump, a standby).
import { TERMINAL_RUN_STATES } from "../../shared/api.js";
import type { BackupReport, MaintenanceStore, PruneOptions, PruneReport } from "./maintenance-store.js";
import type { SqlDb, Tx } from "./sql.js";

/**
 * 500 step results per transaction: a batch takes a few milliseconds, so ingest waits at most that
 * long behind it (each batch is one job of the write queue; events queued meanwhile go first).
 */
export const PRUNE_BATCH = 500;

/**
 * A pruned step keeps its row, emptied and retyped: its (run_id, seq) key still makes a replay of that
 * event a duplicate (an agent whose ack was lost may send it again weeks later), so a pruned step is
 * never stored a second time, and readers of steps (type 'step') no longer see it.
 */
export const PRUNED_STEP_TYPE = "step.pruned";

// Only runs that ended lose steps (an expired run never got to one); a state added later and not
// listed as terminal is kept (the safe default).
const FINAL_STATES = TERMINAL_RUN_STATES.map((s) => `'${s}'`).join(", ");

// `type = 'step'` outside the subquery too: a collector whose UPDATE waited for another one's prune of
// the same rows (PostgreSQL) re-checks the outer condition on the new row and skips it, so no step is
// counted twice.
const PRUNE_SQL = `UPDATE run_events SET type = '${PRUNED_STEP_TYPE}', body = '' WHERE type = 'step' AND (run_id, seq) IN (
    SELECT e.run_id, e.seq FROM run_events e JOIN runs r ON r.id = e.run_id
    WHERE e.type = 'step' AND e.received_at < ? AND r.updated_at < ? AND r.state IN (${FINAL_STATES})
    LIMIT ?)
  RETURNING run_id`;

/** One batch inside the caller's transaction: empties up to `size` steps and notes them on their runs. */
async function pruneBatch(tx: Tx, before: number, now: number, size: number): Promise<{ steps: number; runs: number }> {
  const rows = await tx.all<{ run_id: string }>(PRUNE_SQL, [before, before, size]);
  const perRun = new Map<string, number>();
  for (const r of rows) perRun.set(r.run_id, (perRun.get(r.run_id) ?? 0) + 1);
  let firstTime = 0;
  for (const [id, n] of perRun) {
    // The run's byte count (runs.bytes) is left as it is: it caps what one run may ever hold.
    const u = await tx.get<{ prior: number }>(
      "UPDATE runs SET steps_pruned = steps_pruned + ?, steps_pruned_at = ? WHERE id = ? RETURNING steps_pruned - ? AS prior",
      [n, now, id, n],
    );
    if (u?.prior === 0) firstTime++;
  }
  return { steps: rows.length, runs: firstTime };
}

export class SqlMaintenance implements MaintenanceStore {
  constructor(
    private readonly db: SqlDb,
    /** The engine's backup (SqlStore's EngineOps). */
    readonly backupTo: (dest: string) => Promise<BackupReport>,
  ) {}

  async pruneStepResults(o: PruneOptions): Promise<PruneReport> {
    const size = o.batchSize ?? PRUNE_BATCH;
    if (!Number.isInteger(size) || size < 1) throw new Error("batchSize must be a positive integer");
    const report: PruneReport = { steps: 0, runs: 0, batches: 0, complete: false };
    for (;;) {
      if (o.signal?.aborted) return report;
      // One job of the write queue per batch: events queued while a batch ran are ahead of the next one.
      const b = await this.db.write((tx) => pruneBatch(tx, o.before, o.now, size));
      if (b.steps > 0) report.batches++;
      report.steps += b.steps;
      report.runs += b.runs;
      if (b.steps < size) return { ...report, complete: true };
    }
  }
}
