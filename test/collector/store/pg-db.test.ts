// The PostgreSQL driver (collector/store/pg-db.ts): `?` numbering that leaves quoted text and comments
// alone, 64-bit integers and sums read as numbers, group commit seen in stats, and a writer killed by
// the server (pg_terminate_backend) failing only its own transaction and replaced for the next write.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { numberPlaceholders, PgDb } from "../../../collector/store/pg-db.js";
import { memoryLogger } from "../../../shared/log.js";
import { PG_BACKEND, pgServerUrl } from "../../helpers/store-backends.js";
import { createTestDatabase } from "../../helpers/postgres.js";

test.each([
  ["SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"],
  ["SELECT '?', \"col?\", ? FROM t", "SELECT '?', \"col?\", $1 FROM t"],
  ["SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"],
  ["SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"],
  ["SELECT /* a ? here */ ?", "SELECT /* a ? here */ $1"],
  ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 WHERE '?' = '?' $$ LANGUAGE sql; SELECT ?", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 WHERE '?' = '?' $$ LANGUAGE sql; SELECT $1"],
  ["SELECT $tag$ ? $tag$, ?", "SELECT $tag$ ? $tag$, $1"],
  ["SELECT 1", "SELECT 1"],
])("numberPlaceholders(%j)", (sql, numbered) => {
  expect(numberPlaceholders(sql)).toBe(numbered);
});

describe.skipIf(PG_BACKEND.skip)(PG_BACKEND.title, () => {
  let db: PgDb;
  let log: ReturnType<typeof memoryLogger>;
  beforeEach(async () => {
    log = memoryLogger();
    db = await PgDb.open(await createTestDatabase(pgServerUrl()), { maxBatch: 100, log }, (tx) => tx.exec("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT NOT NULL)"));
  });
  afterEach(async () => {
    await db.close();
  });

  test("BIGINT, count(*) and sum() come back as numbers (per client: the global pg parsers are untouched)", async () => {
    const big = 1_700_000_000_123;
    await db.write((tx) => tx.run("INSERT INTO t VALUES (?, 'a'), (?, 'b')", [big, 2]));
    expect(await db.get("SELECT count(*) AS n, sum(k) AS s, max(k) AS m FROM t")).toEqual({ n: 2, s: big + 2, m: big });
    const pg = (await import("pg")).default;
    expect(pg.types.getTypeParser(20, "text")("5")).toBe("5");
  });

  test("group commit: 100 jobs queued at once share fewer commits", async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => db.write((tx) => tx.run("INSERT INTO t VALUES (?, 'v')", [i]))));
    expect(db.stats.jobs).toBe(100);
    expect(db.stats.commits).toBeLessThan(100);
    expect((await db.get<{ n: number }>("SELECT count(*) AS n FROM t"))?.n).toBe(100);
  });

  test("a writer killed by the server fails its transaction's jobs; the next write reconnects and succeeds", async () => {
    await db.write((tx) => tx.run("INSERT INTO t VALUES (1, 'before')"));
    const pid = await db.write(async (tx) => (await tx.get<{ pid: number }>("SELECT pg_backend_pid() AS pid"))!.pid);
    // A job that is inside its transaction when the server ends the connection.
    const doomed = db.write(async (tx) => {
      await tx.run("INSERT INTO t VALUES (2, 'lost')");
      await db.get("SELECT pg_terminate_backend(?)", [pid]);
      await tx.run("INSERT INTO t VALUES (3, 'lost')");
    });
    await expect(doomed).rejects.toThrow();
    await db.write((tx) => tx.run("INSERT INTO t VALUES (4, 'after')"));
    expect((await db.all<{ k: number }>("SELECT k FROM t ORDER BY k")).map((r) => r.k)).toEqual([1, 4]);
    const newPid = await db.write(async (tx) => (await tx.get<{ pid: number }>("SELECT pg_backend_pid() AS pid"))!.pid);
    expect(newPid).not.toBe(pid);
  });

  test("an idle writer killed by the server does not crash the process; the next write reconnects", async () => {
    const pid = await db.write(async (tx) => (await tx.get<{ pid: number }>("SELECT pg_backend_pid() AS pid"))!.pid);
    await db.get("SELECT pg_terminate_backend(?)", [pid]);
    await expect.poll(() => log.lines.some((r) => /writer connection lost/.test(r.msg)), { timeout: 10_000 }).toBe(true);
    await db.write((tx) => tx.run("INSERT INTO t VALUES (9, 'after')"));
    expect((await db.all<{ k: number }>("SELECT k FROM t")).map((r) => r.k)).toEqual([9]);
  });
});
