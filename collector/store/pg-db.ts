// The PostgreSQL driver of the store (sql.ts SqlDb), for several collectors on one server: ONE dedicated
// writer connection running the same write queue as SQLite (write-queue.ts: BEGIN; a SAVEPOINT per job;
// COMMIT, so a job resolves only after the COMMIT holding it) and a pool for reads (autocommit, READ
// COMMITTED: each read sees only committed data).
//
// The store's SQL is written once with `?` placeholders; numberPlaceholders turns them into $1..$n.
// int8 (count(*), BIGINT columns: epoch ms) and numeric (sum) come back as JS numbers, set per client
// through `types`, never through pg.types.setTypeParser, which would change every pg user in the process.
// A writer that died (server restart, network, pg_terminate_backend) fails the transaction it was in
// (its jobs reject: the hub does not ack, the agent sends again) and is replaced for the next one.
// Connection errors never crash the process: every client and the pool have an 'error' listener.
import pg from "pg";
import { createLogger, type Logger } from "../../shared/log.js";
import type { BatchKind, Dialect, Job, Row, SqlDb, SqlParams, Tx } from "./sql.js";
import { WriteQueue, type QueueConnection } from "./write-queue.js";

export const PG_DIALECT: Dialect = {
  name: "postgres",
  // Other collectors write concurrently (READ COMMITTED): a row a job decides on is locked first.
  forUpdate: " FOR UPDATE",
  // Unlike SQLite's max(a, b), GREATEST/LEAST skip NULLs: the store only passes non-NULL operands.
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  least: (a, b) => `LEAST(${a}, ${b})`,
};

export interface PgDbOptions {
  /** Most jobs in one transaction (as SQLite's maxBatch). */
  maxBatch: number;
  /** Read connections (default 10). */
  poolSize?: number;
  /** Where dropped connections are reported (never with the URL: it holds the password). */
  log?: Logger;
}

/** Gives up connecting after this long (a server that does not answer must not hang the collector's start). */
const CONNECT_TIMEOUT_MS = 10_000;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** The parsers of this driver's clients: 64-bit integers and numerics as JS numbers (epoch ms, counts, sums). */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/**
 * `?` -> `$1`, `$2`, ... in order, except inside '...' strings, "..." identifiers, $tag$...$tag$
 * bodies, -- line comments and block comments, where a `?` is text.
 */
export function numberPlaceholders(sql: string): string {
  let out = "";
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    let end: number;
    if (c === "'" || c === '"') {
      // A doubled quote inside is an escaped quote: scanning on from after it reads the rest.
      end = sql.indexOf(c, i + 1);
      while (end !== -1 && sql[end + 1] === c) end = sql.indexOf(c, end + 2);
      end = end === -1 ? sql.length : end + 1;
    } else if (c === "-" && next === "-") {
      end = sql.indexOf("\n", i);
      end = end === -1 ? sql.length : end + 1;
    } else if (c === "/" && next === "*") {
      end = sql.indexOf("*/", i + 2);
      end = end === -1 ? sql.length : end + 2;
    } else if (c === "$" && /^\$[A-Za-z_]*\$/.test(sql.slice(i)) && !/[\w$]/.test(sql[i - 1] ?? "")) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      end = sql.indexOf(tag, i + tag.length);
      end = end === -1 ? sql.length : end + tag.length;
    } else if (c === "?") {
      out += `$${++n}`;
      i++;
      continue;
    } else {
      out += c;
      i++;
      continue;
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}

/** PostgreSQL's serialization failure and deadlock: the job is worth one more try. */
export const isRetryable = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === "40001" || code === "40P01";
};

/** The statements of one pg client (the writer inside a transaction, or a pooled reader). */
function clientTx(q: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>): Tx {
  return {
    async run(sql, params = []) {
      const r = await q(numberPlaceholders(sql), params as unknown[]);
      return { changes: r.rowCount ?? 0 };
    },
    async all<T = Row>(sql: string, params: SqlParams = []) {
      return (await q(numberPlaceholders(sql), params as unknown[])).rows as T[];
    },
    async get<T = Row>(sql: string, params: SqlParams = []) {
      return (await q(numberPlaceholders(sql), params as unknown[])).rows[0] as T | undefined;
    },
    async exec(sql) {
      // No parameters: the simple protocol, which takes several statements at once.
      await q(sql);
    },
  };
}

interface Writer extends QueueConnection {
  client: pg.Client;
  dead: boolean;
}

export class PgDb implements SqlDb {
  readonly dialect = PG_DIALECT;
  private readonly queue: WriteQueue;
  private writer: Writer | undefined;
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    writer: Writer,
    maxBatch: number,
  ) {
    this.writer = writer;
    this.queue = new WriteQueue({
      maxBatch,
      connection: () => this.currentWriter(),
      retryable: isRetryable,
      // BEGIN, a SAVEPOINT command or COMMIT failed: whatever the cause, the next transaction gets a
      // fresh connection (a live one closed here costs one reconnect; a dead one would fail every batch).
      onTransactionFailed: (e) => {
        const w = this.writer;
        this.writer = undefined;
        if (w) {
          this.log.warn("PostgreSQL writer connection dropped; the next write reconnects", { error: errorText(e) });
          void w.client.end().catch(() => {});
        }
      },
    });
  }

  /** Transactions committed and jobs they held: group commit shows as jobs > commits. */
  get stats(): { commits: number; jobs: number } {
    return this.queue.stats;
  }

  /** Connects the writer and the pool, runs `setup` (migrations) on the writer before any read. */
  static async open(url: string, opts: PgDbOptions, setup: (tx: Tx) => Promise<void>): Promise<PgDb> {
    if (opts.maxBatch < 1) throw new Error("maxBatch must be >= 1");
    const log = opts.log ?? createLogger("store");
    const writer = await connectWriter(url, log);
    try {
      await setup(writer.tx);
    } catch (e) {
      await writer.client.end().catch(() => {});
      throw e;
    }
    const pool = new pg.Pool({ connectionString: url, types: PG_TYPES, max: opts.poolSize ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    pool.on("error", (e) => log.warn("PostgreSQL read connection dropped", { error: errorText(e) }));
    return new PgDb(url, pool, log, writer, opts.maxBatch);
  }

  private async currentWriter(): Promise<Writer> {
    if (this.writer && !this.writer.dead) return this.writer;
    if (this.writer) void this.writer.client.end().catch(() => {});
    this.writer = undefined;
    const w = await connectWriter(this.url, this.log);
    this.writer = w;
    return w;
  }

  all<T = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    return this.pool.query(numberPlaceholders(sql), params as unknown[]).then((r) => r.rows as T[]);
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
    await this.writer?.client.end().catch(() => {});
    this.writer = undefined;
    await this.pool.end().catch(() => {});
  }
}

async function connectWriter(url: string, log: Logger): Promise<Writer> {
  const client = new pg.Client({ connectionString: url, types: PG_TYPES, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
  const w: Writer = {
    client,
    dead: false,
    tx: clientTx((sql, params) => client.query(sql, params)),
    begin: async () => void (await client.query("BEGIN")),
    commit: async () => void (await client.query("COMMIT")),
    rollback: async () => void (await client.query("ROLLBACK")),
  };
  // An idle connection that drops emits 'error': without a listener that would end the process.
  client.on("error", (e) => {
    w.dead = true;
    log.warn("PostgreSQL writer connection lost", { error: errorText(e) });
  });
  client.on("end", () => {
    w.dead = true;
  });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw new Error(`cannot connect to PostgreSQL: ${errorText(e)}`);
  }
  return w;
}

/** An error's message for logs (pg's messages never carry the connection string). */
function errorText(e: unknown): string {
  if (e instanceof Error) return (e as Error & { code?: string }).code ? `${e.message} (${(e as Error & { code?: string }).code})` : e.message;
  return String(e);
}
