// Opening a store another process is writing to (backup, export and token create do, beside a running
// collector) takes no write lock when its schema is current: a collector's group commit re-takes the
// lock the moment it frees it, so a lock per migration could run out the busy timeout under load.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openSqliteStore } from "../../../collector/store/sql-store.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-locked-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exec = (db: sqlite3.Database, sql: string) => new Promise<void>((res, rej) => db.exec(sql, (e) => (e ? rej(e) : res())));

test("a current store opens while another connection holds the write lock; only a write waits for it", async () => {
  const path = join(dir, "netdiag.sqlite");
  await (await openSqliteStore(path)).close();
  // Another writer (the running collector mid-transaction) holds the lock for the whole test.
  const other = new sqlite3.Database(path);
  await exec(other, "BEGIN IMMEDIATE");
  try {
    const store = await openSqliteStore(path, { busyTimeoutMs: 200 });
    try {
      expect(await store.getTicket("tk_nonexistent")).toBeUndefined();
      // A write does wait for the lock, and gives up after the busy timeout.
      await expect(store.appendAudit({ at: 1, actor: "test", action: "x", outcome: "ok" })).rejects.toThrow(/SQLITE_BUSY/);
    } finally {
      await store.close();
    }
  } finally {
    await exec(other, "ROLLBACK");
    await new Promise<void>((r) => other.close(() => r()));
  }
});
