// The one write queue with group commit, for both drivers (sqlite-db.ts, pg-db.ts): every write job of
// a process goes through it, one transaction at a time on the driver's single writer connection.
//
// Group commit: jobs that queue up while a transaction runs go together into the next one, each inside
// its own SAVEPOINT (a failing job rolls back only its own work), and every job's promise settles only
// after the COMMIT that contains it. A batched kind (sql.ts BatchKind) goes further: consecutive queued
// items of one kind are handed to ONE `run` call in one SAVEPOINT; if that call throws, each of its items
// is tried again alone in its own SAVEPOINT, so one bad item fails only itself.
import type { BatchKind, Job, Tx } from "./sql.js";

/** The writer connection as the queue sees it: its statements plus the transaction boundaries. */
export interface QueueConnection {
  readonly tx: Tx;
  /** Starts the write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN). */
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface WriteQueueOptions {
  /** Most jobs (batched items count one each) in one transaction: bounds how long a COMMIT delays the first. */
  maxBatch: number;
  /** The writer for the next transaction (a driver may replace one that died). */
  connection(): Promise<QueueConnection>;
  /**
   * An error worth one more try of the same job in a fresh SAVEPOINT (PostgreSQL's serialization
   * failure and deadlock: the other transaction went on, so a second try normally succeeds).
   */
  retryable?(e: unknown): boolean;
  /** A whole transaction failed (BEGIN, a SAVEPOINT command or COMMIT): the driver may drop the connection. */
  onTransactionFailed?(e: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface QueuedJob {
  job: Job<unknown>;
  kind?: undefined;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface QueuedItem {
  kind: BatchKind<unknown, unknown>;
  item: unknown;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

type Queued = QueuedJob | QueuedItem;

export class WriteQueue {
  private queue: Queued[] = [];
  private draining = false;
  private closed = false;
  private idle: (() => void)[] = [];
  /** Transactions committed and jobs they held: group commit shows as jobs > commits. */
  readonly stats = { commits: 0, jobs: 0 };

  constructor(private readonly o: WriteQueueOptions) {
    if (o.maxBatch < 1) throw new Error("maxBatch must be >= 1");
  }

  write<T>(job: Job<T>): Promise<T> {
    return this.push((resolve, reject) => ({ job: job as Job<unknown>, resolve, reject }));
  }

  writeBatched<I, O>(kind: BatchKind<I, O>, item: I): Promise<O> {
    if (kind.max < 1) return Promise.reject(new Error(`batch kind ${kind.name}: max must be >= 1`));
    return this.push((resolve, reject) => ({ kind: kind as BatchKind<unknown, unknown>, item, resolve, reject }));
  }

  private push<T>(make: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => Queued): Promise<T> {
    if (this.closed) return Promise.reject(new Error("store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push(make(resolve as (v: unknown) => void, reject));
      if (!this.draining) void this.drain();
    });
  }

  /** Stops taking jobs and waits for every queued one to settle. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.draining) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.o.maxBatch);
        await this.runTransaction(batch);
      }
    } finally {
      this.draining = false;
      for (const wake of this.idle.splice(0)) wake();
    }
  }

  private async runTransaction(batch: Queued[]): Promise<void> {
    if (batch.length === 1 && batch[0]!.kind === undefined) return this.runSoleJob(batch[0] as QueuedJob);
    let conn: QueueConnection;
    try {
      conn = await this.o.connection();
      await conn.begin();
    } catch (e) {
      this.o.onTransactionFailed?.(e);
      for (const q of batch) q.reject(e);
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      for (const group of groups(batch)) {
        if (group[0]!.kind === undefined) {
          outcomes.push(await this.runJob(conn.tx, (group[0] as QueuedJob).job));
        } else {
          outcomes.push(...(await this.runItems(conn.tx, group as QueuedItem[])));
        }
      }
      await conn.commit();
    } catch (e) {
      await conn.rollback().catch(() => {});
      this.o.onTransactionFailed?.(e);
      for (const q of batch) q.reject(e);
      return;
    }
    this.stats.commits += 1;
    this.stats.jobs += batch.length;
    batch.forEach((q, i) => {
      const o = outcomes[i]!;
      if (o.ok) q.resolve(o.value);
      else q.reject(o.error);
    });
  }

  /**
   * A job alone in its transaction (most writes when the collector is not busy): the transaction is its
   * savepoint, which saves the SAVEPOINT and RELEASE round trips on the path of every such write (a run
   * trigger is several). A throw rolls the transaction back; a retryable one runs it once more.
   */
  private async runSoleJob(q: QueuedJob): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let conn: QueueConnection;
      try {
        conn = await this.o.connection();
        await conn.begin();
      } catch (e) {
        this.o.onTransactionFailed?.(e);
        return q.reject(e);
      }
      let value: unknown;
      try {
        value = await q.job(conn.tx);
      } catch (error) {
        try {
          await conn.rollback();
        } catch (e) {
          this.o.onTransactionFailed?.(e);
          return q.reject(error);
        }
        if (attempt === 0 && this.o.retryable?.(error)) continue;
        return q.reject(error);
      }
      try {
        await conn.commit();
      } catch (e) {
        await conn.rollback().catch(() => {});
        this.o.onTransactionFailed?.(e);
        return q.reject(e);
      }
      this.stats.commits += 1;
      this.stats.jobs += 1;
      return q.resolve(value);
    }
  }

  /**
   * One job in its own SAVEPOINT. A throw of the job is its outcome; a throw of the SAVEPOINT commands
   * themselves means the transaction is gone, and propagates (every job of the batch is rejected).
   */
  private async runJob(tx: Tx, job: Job<unknown>): Promise<Outcome> {
    let outcome = await inSavepoint(tx, () => job(tx));
    if (!outcome.ok && this.o.retryable?.(outcome.error)) outcome = await inSavepoint(tx, () => job(tx));
    return outcome;
  }

  /** Consecutive items of one kind: one call; if it throws, each item alone. */
  private async runItems(tx: Tx, items: QueuedItem[]): Promise<Outcome[]> {
    const kind = items[0]!.kind;
    const all = await inSavepoint(tx, () => callKind(kind, tx, items.map((q) => q.item)));
    if (all.ok) return (all.value as unknown[]).map((value) => ({ ok: true, value }));
    const out: Outcome[] = [];
    for (const q of items) {
      const one = await this.runJob(tx, async (t) => (await callKind(kind, t, [q.item]))[0]);
      out.push(one);
    }
    return out;
  }
}

async function callKind(kind: BatchKind<unknown, unknown>, tx: Tx, items: unknown[]): Promise<unknown[]> {
  const answers = await kind.run(tx, items);
  if (answers.length !== items.length) throw new Error(`batch kind ${kind.name} answered ${answers.length} of ${items.length} items`);
  return answers;
}

async function inSavepoint(tx: Tx, body: () => Promise<unknown>): Promise<Outcome> {
  await tx.run("SAVEPOINT job");
  try {
    const value = await body();
    await tx.run("RELEASE SAVEPOINT job");
    return { ok: true, value };
  } catch (error) {
    // Undo only this job; if that fails the whole transaction is gone and the caller rejects the batch.
    await tx.run("ROLLBACK TO SAVEPOINT job");
    await tx.run("RELEASE SAVEPOINT job");
    return { ok: false, error };
  }
}

/** The batch split into runs: each plain job alone, consecutive items of one kind together (at most kind.max). */
function groups(batch: Queued[]): Queued[][] {
  const out: Queued[][] = [];
  for (const q of batch) {
    const last = out[out.length - 1];
    if (q.kind !== undefined && last && last[0]!.kind === q.kind && last.length < q.kind.max) last.push(q);
    else out.push([q]);
  }
  return out;
}
