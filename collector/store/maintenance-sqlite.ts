// The maintenance part of the SQLite store (docs/operations.md): online backup with VACUUM INTO, and
// the retention prune of old step results in small transactions through the store's write queue.
//
// Why VACUUM INTO and not the online backup API (sqlite3's Database#backup): VACUUM INTO copies from
// ONE read transaction, so the copy is the committed state at one instant, and in WAL mode that read
// never blocks the collector's writers. The backup API copies pages in steps and starts over whenever
// another connection writes between two steps, so under steady ingest it either never finishes or has
// to copy everything in one step, which is the same single read transaction without the benefits:
// VACUUM INTO also writes a compact file (pages freed by the retention prune are not copied) and needs
// only a read-only connection to the store. Its cost: it rebuilds every index, so it is slower than a
// page copy (docs/operations.md has the figures).
import { randomBytes } from "node:crypto";
import { open, rename, stat, unlink, realpath } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import sqlite3 from "sqlite3";
import { TERMINAL_RUN_STATES } from "../../shared/api.js";
import { DATA_FILE_MODE, sqliteFiles } from "./file-modes.js";
import type { BackupReport, MaintenanceStore, PruneOptions, PruneReport, TableCount } from "./maintenance-store.js";
import type { SqliteDb, Tx } from "./sqlite-db.js";

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

const PRUNE_SQL = `UPDATE run_events SET type = '${PRUNED_STEP_TYPE}', body = '' WHERE (run_id, seq) IN (
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
    const u = await tx.get<{ before: number }>(
      "UPDATE runs SET steps_pruned = steps_pruned + ?, steps_pruned_at = ? WHERE id = ? RETURNING steps_pruned - ? AS before",
      [n, now, id, n],
    );
    if (u?.before === 0) firstTime++;
  }
  return { steps: rows.length, runs: firstTime };
}

function openConnection(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((res, rej) => {
    const db = new sqlite3.Database(path, mode, (err) => (err ? rej(err) : res(db)));
  });
}

const all = <T>(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<T[]> =>
  new Promise((res, rej) => db.all<T>(sql, params, (err, rows) => (err ? rej(err) : res(rows))));

const close = (db: sqlite3.Database): Promise<void> => new Promise((res, rej) => db.close((err) => (err ? rej(err) : res())));

/** fsync a file or a directory (after a rename, so the new name survives a crash too). */
async function fsyncPath(path: string): Promise<void> {
  const h = await open(path, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** The copy's own checks, on a read-only connection to it. */
async function inspectCopy(path: string): Promise<{ integrity: string; schemaVersion: number; tables: TableCount[] }> {
  const db = await openConnection(path, sqlite3.OPEN_READONLY);
  try {
    const integrity = (await all<{ integrity_check: string }>(db, "PRAGMA integrity_check")).map((r) => r.integrity_check).join("\n");
    if (integrity !== "ok") return { integrity, schemaVersion: 0, tables: [] };
    const names = await all<{ name: string }>(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    const tables: TableCount[] = [];
    for (const { name } of names) {
      const [row] = await all<{ n: number }>(db, `SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`);
      tables.push({ name, rows: row?.n ?? 0 });
    }
    const [v] = await all<{ v: number | null }>(db, "SELECT max(version) AS v FROM schema_migrations");
    return { integrity, schemaVersion: v?.v ?? 0, tables };
  } finally {
    await close(db);
  }
}

export class SqliteMaintenance implements MaintenanceStore {
  constructor(
    private readonly db: SqliteDb,
    /** The store's file: the backup reads it on a connection of its own. */
    private readonly dbPath: string,
    private readonly busyTimeoutMs: number,
  ) {}

  async backupTo(dest: string): Promise<BackupReport> {
    const target = resolve(dest);
    const dir = dirname(target);
    // Written over the store itself (or its WAL), the "backup" would destroy what it copies.
    const realDir = await realpath(dir);
    const store = new Set(await Promise.all(sqliteFiles(resolve(this.dbPath)).map(async (f) => join(await realpath(dirname(f)), basename(f)))));
    if (store.has(join(realDir, basename(target)))) throw new Error(`refusing to write the backup over the store's own file ${target}`);

    // A hidden temporary name beside the target (same file system, so the rename is atomic), created
    // empty and 0600 first: VACUUM INTO writes into an empty file and keeps its mode.
    const tmp = join(dir, `.${basename(target)}.partial-${randomBytes(6).toString("hex")}`);
    await (await open(tmp, "wx", DATA_FILE_MODE)).close();
    try {
      const src = await openConnection(this.dbPath, sqlite3.OPEN_READONLY);
      try {
        src.configure("busyTimeout", this.busyTimeoutMs);
        await all(src, "VACUUM INTO ?", [tmp]);
      } finally {
        await close(src);
      }
      const check = await inspectCopy(tmp);
      if (check.integrity !== "ok") {
        await unlink(tmp);
        return { ok: false, path: target, integrity: check.integrity };
      }
      await fsyncPath(tmp);
      await rename(tmp, target);
      await fsyncPath(dir);
      return { ok: true, path: target, bytes: (await stat(target)).size, schemaVersion: check.schemaVersion, integrity: "ok", tables: check.tables };
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
  }

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
