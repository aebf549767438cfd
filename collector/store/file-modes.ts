// The store's files hold tickets with customers' names and contacts, run results and the audit trail:
// only the collector's own user may read them. SQLite creates its -wal and -shm (and -journal) files
// with the mode of the database file, so creating that file 0600 before SQLite opens it, and
// tightening any file an older build left looser, keeps the whole set private whatever the umask.
// The directory is made 0700 when the collector creates it; an existing one is the operator's
// choice (e.g. a backup group), so it is not changed, but a directory others can read is logged.
import { chmod, mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "../../shared/log.js";

export const DATA_FILE_MODE = 0o600;
export const DATA_DIR_MODE = 0o700;

/** The database file and the files SQLite keeps beside it. */
export const sqliteFiles = (dbPath: string): string[] => [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`];

/** Before SQLite opens `dbPath`: directory, a 0600 database file, no loose leftovers; warns about a loose directory. */
export async function prepareDataFiles(dbPath: string, log: Logger): Promise<void> {
  const dir = dirname(dbPath);
  await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
  const dirMode = (await stat(dir)).mode & 0o777;
  if (dirMode & 0o077) {
    log.warn("data directory is accessible to other users; the database files are kept 0600, but consider chmod 700", { dir, mode: dirMode.toString(8).padStart(3, "0") });
  }
  // "a": creates the file if missing (mode 0600, narrowed further by the umask), never truncates.
  await (await open(dbPath, "a", DATA_FILE_MODE)).close();
  await tightenDataFiles(dbPath);
}

/** chmod 0600 on every store file that exists (after opening too: the sidecars appear then). */
export async function tightenDataFiles(dbPath: string): Promise<void> {
  for (const f of sqliteFiles(dbPath)) {
    await chmod(f, DATA_FILE_MODE).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
  }
}
