// Runs the built binaries (dist/) as real child processes, the way a user runs them.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const BIN = {
  agent: join(ROOT, "dist/agent/main.js"),
  collector: join(ROOT, "dist/collector/main.js"),
  cli: join(ROOT, "dist/cli/main.js"),
} as const;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBin(bin: keyof typeof BIN, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN[bin], ...args], { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export interface Daemon {
  proc: ChildProcess;
  output(): string;
  /** Resolves once a line matching `re` appeared on stdout or stderr. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startBin(bin: keyof typeof BIN, args: string[], env: Record<string, string> = {}): Daemon {
  const proc = spawn(process.execPath, [BIN[bin], ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  return {
    proc,
    output: () => out,
    waitFor(re, timeoutMs = 20_000) {
      const m = re.exec(out);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in output:\n${out}`)), timeoutMs);
        waiters.push({ re, resolve: (s) => (clearTimeout(t), resolve(s)) });
      });
    },
    stop(signal = "SIGTERM") {
      if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
      return new Promise((resolve) => {
        proc.once("exit", (code) => resolve(code));
        proc.kill(signal);
      });
    },
  };
}
