// The maintenance part of the Store: an online backup while the collector writes, and the retention
// prune of old step results (docs/operations.md). The prune is maintenance-prune.ts (both engines), the backups maintenance-sqlite.ts / maintenance-pg.ts.

/** One table of a backup copy and its row count. */
export interface TableCount {
  name: string;
  rows: number;
}

/**
 * What a backup produced. `ok: false` when the copy failed its integrity check: then nothing was
 * written at the destination (the partial copy is removed).
 */
export type BackupReport =
  | {
      ok: true;
      /** Absolute path of the copy. */
      path: string;
      bytes: number;
      /** The copy's schema version (schema_migrations). */
      schemaVersion: number;
      /** "ok" (SQLite's PRAGMA integrity_check on the copy). */
      integrity: "ok";
      tables: TableCount[];
    }
  | { ok: false; path: string; integrity: string };

export interface PruneOptions {
  /**
   * Step results received before this time (epoch ms, the collector's clock), of runs that ended
   * (last changed) before it too, are pruned. Runs that can still change are never touched.
   */
  before: number;
  /** Stamped on each pruned run (Run.stepsPruned.at). */
  now: number;
  /** Step results per transaction (default 500): the write lock is held for one batch at a time. */
  batchSize?: number;
  /** Stops between batches (shutdown); what was committed stays pruned. */
  signal?: AbortSignal;
}

export interface PruneReport {
  /** Step results removed. */
  steps: number;
  /** Runs that lost their step results in this prune (a run pruned before is not counted again). */
  runs: number;
  /** Transactions it took. */
  batches: number;
  /** false when the signal stopped it before everything due was pruned (the next sweep goes on). */
  complete: boolean;
}

export interface MaintenanceStore {
  /**
   * A consistent copy of the whole store at `dest` while writes go on: written under a temporary name
   * (0600) beside it, integrity-checked, flushed to disk, then renamed over `dest`.
   */
  backupTo(dest: string): Promise<BackupReport>;
  /** Removes old step results in small transactions; verdicts, runs, tickets and history stay. */
  pruneStepResults(o: PruneOptions): Promise<PruneReport>;
}
