// The agent's durable outbox: an append-only log of CRC-checked records in the state dir. An event is
// fsynced before it is sent, acks are appended as small records, and the log is rewritten (temp +
// rename) once it is mostly acknowledged. A torn or corrupt record is reported and skipped, never fatal.
// Format and size policy: docs/delivery.md.
import { open, readFile, rename, unlink, writeFile, mkdir, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import { z } from "zod";
import type { Logger } from "../../shared/log.js";
import { Id, MAX_FRAME_BYTES, RunEvent } from "../../shared/protocol.js";
import type { Authorizer } from "../run-executor.js";
import { KnownRuns, KNOWN_RUNS_KEPT, type Outbox } from "./outbox.js";

/** First 8 bytes of every outbox and spool file; the trailing digit is the format version. */
export const OUTBOX_MAGIC = Buffer.from("NDOUTBX1", "latin1");
/** u32 LE payload length + u32 LE CRC-32 of the payload. */
export const RECORD_HEADER_BYTES = 8;
/** An event larger than a frame could never be sent, so a longer length field is corruption. */
export const MAX_RECORD_BYTES = MAX_FRAME_BYTES + 1024;
/** 8 MiB of unacknowledged events is hours of runs; past it new runs are refused (docs/delivery.md). */
export const DEFAULT_OUTBOX_MAX_BYTES = 8 * 1024 * 1024;
/** Below this the log is never rewritten: rewriting a small file buys nothing. */
const COMPACT_MIN_BYTES = 64 * 1024;

export const OutboxRecord = z.discriminatedUnion("k", [
  z.object({ k: z.literal("ev"), ev: RunEvent }),
  z.object({ k: z.literal("ack"), runId: Id, seq: z.number().int().nonnegative() }),
  /** Carries an unfinished run's position across a rewrite that drops its acked events. */
  z.object({ k: z.literal("open"), runId: Id, nextSeq: z.number().int().nonnegative(), steps: z.number().int().nonnegative(), offline: z.boolean() }),
  /** Run ids handled before, oldest first, carried across a rewrite: a re-sent request is never run twice. */
  z.object({ k: z.literal("seen"), runIds: z.array(Id).max(KNOWN_RUNS_KEPT) }),
]);
export type OutboxRecord = z.infer<typeof OutboxRecord>;

export function encodeRecord(r: OutboxRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(r), "utf8");
  const head = Buffer.alloc(RECORD_HEADER_BYTES);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

export interface CorruptRegion {
  offset: number;
  bytes: number;
}

export interface DecodeResult {
  records: OutboxRecord[];
  /** Unreadable stretches followed by readable records (bit rot, a bad sector, a foreign write). */
  corrupt: CorruptRegion[];
  /** Unreadable bytes at the very end: normally a write torn by a crash (never acknowledged to anyone). */
  tornTailBytes: number;
  /** The file did not start with OUTBOX_MAGIC (records are still searched for). */
  badMagic: boolean;
}

/** The record at `at`, or undefined when no valid record starts there. */
function recordAt(buf: Buffer, at: number): { rec: OutboxRecord; next: number } | undefined {
  if (at + RECORD_HEADER_BYTES > buf.length) return undefined;
  const len = buf.readUInt32LE(at);
  const start = at + RECORD_HEADER_BYTES;
  // Cheap tests first: resync tries every byte offset of a damaged stretch.
  if (len < 2 || len > MAX_RECORD_BYTES || start + len > buf.length || buf[start] !== 0x7b) return undefined;
  const payload = buf.subarray(start, start + len);
  if (crc32(payload) !== buf.readUInt32LE(at + 4)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = OutboxRecord.safeParse(json);
  return parsed.success ? { rec: parsed.data, next: start + len } : undefined;
}

/**
 * Every readable record of an outbox file. A damaged stretch is skipped by trying each following byte
 * offset until a record with a valid length, CRC and schema starts there, so one flipped byte costs one
 * record, not the rest of the file.
 */
export function decodeRecords(buf: Buffer): DecodeResult {
  const badMagic = buf.length < OUTBOX_MAGIC.length || !buf.subarray(0, OUTBOX_MAGIC.length).equals(OUTBOX_MAGIC);
  const records: OutboxRecord[] = [];
  const corrupt: CorruptRegion[] = [];
  let i = badMagic ? 0 : OUTBOX_MAGIC.length;
  let badFrom = -1;
  while (i < buf.length) {
    const r = recordAt(buf, i);
    if (!r) {
      if (badFrom < 0) badFrom = i;
      i++;
      continue;
    }
    if (badFrom >= 0) corrupt.push({ offset: badFrom, bytes: i - badFrom });
    badFrom = -1;
    records.push(r.rec);
    i = r.next;
  }
  return { records, corrupt, tornTailBytes: badFrom >= 0 ? buf.length - badFrom : 0, badMagic };
}

/** What opening the log found; `corruption` is undefined when the file was clean. */
export interface OutboxRecovery {
  records: number;
  pendingEvents: number;
  corruption?: { regions: number; corruptBytes: number; tornTailBytes: number; badMagic: boolean; savedAs: string };
  /** Engineer-requested runs the previous process started but never finished (it died). */
  interruptedRuns: { runId: string; nextSeq: number; steps: number }[];
}

export interface FileOutboxOptions {
  path: string;
  log: Logger;
  /** Budget of unacknowledged bytes; see refuseWhenFull. */
  maxBytes?: number;
}

export class OutboxLockedError extends Error {
  readonly code = "OUTBOX_LOCKED";
}

interface RunPos {
  nextSeq: number;
  steps: number;
  offline: boolean;
}

const key = (runId: string, seq: number) => `${runId}\u0000${seq}`;
const TERMINAL = new Set<RunEvent["type"]>(["run.finished", "run.refused"]);

export class FileOutbox implements Outbox {
  private readonly pend = new Map<string, { ev: RunEvent; bytes: number }>();
  private readonly runs = new Map<string, RunPos>();
  private readonly known = new KnownRuns();
  private liveBytes = 0;
  private fileBytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  readonly maxBytes: number;
  /** How many times the log was rewritten (for tests and diagnostics). */
  compactions = 0;

  private constructor(
    private readonly o: FileOutboxOptions,
    private fd: FileHandle,
    readonly recovery: OutboxRecovery,
  ) {
    this.maxBytes = o.maxBytes ?? DEFAULT_OUTBOX_MAX_BYTES;
  }

  /** Opens (creating) the log at `path`, replays it and takes the single-owner lock beside it. */
  static async open(o: FileOutboxOptions): Promise<FileOutbox> {
    await mkdir(dirname(o.path), { recursive: true, mode: 0o700 });
    await takeLock(`${o.path}.lock`);
    let buf: Buffer;
    try {
      buf = await readFile(o.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      buf = Buffer.alloc(0);
    }
    const decoded = decodeRecords(buf);
    const recovery: OutboxRecovery = { records: decoded.records.length, pendingEvents: 0, interruptedRuns: [] };
    const damaged = buf.length > 0 && (decoded.badMagic || decoded.corrupt.length > 0 || decoded.tornTailBytes > 0);
    if (damaged) {
      // Keep the damaged original for a human; the live log is rewritten from what was readable.
      const savedAs = `${o.path}.corrupt`;
      await writeFile(savedAs, buf, { mode: 0o600 });
      recovery.corruption = {
        regions: decoded.corrupt.length,
        corruptBytes: decoded.corrupt.reduce((n, r) => n + r.bytes, 0),
        tornTailBytes: decoded.tornTailBytes,
        badMagic: decoded.badMagic,
        savedAs,
      };
      o.log.error("outbox file damaged: readable records kept, damaged bytes skipped", { path: o.path, ...recovery.corruption, recordsKept: decoded.records.length });
    }
    const fd = await open(o.path, "a", 0o600);
    const box = new FileOutbox(o, fd, recovery);
    for (const r of decoded.records) box.apply(r);
    box.fileBytes = buf.length;
    recovery.pendingEvents = box.pend.size;
    recovery.interruptedRuns = [...box.runs].filter(([, p]) => !p.offline).map(([runId, p]) => ({ runId, nextSeq: p.nextSeq, steps: p.steps }));
    const mostlyAcked = box.fileBytes > COMPACT_MIN_BYTES && box.liveBytes * 2 < box.fileBytes;
    if (damaged || buf.length === 0 || mostlyAcked) await box.rewrite();
    return box;
  }

  /** Unacknowledged bytes at or over the budget: new runs are refused (accepted runs still append). */
  get full(): boolean {
    return this.liveBytes >= this.maxBytes;
  }

  get stats(): { liveBytes: number; fileBytes: number; pendingEvents: number; openRuns: number } {
    return { liveBytes: this.liveBytes, fileBytes: this.fileBytes, pendingEvents: this.pend.size, openRuns: this.runs.size };
  }

  append(ev: RunEvent): Promise<void> {
    return this.appendMany([ev]);
  }

  /** Appends events with one write and one fdatasync; resolves only once they are on disk. */
  appendMany(evs: RunEvent[]): Promise<void> {
    const recs: OutboxRecord[] = evs.map((ev) => ({ k: "ev", ev }));
    return this.serial(async () => {
      await this.write(recs, true);
      for (const r of recs) this.apply(r);
    });
  }

  /** Not fsynced: a lost ack only means the collector sees the event again and ignores it. */
  ack(runId: string, seq: number): Promise<void> {
    return this.serial(async () => {
      if (!this.pend.has(key(runId, seq))) return;
      const rec: OutboxRecord = { k: "ack", runId, seq };
      await this.write([rec], false);
      this.apply(rec);
      if (this.fileBytes > COMPACT_MIN_BYTES && this.liveBytes * 2 < this.fileBytes) await this.rewrite();
    });
  }

  pending(): RunEvent[] {
    return [...this.pend.values()].map((p) => p.ev);
  }

  knows(runId: string): boolean {
    return this.known.has(runId) || this.runs.has(runId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain.catch(() => undefined);
    await this.fd.close();
    await unlink(`${this.o.path}.lock`).catch(() => undefined);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("outbox is closed"));
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async write(recs: OutboxRecord[], durable: boolean): Promise<void> {
    const buf = Buffer.concat(recs.map(encodeRecord));
    let off = 0;
    while (off < buf.length) off += (await this.fd.write(buf, off)).bytesWritten;
    if (durable) await this.fd.datasync();
    this.fileBytes += buf.length;
  }

  /** Replays one record into memory (at open, and after each write). */
  private apply(r: OutboxRecord): void {
    if (r.k === "seen") {
      for (const id of r.runIds) this.known.add(id);
      return;
    }
    if (r.k === "open") {
      this.runs.set(r.runId, { nextSeq: r.nextSeq, steps: r.steps, offline: r.offline });
      this.known.add(r.runId);
      return;
    }
    if (r.k === "ack") {
      const p = this.pend.get(key(r.runId, r.seq));
      if (p) (this.pend.delete(key(r.runId, r.seq)), (this.liveBytes -= p.bytes));
      return;
    }
    const ev = r.ev;
    this.known.add(ev.runId);
    const k = key(ev.runId, ev.seq);
    const bytes = encodeRecord(r).length;
    const old = this.pend.get(k);
    if (old) this.liveBytes -= old.bytes;
    this.pend.set(k, { ev, bytes });
    this.liveBytes += bytes;
    let pos = this.runs.get(ev.runId);
    if (!pos) this.runs.set(ev.runId, (pos = { nextSeq: 0, steps: 0, offline: ev.type === "run.offline" }));
    // Counted once per seq: a rewritten log lists events its "open" record already counted.
    if (ev.seq >= pos.nextSeq) {
      pos.nextSeq = ev.seq + 1;
      if (ev.type === "step") pos.steps++;
    }
    if (TERMINAL.has(ev.type)) this.runs.delete(ev.runId);
  }

  /** Rewrites the log as magic + known run ids + open-run positions + pending events: temp file, fsync, rename, fsync dir. */
  private async rewrite(): Promise<void> {
    const seen = this.known.list();
    const recs: OutboxRecord[] = [
      ...(seen.length ? [{ k: "seen", runIds: seen } as const] : []),
      ...[...this.runs].map(([runId, p]): OutboxRecord => ({ k: "open", runId, ...p })),
      ...this.pending().map((ev): OutboxRecord => ({ k: "ev", ev })),
    ];
    const buf = Buffer.concat([OUTBOX_MAGIC, ...recs.map(encodeRecord)]);
    const tmp = `${this.o.path}.tmp-${process.pid}`;
    const h = await open(tmp, "w", 0o600);
    try {
      await h.writeFile(buf);
      await h.datasync();
    } finally {
      await h.close();
    }
    await rename(tmp, this.o.path);
    await fsyncDir(dirname(this.o.path));
    await this.fd.close();
    this.fd = await open(this.o.path, "a", 0o600);
    this.fileBytes = buf.length;
    this.compactions++;
  }
}

export const INTERRUPTED_REASON = "the agent stopped (restart or crash) before the run finished; it is not run again";

/**
 * Closes the runs a killed predecessor left open, so their tickets do not wait forever: each gets
 * run.finished "failed" with the next seq and the number of steps it did produce (all still delivered).
 */
export async function finishInterruptedRuns(outbox: FileOutbox, now: number): Promise<RunEvent[]> {
  const evs: RunEvent[] = outbox.recovery.interruptedRuns.map((r) => ({
    type: "run.finished",
    runId: r.runId,
    seq: r.nextSeq,
    at: now,
    outcome: "failed",
    steps: r.steps,
    reason: INTERRUPTED_REASON,
  }));
  if (evs.length) await outbox.appendMany(evs);
  return evs;
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** One `run` process owns the log. A lock left by a dead process (kill -9) is taken over. */
async function takeLock(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: "wx", mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const pid = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new OutboxLockedError(`another netdiag-agent (pid ${pid}) is using the outbox ${lockPath.replace(/\.lock$/, "")}`);
    }
    await unlink(lockPath).catch(() => undefined);
  }
  throw new OutboxLockedError(`cannot take the outbox lock ${lockPath}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Where the outbox lives in the agent's state dir (config.stateDir, else beside the config file). */
export function outboxPaths(stateDir: string): { log: string; spool: string } {
  return { log: join(stateDir, "outbox.log"), spool: join(stateDir, "outbox.spool") };
}

/**
 * The size policy: a full outbox refuses NEW runs (run.refused OUTBOX_FULL, itself a tiny event) and
 * never drops or refuses an event of a run it already accepted. Checked before the customer is asked.
 */
export function refuseWhenFull(outbox: { full: boolean; maxBytes: number }, inner: Authorizer): Authorizer {
  return async (req, hooks) => {
    if (outbox.full) {
      return { ok: false, code: "OUTBOX_FULL", reason: `the agent holds ${outbox.maxBytes} bytes of results the collector has not acknowledged yet; new runs wait until they are delivered` };
    }
    return inner(req, hooks);
  };
}
