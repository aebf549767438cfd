// Drives scripts/lab.sh for tests: a lab under a unique prefix and state dir, so test files (and a
// developer's own lab) never collide. Everything runs inside the lab's namespaces (network safety).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const pexec = promisify(execFile);
export const LAB_SCRIPT = fileURLToPath(new URL("../../scripts/lab.sh", import.meta.url));

export interface LabRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Lab {
  prefix: string;
  state: string;
  env: NodeJS.ProcessEnv;
  /** Runs lab.sh; a non-zero exit is returned as data (faults make probes fail on purpose). */
  run(args: string[], timeoutMs?: number, extraEnv?: Record<string, string>): Promise<LabRun>;
  /** Runs lab.sh and throws on a non-zero exit. */
  ok(args: string[], timeoutMs?: number): Promise<string>;
}

export function labHandle(tag = "ndt"): Lab {
  const prefix = `${tag}${randomBytes(3).toString("hex")}`;
  const state = `/run/netdiag-lab-${prefix}`;
  const env = { ...process.env, LC_ALL: "C", NETDIAG_LAB_PREFIX: prefix, NETDIAG_LAB_DIR: state };
  const run = async (args: string[], timeoutMs = 30_000, extraEnv: Record<string, string> = {}): Promise<LabRun> => {
    try {
      const { stdout, stderr } = await pexec(LAB_SCRIPT, args, { env: { ...env, ...extraEnv }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number | string; stdout?: string; stderr?: string };
      return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
    }
  };
  return {
    prefix,
    state,
    env,
    run,
    async ok(args, timeoutMs) {
      const r = await run(args, timeoutMs);
      if (r.code !== 0) throw new Error(`lab.sh ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
  };
}
