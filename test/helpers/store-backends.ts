// The store's two engines for the contract tests: each backend gives a fresh, empty store per test
// (SQLite: a new file in a temp dir; PostgreSQL: a new database on the run's server,
// test/helpers/postgres.ts) and can open the same one again (as after a restart). Test files run
// `describe.each(STORE_BACKENDS)` so the SAME tests hold for both; a backend that cannot run here
// carries its reason (`skip`, also in its title) and its tests skip.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject, onTestFinished } from "vitest";
import type { DialectName, SqlDb, Tx } from "../../collector/store/sql.js";
import { SqliteDb } from "../../collector/store/sqlite-db.js";
import pg from "pg";
import sqlite3 from "sqlite3";
import { numberPlaceholders, PG_TYPES, PgDb } from "../../collector/store/pg-db.js";
import { openPgStore, openSqliteStore, type SqlStore } from "../../collector/store/sql-store.js";
import type { Logger } from "../../shared/log.js";
import { createTestDatabase, PG_SKIP } from "./postgres.js";
import { titled } from "./system-deps.js";

export interface StoreOpenOptions {
  log?: Logger;
  maxBatch?: number;
}

export interface StoreBackend {
  name: DialectName;
  /** For test titles ("SQLite", "PostgreSQL [skipped: why]"). */
  title: string;
  /** Why this backend cannot run here (its tests skip). */
  skip: string | undefined;
  /** A new, empty database: a file path or a postgres:// URL (removed after the test). */
  newLocation(): Promise<string>;
  open(location: string, o?: StoreOpenOptions): Promise<SqlStore>;
  /** One statement on a separate connection, behind the store's back (to look, or to try to tamper). */
  raw<T = Record<string, unknown>>(location: string, sql: string, params?: unknown[]): Promise<T[]>;
}

function rawSqlite<T>(path: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (err) => {
      if (err) return reject(err);
      db.all<T>(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows))));
    });
  });
}

async function rawPg<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, types: PG_TYPES });
  c.on("error", () => {});
  await c.connect();
  try {
    return (await c.query(numberPlaceholders(sql), params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function tempSqlitePath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-store-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "netdiag.sqlite");
}

/** The run's PostgreSQL server (global setup); a test on it without one is a setup error. */
export function pgServerUrl(): string {
  const url = inject("pgUrl");
  if (!url) throw new Error("no PostgreSQL server in this run (NETDIAG_TEST_PG=off or none installed)");
  return url;
}

const PG_OFF = process.env.NETDIAG_TEST_PG === "off" ? "NETDIAG_TEST_PG=off" : undefined;

export const SQLITE_BACKEND: StoreBackend = {
  name: "sqlite",
  title: "SQLite",
  skip: undefined,
  newLocation: tempSqlitePath,
  open: (path, o = {}) => openSqliteStore(path, o),
  raw: rawSqlite,
};

export const PG_BACKEND: StoreBackend = {
  name: "postgres",
  title: titled("PostgreSQL", PG_SKIP ?? PG_OFF),
  skip: PG_SKIP ?? PG_OFF,
  newLocation: () => createTestDatabase(pgServerUrl()),
  open: (url, o = {}) => openPgStore(url, o),
  raw: rawPg,
};

export const STORE_BACKENDS: readonly StoreBackend[] = [SQLITE_BACKEND, PG_BACKEND];

/** A backend's bare SqlDb (driver tests): a fresh database per test, and the same one again. */
export interface DbBackend {
  name: DialectName;
  title: string;
  skip: string | undefined;
  /** A fresh database with `setup` run on it (tables), remembered for reopenDb. */
  openDb(o: { maxBatch: number }, setup: (tx: Tx) => Promise<void>): Promise<SqlDb>;
  reopenDb(): Promise<SqlDb>;
}

function sqliteDbBackend(): DbBackend {
  let last: { path: string; maxBatch: number } | undefined;
  return {
    name: "sqlite",
    title: "SQLite",
    skip: undefined,
    async openDb(o, setup) {
      last = { path: await tempSqlitePath(), maxBatch: o.maxBatch };
      return SqliteDb.open(last.path, { synchronous: "FULL", busyTimeoutMs: 1000, maxBatch: o.maxBatch }, setup);
    },
    reopenDb: () => SqliteDb.open(last!.path, { synchronous: "FULL", busyTimeoutMs: 1000, maxBatch: last!.maxBatch }, async () => {}),
  };
}

function pgDbBackend(): DbBackend {
  let last: { url: string; maxBatch: number } | undefined;
  return {
    name: "postgres",
    title: PG_BACKEND.title,
    skip: PG_BACKEND.skip,
    async openDb(o, setup) {
      last = { url: await createTestDatabase(pgServerUrl()), maxBatch: o.maxBatch };
      return PgDb.open(last.url, { maxBatch: o.maxBatch }, setup);
    },
    reopenDb: () => PgDb.open(last!.url, { maxBatch: last!.maxBatch }, async () => {}),
  };
}

export const DB_BACKENDS: readonly DbBackend[] = [sqliteDbBackend(), pgDbBackend()];
