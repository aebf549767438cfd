// The store's files are private to the collector's user whatever the umask and whatever mode an
// existing data directory or an older build's files have; a directory others can read is warned about.
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { memoryLogger } from "../../../shared/log.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";

let root: string;
let umask: number;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "netdiag-modes-"));
  // The usual default: files 0644, directories 0755 unless the code says otherwise.
  umask = process.umask(0o022);
});
afterEach(async () => {
  process.umask(umask);
  await rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);

/** Opens the store, writes (so the WAL has content), and returns the modes of its files. */
async function openAndWrite(dir: string, log = memoryLogger()) {
  const db = join(dir, "netdiag.sqlite");
  const store = await openSqliteStore(db, { log });
  await store.appendAudit({ at: 1, actor: "test", action: "x", outcome: "ok" });
  const modes = { db: await mode(db), wal: await mode(`${db}-wal`), shm: await mode(`${db}-shm`) };
  await store.close();
  return { modes, log };
}

test("in an existing 0755 directory every SQLite file is 0600 and the loose directory is logged", async () => {
  const dir = join(root, "data");
  await mkdir(dir);
  await chmod(dir, 0o755);
  const { modes, log } = await openAndWrite(dir);
  expect(modes).toEqual({ db: "600", wal: "600", shm: "600" });
  expect(await mode(dir)).toBe("755");
  expect(log.lines.find((l) => l.level === "warn" && /data directory is accessible to other users/.test(l.msg))?.fields).toMatchObject({ dir, mode: "755" });
});

test("files an older build left 0644 are tightened to 0600 when the store opens", async () => {
  const dir = join(root, "data");
  await mkdir(dir, { mode: 0o700 });
  await openAndWrite(dir);
  const db = join(dir, "netdiag.sqlite");
  await chmod(db, 0o644);
  await writeFile(`${db}-journal`, "");
  await chmod(`${db}-journal`, 0o644);
  const { modes, log } = await openAndWrite(dir);
  expect(modes).toEqual({ db: "600", wal: "600", shm: "600" });
  expect(await mode(`${db}-journal`)).toBe("600");
  expect(log.lines.filter((l) => l.level === "warn")).toEqual([]);
});

test("a directory the store creates is 0700, with no warning", async () => {
  const dir = join(root, "new", "data");
  const { modes, log } = await openAndWrite(dir);
  expect(await mode(dir)).toBe("700");
  expect(modes.db).toBe("600");
  expect(log.lines.filter((l) => l.level === "warn")).toEqual([]);
});
