// doctor: the state dir can be written (grants, outbox, consent channel, log) and the outbox of results
// waiting for upload can be read back: its records decode, and it is not so full that runs are refused.
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { decodeRecords, outboxPaths } from "../link/file-outbox.js";
import { queuedBytes } from "../offline-run.js";
import { finding, type DoctorFinding } from "./types.js";

export async function checkOutbox(stateDir: string, maxBytes: number): Promise<DoctorFinding> {
  // The nearest existing directory on the way must be writable (the agent creates the rest).
  let dir = stateDir;
  for (;;) {
    const s = await stat(dir).catch((e: NodeJS.ErrnoException) => e);
    if (!(s instanceof Error)) {
      if (!s.isDirectory()) return finding("outbox", "fail", "STATE_DIR_NOT_WRITABLE", { path: stateDir, error: "ENOTDIR" });
      break;
    }
    if (s.code !== "ENOENT" || dirname(dir) === dir) return finding("outbox", "fail", "STATE_DIR_NOT_WRITABLE", { path: stateDir, error: s.code ?? "ERROR" });
    dir = dirname(dir);
  }
  const denied = await access(dir, constants.W_OK | constants.X_OK).then(() => undefined, (e: NodeJS.ErrnoException) => e.code ?? "ERROR");
  if (denied) return finding("outbox", "fail", "STATE_DIR_NOT_WRITABLE", { path: stateDir, error: denied });

  const { log, spool } = outboxPaths(stateDir);
  let buf: Buffer;
  try {
    buf = await readFile(log);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "ERROR";
    if (code === "ENOENT") return finding("outbox", "ok", "OUTBOX_NONE_YET", { path: log });
    return finding("outbox", "fail", "OUTBOX_UNREADABLE", { path: log, error: code });
  }
  const decoded = decodeRecords(buf);
  const queued = await queuedBytes(log, spool);
  if (queued >= maxBytes) return finding("outbox", "fail", "OUTBOX_FULL", { path: log, bytes: queued, max: maxBytes });
  // A torn tail is a write cut by a crash, which the agent handles; damage in the middle is worth knowing.
  if (decoded.badMagic || decoded.corrupt.length > 0) {
    return finding("outbox", "warn", "OUTBOX_DAMAGED", { path: log, regions: decoded.corrupt.length + (decoded.badMagic ? 1 : 0), records: decoded.records.length });
  }
  return finding("outbox", "ok", "OUTBOX_OK", { path: log, records: decoded.records.length, bytes: queued });
}
