// Drives scripts/lab.sh for tests and the lab bench: a lab under a unique prefix and state dir, so test
// files (and a developer's own lab) never collide. Everything runs inside the lab's namespaces
// (network safety). Also runs the real agent where the lab's variant puts it and times it.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";
import { StepResult } from "../../shared/checks.js";
import { Verdict } from "../../shared/verdict.js";

const pexec = promisify(execFile);

/** The repository root: the nearest folder above this file holding scripts/lab.sh (works from dist/ too). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "scripts", "lab.sh"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("scripts/lab.sh not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const LAB_SCRIPT = join(repoRoot(), "scripts", "lab.sh");
export const AGENT_BIN = join(repoRoot(), "dist", "agent", "main.js");

export interface LabRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `netdiag-agent check --json` in the lab, timed from spawn to exit. */
export interface AgentRun extends LabRun {
  /** Process start to exit, ms. */
  wallMs: number;
  /** From the last byte the agent wrote on stdout (the verdict) to its exit, ms. */
  exitAfterOutputMs: number;
}

export interface Lab {
  prefix: string;
  state: string;
  env: NodeJS.ProcessEnv;
  /** Runs lab.sh; a non-zero exit is returned as data (faults make probes fail on purpose). */
  run(args: string[], timeoutMs?: number, extraEnv?: Record<string, string>): Promise<LabRun>;
  /** Runs lab.sh and throws on a non-zero exit. */
  ok(args: string[], timeoutMs?: number): Promise<string>;
  /** `lab.sh up --variant V` (the default network when omitted). */
  up(variant?: string): Promise<string>;
  /** The variant the lab was built as, in lab.sh's canonical form. */
  variant(): Promise<string>;
  /** Runs the real agent's `check --json` where the variant puts it (pc, or the router). */
  agentCheck(timeoutMs?: number): Promise<AgentRun>;
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
  const ok = async (args: string[], timeoutMs?: number): Promise<string> => {
    const r = await run(args, timeoutMs);
    if (r.code !== 0) throw new Error(`lab.sh ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    prefix,
    state,
    env,
    run,
    ok,
    up: (variant = "default") => ok(["up", "--variant", variant], 90_000),
    async variant() {
      const m = /variant (\S+)/.exec(await ok(["status"]));
      if (!m) throw new Error("lab.sh status named no variant");
      return m[1]!;
    },
    async agentCheck(timeoutMs = 90_000) {
      // Where the agent runs and what it trusts (lab.sh agent-env): spawned directly, so the timing is
      // the agent's own and not a shell's.
      const vars = Object.fromEntries((await ok(["agent-env"])).trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      const ns = vars.NS;
      if (!ns) throw new Error("lab.sh agent-env named no namespace");
      const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", HOME: state };
      if (vars.NODE_EXTRA_CA_CERTS) childEnv.NODE_EXTRA_CA_CERTS = vars.NODE_EXTRA_CA_CERTS;
      const args = ["netns", "exec", ns, process.execPath, AGENT_BIN, "check", "--json", "--config", `${state}/agent-config.json`];
      return new Promise<AgentRun>((resolve, reject) => {
        const t0 = performance.now();
        let lastOut = t0;
        let stdout = "";
        let stderr = "";
        const child = spawn("ip", args, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          lastOut = performance.now();
        });
        child.stderr.on("data", (d: Buffer) => void (stderr += d.toString()));
        child.once("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
        // 'exit' (not 'close'): the moment the process ended, whatever happens to its pipes after.
        child.once("exit", (code, signal) => {
          const end = performance.now();
          clearTimeout(timer);
          // Let the pipes drain what was written before the exit (output read after the exit event
          // was printed at most a moment before it: counted as 0).
          child.once("close", () => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, wallMs: end - t0, exitAfterOutputMs: Math.max(0, end - lastOut) }));
        });
      });
    },
  };
}

export const AgentReport = z.object({ verdict: Verdict, steps: z.array(StepResult) });
export type AgentReport = z.infer<typeof AgentReport>;

/** The agent's JSON document, or a clear error naming what it printed instead. */
export function parseReport(r: AgentRun): AgentReport {
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`agent printed no JSON (exit ${r.code}): ${r.stderr.slice(0, 2000)}\n${r.stdout.slice(0, 2000)}`);
  }
  const parsed = AgentReport.safeParse(json);
  if (!parsed.success) throw new Error(`agent output did not parse (exit ${r.code}): ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** One line per step: check, status and its warn/fail finding codes (the key evidence at a glance). */
export function stepsLine(steps: readonly StepResult[]): string {
  return [...steps]
    .sort((a, b) => a.check.localeCompare(b.check))
    .map((s) => `${s.check}:${s.status}${s.findings.filter((f) => f.severity !== "info").map((f) => `/${f.code}`).join("")}`)
    .join(" ");
}
