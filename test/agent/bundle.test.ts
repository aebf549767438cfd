// The one-file agent (dist/bundle/netdiag-agent.js, built by the test setup with `npm run build:agent`'s
// script) runs with plain node from an empty folder, nothing beside it: --version, --help, a real
// full diagnosis inside a network namespace of ours (every target overridden with loopback), and
// enroll + run against a real collector on loopback (HTTP and WebSocket from inside the bundle).
import { execFile, spawn } from "node:child_process";
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, EnrollmentCreated } from "../../shared/api.js";
import { AGENT_VERSION } from "../../agent/version.js";
import { FULL_DIAGNOSIS } from "../../agent/checks/index.js";
import { defaultAgentBundlePath } from "../../collector/agent-bundle.js";
import { startTestCollector } from "../helpers/collector.js";
import { canUseNetns, createNetns } from "../helpers/netns.js";

const BUNDLE = defaultAgentBundlePath();
let dir: string;

/** Runs the copied bundle with node from `cwd`, with an environment that has no NODE_PATH. */
function runAlone(args: string[], o: { cwd: string; prefix?: string[]; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...pre] = o.prefix ?? [process.execPath];
  return new Promise((resolve) => {
    execFile(cmd!, [...pre, ...(o.prefix ? [process.execPath] : []), "netdiag-agent.js", ...args], { cwd: o.cwd, timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: o.cwd, LANG: "C", ...o.env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-bundle-"));
  // The customer's folder: the one file and nothing else (no package.json, no node_modules).
  await copyFile(BUNDLE, join(dir, "netdiag-agent.js"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("it is built without native code (no sqlite3) from the agent's sources", async () => {
  const meta = JSON.parse(await readFile(BUNDLE.replace(/\.js$/, ".meta.json"), "utf8")) as { inputs: Record<string, unknown> };
  const inputs = Object.keys(meta.inputs);
  expect(inputs).toContain("agent/main.ts");
  expect(inputs.filter((p) => /sqlite3|\.node$/.test(p))).toEqual([]);
  expect(inputs.filter((p) => p.startsWith("collector/"))).toEqual([]);
  expect(await readdir(dir)).toEqual(["netdiag-agent.js"]);
});

test("--version and --help run from an empty folder with plain node", async () => {
  const v = await runAlone(["--version"], { cwd: dir });
  expect(v.stderr).toBe("");
  expect(v.stdout).toBe(`${AGENT_VERSION}\n`);
  const h = await runAlone(["--help"], { cwd: dir });
  expect(h.code).toBe(0);
  expect(h.stdout).toContain("Usage: netdiag-agent <command>");
  for (const cmd of ["enroll", "run", "check", "install-service", "uninstall-service", "doctor"]) expect(h.stdout).toMatch(new RegExp(`^  ${cmd} `, "m"));
});

test("enroll and run against a real collector on loopback: the agent connects over WebSocket", async () => {
  const col = await startTestCollector();
  const cfg = join(dir, "enrolled.json");
  try {
    const { code } = await col.api("/api/enrollments", EnrollmentCreated, { body: {} });
    const e = await runAlone(["enroll", "--collector", col.url, "--code", code, "--name", "bundled", "--config", cfg], { cwd: dir });
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^enrolled as agent ag_/);
    // The next commands name the agent the way the customer runs it: the downloaded file.
    expect(e.stdout).toMatch(/^ {2}node netdiag-agent\.js authorize --ticket /m);
    expect(e.stdout).toMatch(/^ {2}node netdiag-agent\.js run /m);
    const agentId = (JSON.parse(await readFile(cfg, "utf8")) as { identity: { agentId: string } }).identity.agentId;
    const run = spawn(process.execPath, ["netdiag-agent.js", "run", "--config", cfg, "--consent", "grants-only"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    run.stdout.on("data", (d: Buffer) => (out += d.toString()));
    run.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await expect.poll(async () => (await col.api("/api/agents", z.array(Agent))).find((a) => a.id === agentId)?.connected, { timeout: 20_000 }).toBe(true);
    } finally {
      const exited = new Promise((r) => run.once("exit", r));
      run.kill("SIGTERM");
      await exited;
    }
    expect(out).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  } finally {
    await col.close();
  }
});

describe.skipIf(!(await canUseNetns()))("a full diagnosis inside a network namespace of ours", () => {
  test("every check runs from the bundle (none breaks on a missing module) and a verdict comes out", async () => {
    const ns = await createNetns("bundle");
    try {
      const cfg = join(dir, "check.json");
      // Every default target overridden (network safety); the devices point at closed loopback ports,
      // so the SNMP and RouterOS libraries inside the bundle are loaded and used for real.
      await writeFile(cfg, JSON.stringify({
        targets: {
          anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1:1"], resolvers: ["127.0.0.1:1"],
          names: ["localhost"], ispHop: "127.0.0.1", service: "http://127.0.0.1:1/",
          snmp: [{ host: "127.0.0.1", port: 1, version: "2c", community: "public" }],
          routeros: [{ host: "127.0.0.1", port: 1, user: "admin", password: "x" }],
        },
      }));
      const checks = [...FULL_DIAGNOSIS];
      const r = await runAlone(["check", "--json", "--config", cfg, "--checks", checks.join(",")], { cwd: dir, prefix: ["ip", "netns", "exec", ns.name] });
      expect(r.stderr).not.toMatch(/Cannot find module|LINGERING/);
      const out = JSON.parse(r.stdout) as { verdict?: { segment: string }; steps: { check: string; status: string; findings?: { code: string }[] }[] };
      expect(out.steps.map((s) => s.check).sort()).toEqual([...checks].sort());
      expect(out.steps.filter((s) => s.status === "error")).toEqual([]);
      expect(out.steps.find((s) => s.check === "snmp")?.findings?.map((f) => f.code)).toContain("SNMP_NO_RESPONSE");
      expect(out.steps.find((s) => s.check === "routeros")?.findings?.map((f) => f.code)).toContain("ROUTEROS_UNREACHABLE");
      // Only lo is up in the namespace: a fault is found on this machine's side.
      expect(out.verdict?.segment).toBe("host");
      expect(r.code).toBe(1);
    } finally {
      await ns.close();
    }
  });
});
