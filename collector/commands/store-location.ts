// What the offline commands (export, backup) share: where the store is (--data-dir, --database,
// --config, the environment, as the collector finds it), opening it only when it exists, writing a private output
// file under a temporary name, and the exit codes.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { open, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { createLogger } from "../../shared/log.js";
import { ConfigError, loadCollectorConfig } from "../config-load.js";
import { DB_FILE } from "../server.js";
import { DATA_FILE_MODE } from "../store/file-modes.js";
import { describeStore, openStore, type StoreLocation } from "../store/sql-store.js";
import { DatabaseUrl } from "../store/database-url.js";

/** 0 done, 1 failed (no store, no such ticket, the copy is damaged, I/O), 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A problem the operator fixes by changing the command line (exit 2). */
export class UsageError extends Error {}
/** A problem with the store or the files (exit 1). */
export class CommandError extends Error {}

/** Reports a failed command on stderr; its exit code (usage errors point at --help). */
export function fail(e: unknown, command: string): number {
  const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
  process.stderr.write(`netdiag-collector ${command}: ${e instanceof Error ? e.message : String(e)}\n${usage ? `Run 'netdiag-collector ${command} --help' for usage.\n` : ""}`);
  return usage ? EXIT.usage : EXIT.failed;
}

/**
 * Where the store is: --database URL or --data-dir, else what the collector would use with this
 * --config file (its database, else its dataDir), else NETDIAG_DATABASE, else NETDIAG_DATA_DIR, else ./data.
 */
export async function storePath(
  o: { dataDir?: string | undefined; config?: string | undefined; database?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<StoreLocation> {
  if ([o.dataDir, o.config, o.database].filter((v) => v !== undefined).length > 1) throw new UsageError("give one of --data-dir, --database or --config, not both");
  if (o.database !== undefined) {
    if (!DatabaseUrl.safeParse(o.database).success) throw new UsageError("--database must be a postgres:// or postgresql:// URL");
    return { database: o.database };
  }
  let dataDir = o.dataDir;
  if (o.config !== undefined) {
    // The collector's own loader: the file (and the environment over it) means here what it means to the collector.
    try {
      const cfg = loadCollectorConfig({ argv: ["--config", o.config], env, readFile: (p) => readFileSync(p, "utf8") }).config;
      if (cfg.database !== undefined) return { database: cfg.database };
      dataDir = cfg.dataDir;
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (dataDir === undefined && env.NETDIAG_DATABASE !== undefined) {
    if (!DatabaseUrl.safeParse(env.NETDIAG_DATABASE).success) throw new UsageError("NETDIAG_DATABASE must be a postgres:// or postgresql:// URL");
    return { database: env.NETDIAG_DATABASE };
  }
  return { sqlitePath: resolve(dataDir ?? env.NETDIAG_DATA_DIR ?? "./data", DB_FILE) };
}

const COMMAND_BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens the collector's store (a running collector keeps working: SQLite's WAL lets readers and short
 * writers in beside it; PostgreSQL is shared anyway). A missing SQLite file is an error, never a new
 * empty store: a mistyped --data-dir must not export or back up nothing and call it done.
 */
export async function openExistingStore(where: StoreLocation) {
  // Unreadable stored records are reported as warnings on stderr, beside the command's own messages.
  const log = createLogger("store", "warn");
  if ("database" in where) {
    try {
      return await openStore(where, { log, poolSize: 2 });
    } catch (e) {
      throw new CommandError(`cannot open the store ${describeStore(where)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const s = await stat(where.sqlitePath).catch(() => undefined);
  if (!s?.isFile()) throw new CommandError(`no collector store at ${where.sqlitePath} (wrong --data-dir?)`);
  // A command's few writes (its audit row) wait up to 30 s for the lock: a running collector's group
  // commit takes it back at once after each COMMIT, so the collector's own 5 s can run out under load.
  return openStore(where, { log, busyTimeoutMs: COMMAND_BUSY_TIMEOUT_MS });
}

/** Where a command writes: chunks in order, with backpressure; `commit` makes the output final. */
export interface Output {
  write(chunk: string): Promise<void>;
  commit(): Promise<void>;
  /** Removes a partial file (after a failure). */
  discard(): Promise<void>;
}

/** stdout, or FILE written 0600 under a hidden temporary name beside it, renamed once complete. */
export async function openOutput(file: string | undefined): Promise<Output> {
  if (file === undefined) {
    return {
      async write(chunk) {
        if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
      },
      commit: async () => {},
      discard: async () => {},
    };
  }
  const target = resolve(file);
  const tmp = join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString("hex")}`);
  let h: FileHandle | undefined = await open(tmp, "wx", DATA_FILE_MODE).catch((e: NodeJS.ErrnoException) => {
    throw new CommandError(`cannot write ${file}: ${e.code ?? String(e)}`);
  });
  return {
    async write(chunk) {
      await h!.write(chunk);
    },
    async commit() {
      await h!.sync();
      await h!.close();
      h = undefined;
      await rename(tmp, target);
    },
    async discard() {
      await h?.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    },
  };
}
