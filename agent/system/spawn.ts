// Child processes the safe way: execFile with an argument array (no shell), an AbortSignal, a hard
// timeout, LC_ALL=C so output is parseable, and the result returned as data (exit code, stdout).
import { execFile } from "node:child_process";

export interface SpawnResult {
  /** Exit code; null when killed by a signal (abort or timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the binary could not be started at all (ENOENT = not installed). */
  spawnError?: string;
  aborted: boolean;
}

export interface SpawnOptions {
  signal: AbortSignal;
  timeoutMs: number;
  maxBufferBytes?: number;
}

export type Spawner = (file: string, args: readonly string[], opts: SpawnOptions) => Promise<SpawnResult>;

export const spawnProcess: Spawner = (file, args, opts) =>
  new Promise((resolve) => {
    if (opts.signal.aborted) {
      resolve({ code: null, stdout: "", stderr: "", aborted: true });
      return;
    }
    execFile(
      file,
      [...args],
      {
        signal: opts.signal,
        timeout: opts.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: opts.maxBufferBytes ?? 1024 * 1024,
        env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", LANG: "C" },
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        if (e && typeof e.code === "string") {
          // ENOENT/EACCES: the binary is missing or not executable; ABORT_ERR: our signal fired.
          const aborted = e.code === "ABORT_ERR" || opts.signal.aborted;
          resolve({ code: null, stdout: String(stdout ?? ""), stderr: String(stderr ?? ""), aborted, ...(aborted ? {} : { spawnError: e.code }) });
          return;
        }
        resolve({
          code: e ? (typeof e.code === "number" ? e.code : null) : 0,
          stdout: String(stdout ?? ""),
          stderr: String(stderr ?? ""),
          aborted: opts.signal.aborted || Boolean(e?.killed),
        });
      },
    );
  });
