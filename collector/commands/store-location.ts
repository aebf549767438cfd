// What the offline commands (export, backup) share: where the store is (--data-dir, --config, the
// environment, as the collector finds it), opening it only when it exists, writing a private output
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
import { openSqliteStore } from "../store/sql-store.js";

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

/** The store file: --data-dir, else the dataDir the collector would use with this --config file, else NETDIAG_DATA_DIR, else ./data. */
export async function storePath(o: { dataDir?: string | undefined; config?: string | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (o.dataDir !== undefined && o.config !== undefined) throw new UsageError("give --data-dir or --config, not both");
  let dataDir = o.dataDir;
  if (o.config !== undefined) {
    // The collector's own loader: the file (and the environment over it) means here what it means to the collector.
    try {
      dataDir = loadCollectorConfig({ argv: ["--config", o.config], env, readFile: (p) => readFileSync(p, "utf8") }).config.dataDir;
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
  }
  return resolve(dataDir ?? env.NETDIAG_DATA_DIR ?? "./data", DB_FILE);
}

const COMMAND_BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens the collector's store (a running collector keeps working: SQLite's WAL lets readers and short
 * writers in beside it). A missing file is an error, never a new empty store: a mistyped --data-dir
 * must not export or back up nothing and call it done.
 */
export async function openExistingStore(path: string) {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) throw new CommandError(`no collector store at ${path} (wrong --data-dir?)`);
  // Unreadable stored records are reported as warnings on stderr, beside the command's own messages.
  // A command's few writes (its audit row) wait up to 30 s for the lock: a running collector's group
  // commit takes it back at once after each COMMIT, so the collector's own 5 s can run out under load.
  return openSqliteStore(path, { log: createLogger("store", "warn"), busyTimeoutMs: COMMAND_BUSY_TIMEOUT_MS });
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
