// `netdiag-collector backup --to FILE`: a consistent copy of the store while the collector keeps
// writing (Store.maintenance.backupTo: VACUUM INTO a 0600 temporary file, integrity check, rename),
// then a report of what it holds. Audited (store.backup, actor local-cli): the copy holds every
// customer's data.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import type { BackupReport } from "../store/maintenance-store.js";
import { EXIT, fail, openExistingStore, storePath, UsageError } from "./store-location.js";

export const BACKUP_HELP = `Usage: netdiag-collector backup --to FILE [--data-dir DIR | --database URL | --config FILE] [--json]

Copies the collector's SQLite store to FILE while the collector keeps running: one consistent snapshot
(every write committed before the copy started is in it), compacted, written 0600 under a temporary name
and renamed only after SQLite's integrity check passed on the copy. Prints its size, schema version and
rows per table (--json: the same as JSON). Restore: stop the collector, put FILE in place of
DATA_DIR/netdiag.sqlite (remove netdiag.sqlite-wal and -shm), start it.
A PostgreSQL store is not copied by the collector: it exits 1 and says so; use pg_dump or a streaming
standby (docs/operations.md).
Exit codes: 0 ok, 1 failed (no store, I/O error, the copy failed its integrity check), 2 usage error.`;

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

const MiB = 1024 * 1024;

export function formatBackupReport(r: Extract<BackupReport, { ok: true }>, tookMs: number): string {
  const width = Math.max(...r.tables.map((t) => t.name.length));
  const lines = [
    `backup written to ${r.path}: ${(r.bytes / MiB).toFixed(1)} MiB, schema version ${r.schemaVersion}, integrity ${r.integrity}, ${(tookMs / 1000).toFixed(1)} s`,
    ...r.tables.map((t) => `  ${t.name.padEnd(width)}  ${t.rows}`),
  ];
  return lines.join("\n") + "\n";
}

export async function backupCommand(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        to: { type: "string" },
        "data-dir": { type: "string" },
        database: { type: "string" },
        config: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(BACKUP_HELP + "\n");
      return EXIT.ok;
    }
    if (!values.to) throw new UsageError("backup needs --to FILE");
    const store = await openExistingStore(await storePath({ dataDir: values["data-dir"], database: values.database, config: values.config }));
    try {
      const started = Date.now();
      const user = osUser();
      const who = user ? { osUser: user } : {};
      let report: BackupReport;
      try {
        report = await store.maintenance.backupTo(values.to);
      } catch (e) {
        await store.appendAudit({ at: Date.now(), actor: "local-cli", action: "store.backup", outcome: "error", detail: { to: values.to, error: e instanceof Error ? e.message : String(e), ...who } }).catch(() => {});
        throw e;
      }
      const tookMs = Date.now() - started;
      if (!report.ok) {
        await store.appendAudit({ at: Date.now(), actor: "local-cli", action: "store.backup", outcome: "error", detail: { to: report.path, integrity: report.integrity, ...who } });
        process.stderr.write(`netdiag-collector backup: the copy failed SQLite's integrity check; nothing was written to ${report.path}:\n${report.integrity}\n`);
        return EXIT.failed;
      }
      await store.appendAudit({ at: Date.now(), actor: "local-cli", action: "store.backup", outcome: "ok", detail: { to: report.path, bytes: report.bytes, schemaVersion: report.schemaVersion, ...who } });
      process.stdout.write(values.json ? JSON.stringify({ ...report, tookMs }) + "\n" : formatBackupReport(report, tookMs));
      return EXIT.ok;
    } finally {
      await store.close();
    }
  } catch (e) {
    return fail(e, "backup");
  }
}
