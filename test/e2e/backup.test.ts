// `netdiag-collector backup` (the built binary) while a real collector ingests: a real-link agent
// keeps uploading runs during the whole backup. The copy opens, passes the integrity check, is at the
// current schema version (opening it migrates nothing), holds every run acknowledged before the backup
// started with all its steps, and is one consistent snapshot (every run in it holds an unbroken prefix
// of its events); ingest never failed meanwhile. Plus the command's errors and the audit row.
import sqlite3 from "sqlite3";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Ticket } from "../../shared/api.js";
import { DB_FILE } from "../../collector/server.js";
import { MIGRATIONS } from "../../collector/store/migrations.js";
import { openSqliteStore } from "../../collector/store/sql-store.js";
import { runBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, markOf, offlineRunEvents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";

const STEPS = 40;
/** Runs stored and acknowledged before the backup starts (about 2 MB of steps). */
const RUNS_BEFORE = 150;
const CURRENT_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

const BackupJson = z.object({
  ok: z.literal(true),
  path: z.string(),
  bytes: z.number(),
  schemaVersion: z.number(),
  integrity: z.literal("ok"),
  tables: z.array(z.object({ name: z.string(), rows: z.number() })),
  tookMs: z.number(),
});

function raw<T>(path: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all<T>(sql, [], (e, rows) => db.close(() => (e ? reject(e) : resolve(rows))));
    });
  });
}

let col: TestCollector;
let agent: FakeAgent;
let ticketId: string;
let out: string;
let n = 0;

/** One whole offline run: every event sent, then every one acknowledged (stored and committed). */
async function uploadRun(): Promise<string> {
  const runId = `run_bk${String(n++).padStart(6, "0")}`;
  for (const ev of offlineRunEvents(runId, ticketId, STEPS)) await agent.emit(ev);
  await agent.drained();
  return runId;
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "netdiag-backup-"));
  col = await startTestCollector({ heartbeatMs: 60_000 }, { limits: { ingest: { framesPerS: 10_000, frameBurst: 10_000, maxOfflineRunsPerHour: 100_000 } } });
  ticketId = (await col.api("/api/tickets", Ticket, { body: { customer: { name: "Backup Test", contact: "+86 000" }, service: "Fiber", symptom: "backup" } })).id;
  const [creds] = await enrollAgents(col.url, col.adminToken, 1, ticketId);
  agent = startFakeAgent({ url: col.url, creds: creds! });
  await agent.opened();
}, 60_000);
afterAll(async () => {
  await agent?.stop();
  await col?.close();
  await rm(out, { recursive: true, force: true });
});

describe("backup while the collector ingests", () => {
  test("consistent, integrity-checked, current schema, every acknowledged run in it", { timeout: 180_000 }, async () => {
    const acked: string[] = [];
    for (let i = 0; i < RUNS_BEFORE; i++) acked.push(await uploadRun());

    // The agent keeps uploading through the whole backup.
    let producing = true;
    const during: string[] = [];
    const producer = (async () => {
      while (producing) during.push(await uploadRun());
    })();
    const file = join(out, "netdiag-backup.sqlite");
    let r;
    try {
      r = await runBin("collector", ["backup", "--to", file, "--data-dir", col.dataDir, "--json"]);
    } finally {
      producing = false;
      await producer;
    }
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = BackupJson.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ path: file, schemaVersion: CURRENT_VERSION, bytes: (await stat(file)).size });
    // Ingest went on while the backup ran, and never failed.
    expect(during.length).toBeGreaterThan(0);
    expect(agent.frames.filter((f) => f.type === "error")).toEqual([]);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(out)).filter((f) => f !== "netdiag-backup.sqlite")).toEqual([]);
    const runsInCopy = report.tables.find((t) => t.name === "runs")!.rows;
    expect(runsInCopy).toBeGreaterThanOrEqual(RUNS_BEFORE);
    expect(runsInCopy).toBeLessThanOrEqual(RUNS_BEFORE + during.length);

    // One snapshot: each run in it has events 0..k with no gap (the agent sends them in order, each
    // acknowledged after its own commit), never a later event without the earlier ones.
    const gaps = await raw<{ run_id: string }>(file, "SELECT run_id FROM run_events GROUP BY run_id HAVING min(seq) <> 0 OR max(seq) <> count(*) - 1");
    expect(gaps).toEqual([]);
    expect(await raw(file, "SELECT max(version) AS v FROM schema_migrations")).toEqual([{ v: CURRENT_VERSION }]);

    // It opens as a store of this build with nothing to migrate, and holds every acknowledged run whole.
    const copy = await openSqliteStore(file);
    try {
      expect(await copy.integrityCheck()).toBe("ok");
      expect(await raw(file, "SELECT count(*) AS n FROM schema_migrations")).toEqual([{ n: MIGRATIONS.length }]);
      for (const id of acked) {
        const run = await copy.getRun(id);
        expect(run?.state, id).toBe("completed");
        expect(run?.steps.map((s) => markOf(s.result))).toEqual(Array.from({ length: STEPS }, (_, i) => `${id}:${i + 1}`));
      }
    } finally {
      await copy.close();
    }

    // The backup is in the audit trail of the collector it copied.
    const audit = await col.running.store.listAudit({ action: "store.backup" });
    expect(audit).toMatchObject([{ actor: "local-cli", outcome: "ok", detail: { to: file, bytes: report.bytes, schemaVersion: CURRENT_VERSION } }]);
  });

  test("a second backup to the same name replaces the first as a whole; text report names every table", async () => {
    const file = join(out, "again.sqlite");
    expect((await runBin("collector", ["backup", "--to", file, "--data-dir", col.dataDir])).code).toBe(0);
    await uploadRun();
    const r = await runBin("collector", ["backup", "--to", file, "--data-dir", col.dataDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^backup written to ${file}: [\\d.]+ MiB, schema version ${CURRENT_VERSION}, integrity ok`));
    for (const t of ["tickets", "runs", "run_events", "audit", "schema_migrations"]) expect(r.stdout).toMatch(new RegExp(`^  ${t} +\\d+$`, "m"));
    const copy = await raw<{ n: number }>(file, "SELECT count(*) AS n FROM runs");
    const live = await raw<{ n: number }>(join(col.dataDir, DB_FILE), "SELECT count(*) AS n FROM runs");
    expect(copy).toEqual(live);
  });

  test("errors: no --to, no store, over the store itself; nothing created", async () => {
    const none = await runBin("collector", ["backup", "--data-dir", col.dataDir]);
    expect(none).toMatchObject({ code: 2 });
    expect(none.stderr).toMatch(/backup needs --to FILE/);

    const nowhere = join(out, "no-store");
    const missing = await runBin("collector", ["backup", "--to", join(out, "x.sqlite"), "--data-dir", nowhere]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no collector store at/);
    await expect(stat(nowhere)).rejects.toThrow(/ENOENT/);

    const self = await runBin("collector", ["backup", "--to", join(col.dataDir, DB_FILE), "--data-dir", col.dataDir]);
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/refusing to write the backup over the store's own file/);
    expect(await col.running.store.integrityCheck()).toBe("ok");
    expect((await readdir(out)).filter((f) => f.startsWith("x.") || f.includes("partial"))).toEqual([]);
  });
});
