// The SQLite side of the store's maintenance (docs/operations.md): online backup with VACUUM INTO and
// the integrity check. The retention prune is the same SQL on both engines (maintenance-prune.ts).
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
import { DATA_FILE_MODE, sqliteFiles } from "./file-modes.js";
import type { BackupReport, TableCount } from "./maintenance-store.js";
import type { SqlDb } from "./sql.js";

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

/** SQLite's own check of the store's file ("ok" when healthy). */
export async function sqliteIntegrityCheck(db: SqlDb): Promise<string> {
  const rows = await db.all<{ integrity_check: string }>("PRAGMA integrity_check");
  return rows.map((r) => r.integrity_check).join("\n");
}

/**
 * A consistent copy of the store's file `dbPath` at `dest`, read on a connection of its own (read-only),
 * while the collector writes on.
 */
export async function sqliteBackup(dbPath: string, busyTimeoutMs: number, dest: string): Promise<BackupReport> {
  const target = resolve(dest);
  const dir = dirname(target);
  // Written over the store itself (or its WAL), the "backup" would destroy what it copies.
  const realDir = await realpath(dir);
  const store = new Set(await Promise.all(sqliteFiles(resolve(dbPath)).map(async (f) => join(await realpath(dirname(f)), basename(f)))));
  if (store.has(join(realDir, basename(target)))) throw new Error(`refusing to write the backup over the store's own file ${target}`);

  // A hidden temporary name beside the target (same file system, so the rename is atomic), created
  // empty and 0600 first: VACUUM INTO writes into an empty file and keeps its mode.
  const tmp = join(dir, `.${basename(target)}.partial-${randomBytes(6).toString("hex")}`);
  await (await open(tmp, "wx", DATA_FILE_MODE)).close();
  try {
    const src = await openConnection(dbPath, sqlite3.OPEN_READONLY);
    try {
      src.configure("busyTimeout", busyTimeoutMs);
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
