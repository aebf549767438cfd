// A small promise wrapper over sqlite3's callback API: one writer connection whose every transaction goes
// through ONE queue (with group commit), and one reader connection for plain SELECTs.
//
// Why one queue: a sqlite3 Database is one connection, and two async transactions interleaved on it fail
// ("cannot start a transaction within a transaction") or, worse, mix their statements. Why group commit:
// with synchronous=FULL every COMMIT costs an fsync; jobs that queue up while one transaction runs are
// run together in the next transaction, each inside its own SAVEPOINT (a failing job rolls back only its
// own work), and every job's promise settles only after the COMMIT that contains it.
// Why a separate reader: in WAL mode readers never block the writer and see only committed data, so a
// read can never observe a batch that is later rolled back.
import sqlite3 from "sqlite3";

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = readonly SqlValue[];
export type Row = Record<string, unknown>;

/**
 * synchronous=FULL: WAL is fsynced at every COMMIT, so an acknowledged write survives power loss and
 * an OS crash. NORMAL: fsync only at checkpoints; survives a crash of this process (kill -9: the
 * write() already reached the OS) but the last commits may vanish on power loss.
 */
export type SyncMode = "FULL" | "NORMAL";

export interface SqliteDbOptions {
  synchronous: SyncMode;
  busyTimeoutMs: number;
  /** Most jobs run in one transaction; bounds how long one COMMIT delays the first job of a batch. */
  maxBatch: number;
}

/** The statements a queued job may run: only inside the current write transaction. */
export interface Tx {
  run(sql: string, params?: SqlParams): Promise<{ changes: number; lastId: number }>;
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
  get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined>;
  exec(sql: string): Promise<void>;
}

/** A job must use only its Tx (never call back into the queue: that would wait for itself). */
export type Job<T> = (tx: Tx) => Promise<T>;

interface Queued {
  job: Job<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

function openConnection(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

function closeConnection(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
}

/** Promise versions of one connection's calls; `prepared` caches statements the writer reuses. */
class Connection implements Tx {
  private readonly prepared = new Map<string, sqlite3.Statement>();
  constructor(
    readonly db: sqlite3.Database,
    private readonly cacheStatements: boolean,
  ) {}

  private statement(sql: string): Promise<sqlite3.Statement> {
    const hit = this.prepared.get(sql);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const st = this.db.prepare(sql, (err) => {
        if (err) return reject(err);
        this.prepared.set(sql, st);
        resolve(st);
      });
    });
  }

  async run(sql: string, params: SqlParams = []): Promise<{ changes: number; lastId: number }> {
    if (!this.cacheStatements) {
      return new Promise((resolve, reject) =>
        this.db.run(sql, params, function (err) {
          if (err) reject(err);
          else resolve({ changes: this.changes, lastId: this.lastID });
        }),
      );
    }
    const st = await this.statement(sql);
    return new Promise((resolve, reject) =>
      st.run(params, function (err) {
        if (err) reject(err);
        else resolve({ changes: this.changes, lastId: this.lastID });
      }),
    );
  }

  // `all` (never Statement#get) so a cached statement always runs to completion and is reset: a
  // half-read statement would keep a read cursor open across COMMIT.
  async all<T = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
    if (!this.cacheStatements) {
      return new Promise((resolve, reject) =>
        this.db.all<T>(sql, params, (err, rows) => (err ? reject(err) : resolve(rows))),
      );
    }
    const st = await this.statement(sql);
    return new Promise((resolve, reject) => st.all<T>(params, (err, rows) => (err ? reject(err) : resolve(rows))));
  }

  async get<T = Row>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    for (const st of this.prepared.values()) {
      await new Promise<void>((resolve) => st.finalize(() => resolve()));
    }
    this.prepared.clear();
    await closeConnection(this.db);
  }
}

export class SqliteDb {
  private queue: Queued[] = [];
  private draining = false;
  private closed = false;
  private idle: (() => void)[] = [];
  /** Transactions committed and jobs they held: lets tests and the benchmark see group commit work. */
  readonly stats = { commits: 0, jobs: 0 };

  private constructor(
    private readonly writer: Connection,
    private readonly reader: Connection,
    private readonly maxBatch: number,
  ) {}

  /**
   * Opens (creating if needed) the file, sets the pragmas, runs `setup` on the writer before any reader.
   * Two processes opening a NEW file at once can get SQLITE_BUSY without the busy handler ever being
   * called (switching a fresh file to WAL and the first WAL-index setup do not wait on busy_timeout:
   * sqlite.org/wal.html, "Sometimes Queries Return SQLITE_BUSY In WAL Mode"), so the whole open is
   * retried with a short jittered pause for that error alone.
   */
  static async open(path: string, opts: SqliteDbOptions, setup: (tx: Tx) => Promise<void>): Promise<SqliteDb> {
    if (opts.maxBatch < 1) throw new Error("maxBatch must be >= 1");
    const deadline = Date.now() + opts.busyTimeoutMs;
    for (;;) {
      try {
        return await SqliteDb.openOnce(path, opts, setup);
      } catch (e) {
        if ((e as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      }
    }
  }

  private static async openOnce(path: string, opts: SqliteDbOptions, setup: (tx: Tx) => Promise<void>): Promise<SqliteDb> {
    const w = new Connection(
      await openConnection(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_FULLMUTEX),
      true,
    );
    let r: Connection | undefined;
    try {
      w.db.configure("busyTimeout", opts.busyTimeoutMs);
      // journal_mode cannot change inside a transaction, and is persistent in the file: set it first.
      const mode = await w.get<{ journal_mode: string }>("PRAGMA journal_mode=WAL");
      if (mode?.journal_mode !== "wal") throw new Error(`could not enable WAL (got ${mode?.journal_mode})`);
      await w.exec(`PRAGMA synchronous=${opts.synchronous}; PRAGMA foreign_keys=ON;`);
      await setup(w);
      r = new Connection(await openConnection(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_FULLMUTEX), false);
      r.db.configure("busyTimeout", opts.busyTimeoutMs);
      await r.exec("PRAGMA foreign_keys=ON; PRAGMA query_only=ON;");
      return new SqliteDb(w, r, opts.maxBatch);
    } catch (e) {
      await w.close().catch(() => {});
      await r?.close().catch(() => {});
      throw e;
    }
  }

  /** A read on committed data only (never sees a transaction in progress). */
  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    return this.reader.all<T>(sql, params);
  }

  async get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs `job` in a write transaction; resolves with its result only after that transaction COMMITs. */
  write<T>(job: Job<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job: job as Job<unknown>, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.draining = false;
      for (const wake of this.idle.splice(0)) wake();
    }
  }

  private async runBatch(batch: Queued[]): Promise<void> {
    const w = this.writer;
    // IMMEDIATE takes the write lock up front (waiting busy_timeout for another process), so no statement
    // inside can fail with SQLITE_BUSY on lock upgrade.
    try {
      await w.run("BEGIN IMMEDIATE");
    } catch (e) {
      for (const q of batch) q.reject(e);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      for (const q of batch) {
        await w.run("SAVEPOINT job");
        try {
          outcomes.push({ ok: true, value: await q.job(w) });
          await w.run("RELEASE job");
        } catch (error) {
          outcomes.push({ ok: false, error });
          // Undo only this job; if that fails the whole transaction is gone and the outer catch rejects all.
          await w.run("ROLLBACK TO job");
          await w.run("RELEASE job");
        }
      }
      await w.run("COMMIT");
    } catch (e) {
      await w.run("ROLLBACK").catch(() => {});
      for (const q of batch) q.reject(e);
      return;
    }
    this.stats.commits += 1;
    this.stats.jobs += batch.length;
    batch.forEach((q, i) => {
      const o = outcomes[i]!;
      if (o.ok) q.resolve(o.value);
      else q.reject(o.error);
    });
  }

  /** Waits for queued writes to commit, then closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.draining) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.reader.close();
    await this.writer.close();
  }
}
