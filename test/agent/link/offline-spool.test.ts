// Offline spool files on real files: a complete run is imported into the outbox once and deleted; a
// run whose writer died is closed as failed; a run still being written is left alone.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { memoryLogger } from "../../../shared/log.js";
import type { RunEvent } from "../../../shared/protocol.js";
import { encodeRecord, FileOutbox, OUTBOX_MAGIC } from "../../../agent/link/file-outbox.js";
import { importSpool, SpoolWriter } from "../../../agent/offline-run.js";

let dir: string;
let spool: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-spool-"));
  spool = join(dir, "outbox.spool");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const offline = (runId: string): RunEvent => ({ type: "run.offline", runId, seq: 0, at: 1, ticketId: "tkt_aaaaaa", checks: ["ping"] });
const step = (runId: string, seq: number): RunEvent => ({ type: "step", runId, seq, at: 2, result: { check: "ping", status: "ok", startedAt: 1, durationMs: 1, findings: [], data: { targets: [] } } });

test("a committed spool file is imported whole, deleted, and not imported twice", async () => {
  const w = await SpoolWriter.create(spool, "off_aaaaaa");
  for (const e of [offline("off_aaaaaa"), step("off_aaaaaa", 1), { type: "run.finished", runId: "off_aaaaaa", seq: 2, at: 3, outcome: "completed", steps: 1 } as RunEvent]) await w.append(e);
  const box = await FileOutbox.open({ path: join(dir, "outbox.log"), log: memoryLogger() });
  // Still ".part" and written by this (live) process: not touched.
  expect(await importSpool(box, spool, memoryLogger())).toEqual([]);
  await w.commit();
  const got = await importSpool(box, spool, memoryLogger());
  expect(got.map((e) => `${e.type}:${e.seq}`)).toEqual(["run.offline:0", "step:1", "run.finished:2"]);
  expect(box.pending().map((e) => e.seq)).toEqual([0, 1, 2]);
  expect(await readdir(spool)).toEqual([]);
  expect(await importSpool(box, spool, memoryLogger())).toEqual([]);
  await box.close();
});

test("a spool file left by a dead writer is imported with run.finished failed", async () => {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(spool, { recursive: true });
  await writeFile(join(spool, "off_bbbbbb.999999999.part"), Buffer.concat([OUTBOX_MAGIC, encodeRecord({ k: "ev", ev: offline("off_bbbbbb") }), encodeRecord({ k: "ev", ev: step("off_bbbbbb", 1) }), Buffer.from([9, 0, 0])]));
  const box = await FileOutbox.open({ path: join(dir, "outbox.log"), log: memoryLogger() });
  const log = memoryLogger();
  const got = await importSpool(box, spool, log);
  expect(got.map((e) => `${e.type}:${e.seq}`)).toEqual(["run.offline:0", "step:1", "run.finished:2"]);
  expect(got[2]).toMatchObject({ outcome: "failed", steps: 1 });
  expect(log.lines.some((l) => l.level === "error" && /spool file damaged/.test(l.msg))).toBe(true);
  await box.close();
});
