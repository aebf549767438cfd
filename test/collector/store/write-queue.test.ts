// The write queue (collector/store/write-queue.ts) as each driver runs it: concurrent jobs share
// transactions (group commit), a failing job is undone alone, readers never see a batch before its
// COMMIT, and batched kinds run consecutive items in one call, falling back to one call per item when
// that call throws, so one bad item fails only itself.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { BatchKind, SqlDb, Tx } from "../../../collector/store/sql.js";
import { DB_BACKENDS } from "../../helpers/store-backends.js";

describe.each(DB_BACKENDS)("write queue on $title", (backend) => {
  let db: SqlDb;
  beforeEach(async () => {
    db = await backend.openDb({ maxBatch: 100 }, (tx) => tx.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"));
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

  test("a job whose statement fails (duplicate key) is undone alone; the transaction goes on", async () => {
    const settled = await Promise.allSettled([
      db.write((tx) => tx.run("INSERT INTO t VALUES (1, 'a')")),
      db.write(async (tx) => {
        await tx.run("INSERT INTO t VALUES (5, 'b')");
        await tx.run("INSERT INTO t VALUES (1, 'again')");
      }),
      db.write((tx) => tx.run("INSERT INTO t VALUES (3, 'c')")),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await keys()).toEqual([1, 3]);
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

  test("jobs run one at a time, in order, even when 200 arrive at once (group commit: fewer commits than jobs)", async () => {
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
    expect(db.stats.jobs).toBe(200);
    expect(db.stats.commits).toBeLessThan(200);
  });

  /** A kind that inserts its items with one multi-row INSERT and records each call's size. */
  function insertKind(calls: number[], max = 50): BatchKind<{ k: number; v: string }, number> {
    return {
      name: "insert",
      max,
      async run(tx: Tx, items) {
        calls.push(items.length);
        await tx.run(`INSERT INTO t (k, v) VALUES ${items.map(() => "(?, ?)").join(", ")}`, items.flatMap((i) => [i.k, i.v]));
        return items.map((i) => i.k * 10);
      },
    };
  }

  test("consecutive items of a batched kind run as one call (at most kind.max), answered in order", async () => {
    const calls: number[] = [];
    const kind = insertKind(calls, 50);
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => db.writeBatched(kind, { k: i, v: "v" })));
    expect(answers).toEqual(Array.from({ length: 120 }, (_, i) => i * 10));
    expect(await keys()).toHaveLength(120);
    // The first item may start a transaction alone; everything queued behind it goes in calls of <= 50.
    expect(Math.max(...calls)).toBeLessThanOrEqual(50);
    expect(calls.length).toBeLessThan(120);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(120);
    expect(db.stats.jobs).toBe(120);
  });

  test("a batched call that throws is retried item by item: only the bad item fails", async () => {
    const calls: number[] = [];
    const kind = insertKind(calls);
    await db.write((tx) => tx.run("INSERT INTO t VALUES (3, 'taken')"));
    // Queued behind a job, so the five items certainly meet in one call.
    const gate = db.write(async () => undefined);
    const items = [1, 2, 3, 4, 5].map((k) => db.writeBatched(kind, { k, v: "new" }));
    await gate;
    const settled = await Promise.allSettled(items);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(await keys()).toEqual([1, 2, 3, 4, 5]);
    expect((await db.get<{ v: string }>("SELECT v FROM t WHERE k = 3"))?.v).toBe("taken");
    expect(calls[0]).toBe(5);
    expect(calls.slice(1)).toEqual([1, 1, 1, 1, 1]);
  });

  test("jobs and batched items interleave in queue order; items between two jobs share one call", async () => {
    const calls: number[] = [];
    const kind = insertKind(calls);
    const order: string[] = [];
    const gate = db.write(async () => undefined);
    const all = [
      db.write(async (tx) => (order.push("job1"), tx.run("INSERT INTO t VALUES (100, 'j')"))),
      db.writeBatched(kind, { k: 1, v: "i" }),
      db.writeBatched(kind, { k: 2, v: "i" }),
      db.write(async (tx) => (order.push(`job2 sees ${(await tx.all("SELECT k FROM t")).length}`), undefined)),
    ];
    await gate;
    await Promise.all(all);
    expect(order).toEqual(["job1", "job2 sees 3"]);
    expect(calls).toEqual([2]);
  });

  test("close() lets queued writes commit, then refuses new ones", async () => {
    const pending = Array.from({ length: 20 }, (_, i) => db.write((tx) => tx.run("INSERT INTO t VALUES (?, 'v')", [i])));
    const closing = db.close();
    await expect(db.write(async () => undefined)).rejects.toThrow(/closed/);
    await Promise.all(pending);
    await closing;
    db = await backend.reopenDb();
    expect(await keys()).toHaveLength(20);
  });
});
