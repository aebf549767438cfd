// Bench: ingest at fleet scale, on both store backends. 50 agents (real agent links, in a child process
// of their own: bench/ingest-child.ts) each stream one offline run of M realistic path steps,
// pipelined, into a real collector; the figure is acknowledged (so committed: ack-after-commit) step
// results per second. The baseline is the same rows (run_id, seq, type, body, received_at, the same
// JSON bodies) put into a table of the same shape through the same driver as fast as plain SQL can:
// multi-row INSERTs of 100 rows, 500 rows per transaction, one statement at a time, with the same
// durability (SQLite WAL synchronous=FULL; PostgreSQL with its defaults, fsync and synchronous_commit
// on). Goal (issue 13): the collector >= 0.7x the baseline on each backend.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import sqlite3 from "sqlite3";
import { CollectorConfig } from "../collector/config.js";
import { startCollector } from "../collector/server.js";
import { openStore } from "../collector/store/sql-store.js";
import { createLogger } from "../shared/log.js";
import { startChild } from "./child.js";
import type { IngestChildMsg, IngestStart } from "./ingest-child.js";
import { offlineRun } from "./steps.js";
import { PG_SKIP, startPgServer } from "./pg-server.js";
import type { BenchRow } from "./report.js";
import { seedAgents, seedTicket } from "./seed.js";

const ROWS_PER_INSERT = 100;
const ROWS_PER_COMMIT = 500;

/** The rows the store would write for n runs of m steps: [run_id, seq, type, body, received_at]. */
function sameRows(n: number, m: number): [string, number, string, string, number][] {
  const rows: [string, number, string, string, number][] = [];
  for (let i = 0; i < n; i++) {
    for (const ev of offlineRun("tk_bench00", m)) if (ev.type === "step") rows.push([ev.runId, ev.seq, ev.type, JSON.stringify(ev), Date.now()]);
  }
  return rows;
}

const values = (k: number) => Array.from({ length: k }, () => "(?, ?, ?, ?, ?)").join(", ");
const numbered = (k: number) => Array.from({ length: k }, (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`).join(", ");

async function rawSqlite(path: string, rows: ReturnType<typeof sameRows>): Promise<number> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
  });
  const run = (sql: string, params: unknown[] = []) => new Promise<void>((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
  try {
    await run("PRAGMA journal_mode=WAL");
    await run("PRAGMA synchronous=FULL");
    // The store's run_events (migration v1), without the foreign key to runs.
    await run("CREATE TABLE run_events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL, PRIMARY KEY (run_id, seq)) STRICT, WITHOUT ROWID");
    const t = performance.now();
    for (let c = 0; c < rows.length; c += ROWS_PER_COMMIT) {
      await run("BEGIN IMMEDIATE");
      const commit = rows.slice(c, c + ROWS_PER_COMMIT);
      for (let i = 0; i < commit.length; i += ROWS_PER_INSERT) {
        const part = commit.slice(i, i + ROWS_PER_INSERT);
        await run(`INSERT INTO run_events (run_id, seq, type, body, received_at) VALUES ${values(part.length)}`, part.flat());
      }
      await run("COMMIT");
    }
    return rows.length / ((performance.now() - t) / 1000);
  } finally {
    await new Promise<void>((r) => db.close(() => r()));
  }
}

async function rawPostgres(url: string, rows: ReturnType<typeof sameRows>): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE TABLE raw_run_events (run_id TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (run_id, seq))`);
    const t = performance.now();
    for (let b = 0; b < rows.length; b += ROWS_PER_COMMIT) {
      await c.query("BEGIN");
      const commit = rows.slice(b, b + ROWS_PER_COMMIT);
      for (let i = 0; i < commit.length; i += ROWS_PER_INSERT) {
        const part = commit.slice(i, i + ROWS_PER_INSERT);
        await c.query(`INSERT INTO raw_run_events (run_id, seq, type, body, received_at) VALUES ${numbered(part.length)}`, part.flat());
      }
      await c.query("COMMIT");
    }
    return rows.length / ((performance.now() - t) / 1000);
  } finally {
    await c.end();
  }
}

/**
 * The store alone, without the network, the frame checks and the acks: the same n runs of m steps
 * handed to Store.appendRunEvent all at once (as the hub hands them over while agents replay), each
 * call resolving after its COMMIT. Separates what the store costs from what the rest of the path does.
 */
async function measureStore(where: { sqlitePath: string } | { database: string }, n: number, m: number): Promise<number> {
  const store = await openStore(where);
  try {
    const ticketId = await seedTicket(store);
    const agents = await seedAgents(store, n, ticketId);
    const runs = agents.map(() => offlineRun(ticketId, m));
    await Promise.all(agents.map((a, i) => store.appendRunEvent(a.agentId, runs[i]![0]!, Date.now())));
    const t0 = performance.now();
    const results = await Promise.all(agents.flatMap((a, i) => runs[i]!.filter((ev) => ev.type === "step").map((ev) => store.appendRunEvent(a.agentId, ev, Date.now()))));
    const s = (performance.now() - t0) / 1000;
    const notStored = results.filter((r) => r.outcome !== "stored").length;
    if (notStored) throw new Error(`ingest (store): ${notStored} steps not stored`);
    return (n * m) / s;
  } finally {
    await store.close();
  }
}

/** Acked step results/s of n agents x one offline run of m steps into a real collector on `database`. */
async function measureCollector(dataDir: string, database: string | undefined, n: number, m: number): Promise<number> {
  const log = createLogger("bench", "silent");
  // The per-agent frame-rate limit (collector/limits.ts) is lifted: a replaying agent is throttled to it
  // on purpose in production, and this measures the path behind it. Every other limit stays.
  const limits = { ingest: { framesPerS: 1e9, frameBurst: 1e9 } };
  const cfg = CollectorConfig.parse({ dataDir, host: "127.0.0.1", port: 0, logLevel: "silent", maxAgents: n + 10, ...(database ? { database } : {}) });
  const collector = await startCollector(cfg, { log, limits });
  const child = startChild<IngestChildMsg>("ingest-child.js", []);
  try {
    const ticketId = await seedTicket(collector.store);
    const agents = await seedAgents(collector.store, n, ticketId);
    const start: IngestStart = { type: "start", url: collector.url, ticketId, agents, steps: m };
    child.proc.send(start);
    const open = await child.next();
    if (open.type !== "open") throw new Error(`ingest agents: ${open.type === "error" ? open.error : open.type}`);
    const cpu0 = process.cpuUsage();
    child.proc.send({ type: "go" });
    const done = await child.next();
    const cpu = process.cpuUsage(cpu0);
    if (done.type !== "done") throw new Error(`ingest agents: ${done.type === "error" ? done.error : done.type}`);
    if (done.acked !== n * (m + 2)) throw new Error(`ingest: ${done.acked} acks for ${n * (m + 2)} events`);
    console.log(`\n  ingest ${database ? "PostgreSQL" : "SQLite"}: ${(done.elapsedMs / 1000).toFixed(2)} s; collector CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms (${((cpu.user + cpu.system) / (n * m)).toFixed(0)} us/step), agents' CPU ${done.cpuMs.toFixed(0)} ms`);
    return (n * m) / (done.elapsedMs / 1000);
  } finally {
    await child.stop();
    await collector.close();
  }
}

export async function ingestBench(quick: boolean): Promise<BenchRow[]> {
  const n = 50;
  const m = quick ? 40 : 300;
  const rows = sameRows(n, m);
  const bodyBytes = Buffer.byteLength(rows[0]![3]);
  const out: BenchRow[] = [];
  const row = (backend: string, value: number, baseline: number, note: string, what = "acked step results/s"): BenchRow => ({
    bench: "ingest",
    metric: `${what}, ${backend}`,
    unit: "steps/s",
    value,
    baselineName: `raw multi-row INSERT, ${backend}`,
    baseline,
    better: "higher",
    note,
  });
  const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-ingest-"));
  try {
    const raw = await rawSqlite(join(dir, "raw.db"), rows);
    const got = await measureCollector(join(dir, "collector"), undefined, n, m);
    out.push(row("SQLite", got, raw, `${n} agents x ${m} steps (${bodyBytes} B bodies), pipelined; WAL synchronous=FULL; goal >= 0.7x`));
    const store = await measureStore({ sqlitePath: join(dir, "store.db") }, n, m);
    out.push(row("SQLite", store, raw, "the same steps handed to Store.appendRunEvent at once, no network", "store alone: committed steps/s"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (PG_SKIP || process.env.NETDIAG_BENCH_PG === "off") {
    console.log(`\n  ingest on PostgreSQL skipped: ${PG_SKIP ?? "NETDIAG_BENCH_PG=off"}`);
    return out;
  }
  const server = await startPgServer();
  const dir2 = await mkdtemp(join(tmpdir(), "netdiag-bench-ingest-"));
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE raw");
    await admin.query("CREATE DATABASE store");
    await admin.query("CREATE DATABASE store_alone");
    await admin.end();
    const dbUrl = (name: string) => server.url.replace(/\/postgres$/, `/${name}`);
    const raw = await rawPostgres(dbUrl("raw"), rows);
    const got = await measureCollector(dir2, dbUrl("store"), n, m);
    out.push(row("PostgreSQL", got, raw, `same rows; PostgreSQL on loopback, fsync and synchronous_commit on; goal >= 0.7x`));
    const store = await measureStore({ database: dbUrl("store_alone") }, n, m);
    out.push(row("PostgreSQL", store, raw, "the same steps handed to Store.appendRunEvent at once, no network", "store alone: committed steps/s"));
  } finally {
    await server.stop();
    await rm(dir2, { recursive: true, force: true });
  }
  return out;
}
