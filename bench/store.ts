// Bench 1: the collector store's appendRunEvent (bench/store-bench.ts), sequential and 100 concurrent
// callers, under synchronous FULL and NORMAL, against raw sqlite3 INSERTs (one autocommit statement per
// row, same pragmas, same JSON body) on a plain table measured in the same run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { openSqliteStore } from "../collector/store/sql-store.js";
import type { SyncMode } from "../collector/store/sqlite-db.js";
import type { BenchRow } from "./report.js";
import { benchAppend } from "./store-bench.js";

function call(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
}

/** Rows/s of one-per-statement INSERTs, each its own implicit transaction (so one COMMIT per row). */
export async function rawInsertsPerS(path: string, synchronous: SyncMode, n: number): Promise<number> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
  });
  try {
    await call(db, "PRAGMA journal_mode=WAL");
    await call(db, `PRAGMA synchronous=${synchronous}`);
    await call(db, "CREATE TABLE ev (run_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL)");
    // The same body the store bench appends (a small ping step event), so only the store's work differs.
    const body = (seq: number) => JSON.stringify({ type: "step", runId: "raw-run", seq, at: Date.now(), result: { check: "ping", status: "ok", startedAt: Date.now(), durationMs: 12, findings: [], data: { rttMs: 3.2 } } });
    const t = performance.now();
    for (let seq = 0; seq < n; seq++) await call(db, "INSERT INTO ev (run_id, seq, type, body, received_at) VALUES (?, ?, ?, ?, ?)", ["raw-run", seq, "step", body(seq), Date.now()]);
    return n / ((performance.now() - t) / 1000);
  } finally {
    await new Promise<void>((r) => db.close(() => r()));
  }
}

export async function storeBench(quick: boolean): Promise<BenchRow[]> {
  const n = quick ? 300 : 2000;
  const rows: BenchRow[] = [];
  for (const synchronous of ["FULL", "NORMAL"] as const) {
    const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-store-"));
    try {
      const raw = await rawInsertsPerS(join(dir, "raw.db"), synchronous, n);
      const store = await openSqliteStore(join(dir, "store.db"), { synchronous });
      let r;
      try {
        r = await benchAppend(store, n);
      } finally {
        await store.close();
      }
      const baselineName = `raw INSERT x1 ${synchronous}`;
      const base = { bench: "store", unit: "events/s", baselineName, baseline: raw, better: "higher" as const };
      rows.push({ ...base, metric: `append sequential ${synchronous}`, value: r.sequentialPerS, note: `${n} events; one COMMIT per event` });
      rows.push({ ...base, metric: `append 100 callers ${synchronous}`, value: r.concurrentPerS, note: `${n} events; group commit shares COMMITs (${r.ratio.toFixed(1)}x sequential)` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
