// A real PostgreSQL server for tests and benchmarks: Debian's server binaries, a cluster made with
// initdb in a temp dir, listening on a free loopback port only (and a socket in that dir). Tests get
// theirs through test/helpers/postgres.ts; benches start one with the engine's defaults (fsync on).
// PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user the Debian
// package creates, and its programs run through runuser.
import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freeLoopbackPort } from "./loopback.js";

const run = promisify(execFile);

/** The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin), if any. */
export function findPgBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  let best: string | undefined;
  let bestMajor = -1;
  for (const v of readdirSync(base)) {
    const major = Number(v);
    if (Number.isFinite(major) && major > bestMajor && existsSync(join(base, v, "bin", "initdb"))) {
      best = join(base, v, "bin");
      bestMajor = major;
    }
  }
  return best;
}

const IS_ROOT = process.getuid?.() === 0;

/** undefined when a PostgreSQL server can be started here, else why the tests and benches that need one skip. */
export const PG_SKIP: string | undefined = findPgBin()
  ? undefined
  : "needs PostgreSQL's server (Debian package postgresql; scripts/install-test-deps.sh installs it)";

export interface PgServer {
  /** postgres://netdiag@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}


/** Runs a server program as the cluster's owner (postgres when we are root). */
async function asOwner(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return IS_ROOT ? run("runuser", ["-u", "postgres", "--", bin, ...args]) : run(bin, args);
}

/**
 * initdb + pg_ctl start on a free loopback port. `fsync: false` for tests (they kill collectors, never
 * the database server, and a run's data is thrown away); benchmarks keep the default, on.
 */
export async function startPgServer(o: { fsync?: boolean; maxConnections?: number } = {}): Promise<PgServer> {
  const bin = findPgBin();
  if (!bin) throw new Error(PG_SKIP);
  const dir = await mkdtemp(join(tmpdir(), "netdiag-pg-"));
  if (IS_ROOT) await chown(dir, ...(await ownerIds()));
  const data = join(dir, "data");
  await asOwner(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "netdiag", "-E", "UTF8", "--locale=C", "--no-sync"]);
  for (let attempt = 0; ; attempt++) {
    const port = await freeLoopbackPort();
    const opts = [`-k ${dir}`, "-h 127.0.0.1", `-p ${port}`, `-c max_connections=${o.maxConnections ?? 300}`];
    if (o.fsync === false) opts.push("-c fsync=off");
    try {
      await asOwner(join(bin, "pg_ctl"), ["-D", data, "-o", opts.join(" "), "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
    } catch (e) {
      // Another process took the port between freePort() and the server's bind: try another.
      if (attempt < 3) continue;
      throw new Error(`pg_ctl start failed: ${String(e)}`);
    }
    const server: PgServer = {
      url: `postgres://netdiag@127.0.0.1:${port}/postgres`,
      port,
      dir,
      stop: async () => {
        await asOwner(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
    return server;
  }
}

async function ownerIds(): Promise<[number, number]> {
  const { stdout } = await run("id", ["-u", "postgres"]);
  const { stdout: g } = await run("id", ["-g", "postgres"]);
  return [Number(stdout.trim()), Number(g.trim())];
}
