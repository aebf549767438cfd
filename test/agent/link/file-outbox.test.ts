// The durable outbox on real files: the record codec on raw bytes, fsynced appends, acks and
// compaction, damaged files (flipped bytes, torn tails), the size policy and crash recovery.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { FindingOf } from "../../../shared/checks.js";
import { memoryLogger } from "../../../shared/log.js";
import type { RunEvent, RunRequestFrame } from "../../../shared/protocol.js";
import { AgentConfig } from "../../../agent/config.js";
import {
  decodeRecords,
  encodeRecord,
  FileOutbox,
  finishInterruptedRuns,
  INTERRUPTED_REASON,
  OUTBOX_MAGIC,
  OutboxLockedError,
  refuseWhenFull,
  type OutboxRecord,
} from "../../../agent/link/file-outbox.js";
import { RunExecutor } from "../../../agent/run-executor.js";

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-outbox-"));
  path = join(dir, "outbox.log");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const step = (runId: string, seq: number, pad = 0): RunEvent => ({
  type: "step",
  runId,
  seq,
  at: 1_700_000_000_000 + seq,
  result: { check: "ping", status: "ok", startedAt: 1_700_000_000_000, durationMs: 12.5, findings: padding(pad), data: { targets: [] } },
});
/** Findings whose messages add up to `bytes` characters: a step of a chosen size that still fits its schema. */
const padding = (bytes: number): FindingOf<"ping">[] =>
  Array.from({ length: Math.ceil(bytes / 1000) }, (_, i) => ({ code: "TARGET_SLOW" as const, severity: "info" as const, message: "x".repeat(Math.min(1000, bytes - i * 1000)) }));
const accepted = (runId: string): RunEvent => ({ type: "run.accepted", runId, seq: 0, at: 1_700_000_000_000 });
const ev = (e: RunEvent): OutboxRecord => ({ k: "ev", ev: e });
const file = (...recs: OutboxRecord[]) => Buffer.concat([OUTBOX_MAGIC, ...recs.map(encodeRecord)]);

describe("record codec (raw bytes)", () => {
  test("a record is u32 LE length, u32 LE CRC-32 of the payload, then the JSON payload", () => {
    const rec: OutboxRecord = { k: "ack", runId: "run_abcdef", seq: 7 };
    const b = encodeRecord(rec);
    const payload = Buffer.from(JSON.stringify(rec));
    expect(b.readUInt32LE(0)).toBe(payload.length);
    expect(b.readUInt32LE(4)).toBe(crc32(payload));
    expect(b.subarray(8).equals(payload)).toBe(true);
  });

  const a = ev(accepted("run_aaaaaa"));
  const s1 = ev(step("run_aaaaaa", 1));
  const s2 = ev(step("run_aaaaaa", 2));
  const k1 = { k: "ack", runId: "run_aaaaaa", seq: 0 } as const;
  const clean = file(a, s1, s2, k1);
  const off = (i: number) => OUTBOX_MAGIC.length + [a, s1, s2, k1].slice(0, i).reduce((n, r) => n + encodeRecord(r).length, 0);
  const flip = (b: Buffer, at: number) => {
    const c = Buffer.from(b);
    c[at] = c[at]! ^ 0xff;
    return c;
  };
  const lenTo = (b: Buffer, at: number, v: number) => {
    const c = Buffer.from(b);
    c.writeUInt32LE(v, at);
    return c;
  };

  test.each([
    { name: "clean file", buf: clean, seqs: [0, 1, 2, -1], regions: 0, torn: 0, badMagic: false },
    { name: "magic only", buf: Buffer.from(OUTBOX_MAGIC), seqs: [], regions: 0, torn: 0, badMagic: false },
    { name: "empty file", buf: Buffer.alloc(0), seqs: [], regions: 0, torn: 0, badMagic: true },
    { name: "byte flipped inside the 2nd record's JSON", buf: flip(clean, off(1) + 20), seqs: [0, 2, -1], regions: 1, torn: 0, badMagic: false },
    { name: "byte flipped in the 2nd record's CRC", buf: flip(clean, off(1) + 5), seqs: [0, 2, -1], regions: 1, torn: 0, badMagic: false },
    { name: "2nd record's length points past the end", buf: lenTo(clean, off(1), 200_000), seqs: [0, 2, -1], regions: 1, torn: 0, badMagic: false },
    { name: "2nd record's length absurd (4 GiB)", buf: lenTo(clean, off(1), 0xffffffff), seqs: [0, 2, -1], regions: 1, torn: 0, badMagic: false },
    { name: "truncated mid-payload of the last record", buf: clean.subarray(0, off(3) + 12), seqs: [0, 1, 2], regions: 0, torn: 12, badMagic: false },
    { name: "truncated mid-header of the last record", buf: clean.subarray(0, off(3) + 5), seqs: [0, 1, 2], regions: 0, torn: 5, badMagic: false },
    { name: "garbage between records", buf: Buffer.concat([clean.subarray(0, off(2)), Buffer.from("\u0000garbage\u00ff\u0010"), clean.subarray(off(2))]), seqs: [0, 1, 2, -1], regions: 1, torn: 0, badMagic: false },
    { name: "magic overwritten", buf: Buffer.concat([Buffer.from("XXXXXXXX"), clean.subarray(8)]), seqs: [0, 1, 2, -1], regions: 1, torn: 0, badMagic: true },
  ])("$name", ({ buf, seqs, regions, torn, badMagic }) => {
    const d = decodeRecords(buf);
    expect(d.records.map((r) => (r.k === "ev" ? r.ev.seq : -1))).toEqual(seqs);
    expect(d.corrupt).toHaveLength(regions);
    expect(d.tornTailBytes).toBe(torn);
    expect(d.badMagic).toBe(badMagic);
  });

  test("a record that passes the CRC but not the schema is skipped, not trusted", () => {
    const payload = Buffer.from(JSON.stringify({ k: "ev", ev: { type: "format-disk", runId: "run_aaaaaa", seq: 1 } }));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    const d = decodeRecords(Buffer.concat([OUTBOX_MAGIC, encodeRecord(a), head, payload, encodeRecord(s2)]));
    expect(d.records.map((r) => (r.k === "ev" ? r.ev.seq : -1))).toEqual([0, 2]);
    expect(d.corrupt).toHaveLength(1);
  });
});

describe("FileOutbox", () => {
  const log = memoryLogger();

  test("append is on disk when it resolves; a process that dies without closing loses nothing", async () => {
    const box = await FileOutbox.open({ path, log });
    await box.append(accepted("run_aaaaaa"));
    await box.append(step("run_aaaaaa", 1));
    // No close(): read the file as the next process would after a kill -9.
    const d = decodeRecords(await readFile(path));
    expect(d.records.map((r) => (r.k === "ev" ? r.ev.seq : -1))).toEqual([0, 1]);
    const again = await FileOutbox.open({ path, log });
    expect(again.pending().map((e) => e.seq)).toEqual([0, 1]);
    expect(again.recovery.corruption).toBeUndefined();
    await again.close();
  });

  test("acked events are forgotten across restarts and a mostly-acked log is rewritten smaller", async () => {
    const box = await FileOutbox.open({ path, log });
    await box.append(accepted("run_bbbbbb"));
    for (let s = 1; s <= 40; s++) await box.append(step("run_bbbbbb", s, 4000));
    await box.append({ type: "run.finished", runId: "run_bbbbbb", seq: 41, at: 1, outcome: "completed", steps: 40 });
    const grown = (await stat(path)).size;
    for (let s = 0; s <= 38; s++) await box.ack("run_bbbbbb", s);
    await box.close();
    const small = (await stat(path)).size;
    console.log(`outbox compaction: ${grown} B -> ${small} B after 39 of 42 acks, ${box.compactions} rewrite(s)`);
    expect(box.compactions).toBeGreaterThan(0);
    // Rewritten while more than half was acked and above 64 KiB, so it ends below both bounds.
    expect(small).toBeLessThan(grown / 3);
    expect(small).toBeLessThan(64 * 1024);
    const again = await FileOutbox.open({ path, log });
    expect(again.pending().map((e) => e.seq)).toEqual([39, 40, 41]);
    expect(again.recovery.interruptedRuns).toEqual([]);
    await again.close();
  });

  test("a damaged file is reported, its readable records kept, and appending goes on", async () => {
    const box = await FileOutbox.open({ path, log });
    for (let s = 0; s < 6; s++) await box.append(s === 0 ? accepted("run_cccccc") : step("run_cccccc", s));
    await box.close();
    const buf = await readFile(path);
    const mid = Math.floor(buf.length / 2);
    buf[mid] = buf[mid]! ^ 0x5a;
    buf[mid + 1] = buf[mid + 1]! ^ 0x5a;
    await writeFile(path, buf.subarray(0, buf.length - 7)); // and a torn last record
    const mem = memoryLogger();
    const hurt = await FileOutbox.open({ path, log: mem });
    const kept = hurt.pending().map((e) => e.seq);
    console.log(`corrupt outbox: produced 6, kept ${kept.length} (${kept.join(",")}), lost ${6 - kept.length}, report ${JSON.stringify(hurt.recovery.corruption)}`);
    expect(hurt.recovery.corruption).toMatchObject({ regions: 1, tornTailBytes: expect.any(Number), badMagic: false });
    expect(hurt.recovery.corruption!.tornTailBytes).toBeGreaterThan(0);
    expect(mem.lines.some((l) => l.level === "error" && /outbox file damaged/.test(l.msg))).toBe(true);
    expect(kept).toEqual([0, 1, 2, 4]); // the flipped record (3) and the torn one (5) are gone, the rest kept
    expect((await readFile(hurt.recovery.corruption!.savedAs)).length).toBe(buf.length - 7);
    await hurt.append(step("run_cccccc", 6));
    await hurt.close();
    const healed = await FileOutbox.open({ path, log });
    expect(healed.recovery.corruption).toBeUndefined();
    expect(healed.pending().map((e) => e.seq)).toEqual([0, 1, 2, 4, 6]);
    await healed.close();
  });

  test("a run a killed agent left open is closed as failed with its step count, once", async () => {
    const box = await FileOutbox.open({ path, log });
    await box.append(accepted("run_dddddd"));
    await box.append(step("run_dddddd", 1));
    await box.append(step("run_dddddd", 2));
    for (const s of [0, 1, 2]) await box.ack("run_dddddd", s);
    // An offline run imported half-way is not "interrupted": its spool file completes it.
    await box.append({ type: "run.offline", runId: "off_eeeeee", seq: 0, at: 1, ticketId: "tkt_aaaaaa", checks: ["ping"] });
    // kill -9: no close()
    const next = await FileOutbox.open({ path, log });
    expect(next.recovery.interruptedRuns).toEqual([{ runId: "run_dddddd", nextSeq: 3, steps: 2 }]);
    const closed = await finishInterruptedRuns(next, 42);
    expect(closed).toEqual([{ type: "run.finished", runId: "run_dddddd", seq: 3, at: 42, outcome: "failed", steps: 2, reason: INTERRUPTED_REASON }]);
    await next.close();
    const third = await FileOutbox.open({ path, log });
    expect(third.recovery.interruptedRuns).toEqual([]);
    await third.close();
  });

  test("knows(): a run id stays known after its events are acked, the log rewritten and reopened", async () => {
    const box = await FileOutbox.open({ path, log });
    expect(box.knows("run_kkkkkk")).toBe(false);
    await box.append(accepted("run_kkkkkk"));
    await box.append(step("run_kkkkkk", 1, 40_000));
    await box.append({ type: "run.finished", runId: "run_kkkkkk", seq: 2, at: 1, outcome: "completed", steps: 1 });
    expect(box.knows("run_kkkkkk")).toBe(true);
    for (const s of [0, 1, 2]) await box.ack("run_kkkkkk", s);
    // Mostly acked and over 64 KiB once more is written: rewritten without the run's events.
    await box.append(step("run_llllll", 1, 40_000));
    await box.ack("run_llllll", 1);
    expect(box.compactions).toBeGreaterThan(0);
    expect(box.pending()).toEqual([]);
    expect(box.knows("run_kkkkkk")).toBe(true);
    await box.close();
    const again = await FileOutbox.open({ path, log });
    expect([again.knows("run_kkkkkk"), again.knows("run_llllll"), again.knows("run_mmmmmm")]).toEqual([true, true, false]);
    expect(decodeRecords(await readFile(path)).records.filter((r) => r.k === "seen")).toEqual([{ k: "seen", runIds: ["run_kkkkkk", "run_llllll"] }]);
    await again.close();
  });

  test("only one live process owns the log; a dead owner's lock is taken over", async () => {
    await writeFile(`${path}.lock`, String(process.ppid));
    await expect(FileOutbox.open({ path, log })).rejects.toBeInstanceOf(OutboxLockedError);
    await writeFile(`${path}.lock`, "999999999"); // no such pid
    const box = await FileOutbox.open({ path, log });
    expect((await readFile(`${path}.lock`, "utf8")).trim()).toBe(String(process.pid));
    await box.close();
  });
});

describe("size policy: a full outbox refuses new runs, never an accepted run's events", () => {
  const req = (runId: string): RunRequestFrame => ({ type: "run.request", runId, ticketId: "tkt_aaaaaa", checks: ["ping"], params: {}, requestedBy: "alice", notAfter: Date.now() + 60_000 });

  test("an accepted run writes past the budget; the next run is refused OUTBOX_FULL; acks admit runs again", async () => {
    const maxBytes = 16 * 1024;
    const box = await FileOutbox.open({ path, log: memoryLogger(), maxBytes });
    const guard = refuseWhenFull(box, async () => ({ ok: true }));
    expect(await guard(req("run_ffffff"))).toEqual({ ok: true });
    await box.append(accepted("run_ffffff"));
    let produced = 0;
    for (let s = 1; s <= 10; s++) (await box.append(step("run_ffffff", s, 3000)), produced++);
    expect(box.stats.liveBytes).toBeGreaterThan(maxBytes);
    expect(box.pending().filter((e) => e.type === "step")).toHaveLength(produced);

    // The real executor, with the guard in front of the (allow-all) consent: refused before any check runs.
    const emitted: RunEvent[] = [];
    const exec = new RunExecutor({
      deps: { config: AgentConfig.parse({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1:9"], resolvers: ["127.0.0.1:9"], names: ["a.test"] } }), log: memoryLogger() },
      log: memoryLogger(),
      authorize: guard,
      emit: async (e) => (await box.append(e), void emitted.push(e)),
    });
    await exec.handle(req("run_gggggg"));
    // Acknowledged first (so the collector stops re-sending it), then refused.
    expect(emitted).toMatchObject([{ type: "run.received", seq: 0 }, { type: "run.refused", code: "OUTBOX_FULL", seq: 1 }]);
    console.log(`outbox budget ${maxBytes} B: accepted run kept ${produced}/${produced} steps (${box.stats.liveBytes} B live), next run refused ${emitted[1]!.type === "run.refused" ? emitted[1]!.code : "?"}`);

    for (const e of box.pending()) await box.ack(e.runId, e.seq);
    expect(await guard(req("run_hhhhhh"))).toEqual({ ok: true });
    await box.close();
  });
});
