// The one database seam of the store: the Store (collector/store/sql-store.ts) is written once against
// this interface, and each backend is a driver behind it, SQLite (sqlite-db.ts, embedded default)
// and PostgreSQL (pg-db.ts, several collectors on one server). SQL is written once, with `?`
// placeholders (the PostgreSQL driver numbers them), in the subset both engines speak; the few
// differences are named in Dialect instead of being spread as `if (postgres)` over the store.
//
// Writes go through one queue per process with group commit: jobs that queue up while a transaction
// runs are run together in the next one, each in its own SAVEPOINT (a failing job rolls back only its
// own work), and every job's promise settles only after the COMMIT that contains it. Batched kinds
// (BatchKind) go one step further: consecutive queued items of one kind are handed to ONE call, so
// their SQL can be set-based (one multi-row INSERT for many step results).

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = readonly SqlValue[];
export type Row = Record<string, unknown>;

export type DialectName = "sqlite" | "postgres";

/** What differs between the two engines, as SQL fragments the store puts into its statements. */
export interface Dialect {
  readonly name: DialectName;
  /**
   * Appended to a SELECT that a write job reads before it writes the same rows ("" on SQLite, whose
   * write transaction already holds the whole file; " FOR UPDATE" on PostgreSQL, where other
   * collectors write concurrently).
   */
  readonly forUpdate: string;
  /** The larger / smaller of two values (SQLite's two-argument max()/min(), PostgreSQL's GREATEST/LEAST). */
  greatest(a: string, b: string): string;
  least(a: string, b: string): string;
}

/** The statements a queued job may run: only inside the current write transaction. */
export interface Tx {
  /** `changes`: rows inserted, updated or deleted. */
  run(sql: string, params?: SqlParams): Promise<{ changes: number }>;
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A job must use only its Tx (never call back into the queue: that would wait for itself). */
export type Job<T> = (tx: Tx) => Promise<T>;

/**
 * A kind of write whose consecutive queued items run as one call (one SAVEPOINT) of `run`, which
 * answers each item in order. If the call throws, each item of it is tried again on its own, so one
 * bad item fails only itself.
 */
export interface BatchKind<I, O> {
  readonly name: string;
  /** Most items in one call (bounds statement size and parameter counts). */
  readonly max: number;
  run(tx: Tx, items: readonly I[]): Promise<O[]>;
}

export interface SqlDb {
  readonly dialect: Dialect;
  /** A read on committed data only (never sees a transaction in progress). */
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** Runs `job` in a write transaction; resolves with its result only after that transaction COMMITs. */
  write<T>(job: Job<T>): Promise<T>;
  /** Queues one item of a batched kind; resolves with its answer only after the COMMIT. */
  writeBatched<I, O>(kind: BatchKind<I, O>, item: I): Promise<O>;
  /** Transactions committed and jobs (batched items count one each) they held: group commit shows as jobs > commits. */
  readonly stats: { commits: number; jobs: number };
  /** Waits for queued writes to commit, then closes every connection. */
  close(): Promise<void>;
}
