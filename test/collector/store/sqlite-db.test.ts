// The write queue of the sqlite3 wrapper: concurrent jobs share transactions (group commit), a failing
// job is undone alone, and readers never see a batch before its COMMIT.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, afterEach, expect, test } from "vitest";
import { SqliteDb } from "../../../collector/store/sqlite-db.js";

let dir: string;
let db: SqliteDb;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-sqlite-db-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  db = await SqliteDb.open(join(dir, `q-${++n}.db`), { synchronous: "FULL", busyTimeoutMs: 1000, maxBatch: 100 }, (tx) =>
    tx.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT"),
  );
});
afterEach(async () => {
  await db.close();
});

const keys = async (): Promise<number[]> => (await db.all<{ k: number }>("SELECT k FROM t ORDER BY k")).map((r) => r.k);

test("a job that wrote and then threw is rolled back alone; its batch-mates commit", async () => {
  const jobs = [
    db.write((tx) => tx.run("INSERT INTO t VALUES (1, 'a')")),
    db.write(async (tx) => {
      await tx.run("INSERT INTO t VALUES (2, 'half')");
      throw new Error("job bug");
    }),
    db.write((tx) => tx.run("INSERT INTO t VALUES (3, 'c')")),
  ];
  const settled = await Promise.allSettled(jobs);
  expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect(await keys()).toEqual([1, 3]);
  // All three were queued together, so they shared at most two commits (the first may run alone).
  expect(db.stats.jobs).toBe(3);
  expect(db.stats.commits).toBeLessThanOrEqual(2);
});

test("a reader does not see a job's write until its batch commits", async () => {
  let seenInside: number[] | undefined;
  await db.write(async (tx) => {
    await tx.run("INSERT INTO t VALUES (7, 'x')");
    seenInside = await keys();
    expect(await tx.all("SELECT k FROM t")).toHaveLength(1);
  });
  expect(seenInside).toEqual([]);
  expect(await keys()).toEqual([7]);
});

test("jobs run one at a time, in order, even when 200 arrive at once", async () => {
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      db.write(async (tx) => {
        order.push(i);
        await tx.run("INSERT INTO t VALUES (?, ?)", [i, "v"]);
      }),
    ),
  );
  expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
  expect(await keys()).toHaveLength(200);
  expect(db.stats.commits).toBeLessThan(200);
});
