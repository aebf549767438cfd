// The SQLite driver of the store (sql.ts SqlDb): one writer connection whose every transaction goes
// through the write queue (write-queue.ts, group commit), and one reader connection for plain SELECTs.
//
// Why one writer: a sqlite3 Database is one connection, and two async transactions interleaved on it fail
// ("cannot start a transaction within a transaction") or, worse, mix their statements.
// Why a separate reader: in WAL mode readers never block the writer and see only committed data, so a
// read can never observe a batch that is later rolled back.
import sqlite3 from "sqlite3";
import type { BatchKind, Dialect, Job, Row, SqlDb, SqlParams, Tx } from "./sql.js";
import { WriteQueue } from "./write-queue.js";

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

export const SQLITE_DIALECT: Dialect = {
  name: "sqlite",
  // The write transaction (BEGIN IMMEDIATE) already holds the whole file: nothing else can write.
  forUpdate: "",
  greatest: (a, b) => `max(${a}, ${b})`,
  least: (a, b) => `min(${a}, ${b})`,
};

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

  async run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    if (!this.cacheStatements) {
      return new Promise((resolve, reject) =>
        this.db.run(sql, params as unknown[], function (err) {
          if (err) reject(err);
          else resolve({ changes: this.changes });
        }),
      );
    }
    const st = await this.statement(sql);
    return new Promise((resolve, reject) =>
      st.run(params, function (err) {
        if (err) reject(err);
        else resolve({ changes: this.changes });
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

export class SqliteDb implements SqlDb {
  readonly dialect = SQLITE_DIALECT;
  private readonly queue: WriteQueue;
  private closed = false;

  private constructor(
    private readonly writer: Connection,
    private readonly reader: Connection,
    maxBatch: number,
  ) {
    // IMMEDIATE takes the write lock up front (waiting busy_timeout for another process), so no statement
    // inside can fail with SQLITE_BUSY on lock upgrade.
    const conn = {
      tx: writer,
      begin: async () => void (await writer.run("BEGIN IMMEDIATE")),
      commit: async () => void (await writer.run("COMMIT")),
      rollback: async () => void (await writer.run("ROLLBACK")),
    };
    this.queue = new WriteQueue({ maxBatch, connection: async () => conn });
  }

  /** Transactions committed and jobs they held: lets tests and the benchmark see group commit work. */
  get stats(): { commits: number; jobs: number } {
    return this.queue.stats;
  }

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

  all<T = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    return this.reader.all<T>(sql, params);
  }

  async get<T = Row>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  write<T>(job: Job<T>): Promise<T> {
    return this.queue.write(job);
  }

  writeBatched<I, O>(kind: BatchKind<I, O>, item: I): Promise<O> {
    return this.queue.writeBatched(kind, item);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.close();
    await this.reader.close();
    await this.writer.close();
  }
}
