// `netdiag-agent doctor` as the customer runs it: the one-file agent, a real enrolled config against a
// real collector on loopback, exit codes, both languages, and the DHCP probe's privileges and ping
// under exactly the capabilities the systemd unit grants (setpriv: an unprivileged user with the unit's
// AmbientCapabilities, bounding set and NoNewPrivileges) and without them.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { systemdUnit } from "../../../agent/service/systemd-unit.js";
import { EnrollmentCreated } from "../../../shared/api.js";
import { defaultAgentBundlePath } from "../../../collector/agent-bundle.js";
import { startTestCollector, type TestCollector } from "../../helpers/collector.js";

interface Report {
  ok: boolean;
  findings: { check: string; status: string; code: string; message: string; fix?: string }[];
}

let dir: string;
let col: TestCollector;
let enrolled: string;

function agent(args: string[], prefix: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...pre] = [...prefix, process.execPath];
  return new Promise((resolve) => {
    execFile(cmd!, [...pre, join(dir, "netdiag-agent.js"), ...args], { cwd: dir, timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C", HOME: dir } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
const byCheck = (r: Report) => Object.fromEntries(r.findings.map((f) => [f.check, f.code]));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-doctor-cmd-"));
  await copyFile(defaultAgentBundlePath(), join(dir, "netdiag-agent.js"));
  col = await startTestCollector();
  enrolled = join(dir, "enrolled", "agent.json");
  const { code } = await col.api("/api/enrollments", EnrollmentCreated, { body: {} });
  const e = await agent(["enroll", "--collector", col.url, "--code", code, "--config", enrolled]);
  expect(e.code, e.stderr).toBe(0);
});
afterAll(async () => {
  await col?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.skipIf(process.getuid?.() !== 0)("an enrolled agent with everything in place: exit 0, every finding fine (as root)", async () => {
  const r = await agent(["doctor", "--config", enrolled, "--json"]);
  const report = JSON.parse(r.stdout) as Report;
  expect(report.findings.filter((f) => f.status !== "ok")).toEqual([]);
  expect(byCheck(report)).toEqual({ config: "CONFIG_OK", outbox: "OUTBOX_NONE_YET", ping: "PING_OK", privileges: "PRIVILEGES_ROOT", collector: "COLLECTOR_LOOPBACK_PLAIN", clock: "CLOCK_OK" });
  expect(report.ok).toBe(true);
  expect(r.code).toBe(0);
});

test("not enrolled: exit 1, and it says how to fix it, in English and in Chinese", async () => {
  const en = await agent(["doctor", "--config", join(dir, "none.json")]);
  expect(en.code).toBe(1);
  expect(en.stdout).toMatch(/✘ collector +This agent is not enrolled/);
  expect(en.stdout).toMatch(/fix: Enroll with the code from your engineer: netdiag-agent enroll/);
  expect(en.stdout).toMatch(/thing\(s\) to fix/);
  const zh = await agent(["doctor", "--config", join(dir, "none.json"), "--lang", "zh-CN"]);
  expect(zh.code).toBe(1);
  expect(zh.stdout).toContain("本代理尚未登记");
  expect(zh.stdout).toContain("解决方法：使用工程师提供的代码登记");
});

test("a broken config: exit 1, the reason, and the checks that need it are skipped rather than guessed", async () => {
  const bad = join(dir, "bad.json");
  await writeFile(bad, JSON.stringify({ targets: { anchors: "192.0.2.1" } }), { mode: 0o600 });
  const r = await agent(["doctor", "--config", bad, "--json"]);
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout) as Report;
  expect(byCheck(report)).toMatchObject({ config: "CONFIG_INVALID", outbox: "NEEDS_CONFIG", collector: "NEEDS_CONFIG" });
  expect(report.findings[0]!.message).toContain("targets.anchors");
});

test("an unknown --lang is a usage error", async () => {
  const r = await agent(["doctor", "--lang", "fr"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/unknown language 'fr'/);
});

const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));
describe.skipIf(process.getuid?.() !== 0 || !setpriv)("as the service runs: an unprivileged user (util-linux setpriv)", () => {
  let cfg: string;
  /** setpriv's arguments for the unit's own capability lines (CAP_NET_RAW -> net_raw). */
  const unitCaps = () => {
    const unit = systemdUnit({ user: "netdiag", nodePath: "/usr/bin/node", programPath: "/usr/lib/netdiag/netdiag-agent.js", configPath: "/etc/netdiag/agent.json", stateDir: "/var/lib/netdiag" });
    const line = (key: string) => /^(\w+)=(.*)$/m.exec(unit.split("\n").find((l) => l.startsWith(`${key}=`)) ?? "")?.[2]?.split(/\s+/).map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`).join(",") ?? "";
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
    return [`--inh-caps=${line("AmbientCapabilities")}`, `--ambient-caps=${line("AmbientCapabilities")}`, `--bounding-set=-all,${line("CapabilityBoundingSet")}`, "--no-new-privs"];
  };
  const nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"];

  beforeAll(async () => {
    // The user's own config and state (the service's are owned by its user likewise).
    const state = join(dir, "svc");
    await mkdir(state);
    cfg = join(state, "agent.json");
    await writeFile(cfg, "{}\n", { mode: 0o600 });
    const id = (flag: string) => Number(execFileSync("id", [flag, "nobody"], { encoding: "utf8" }).trim());
    await chown(state, id("-u"), id("-g"));
    await chown(cfg, id("-u"), id("-g"));
    // nobody must reach the program in its folder.
    await chmod(dir, 0o755);
  });

  test("with the unit's capabilities: the DHCP probe's privileges and ping are in place", async () => {
    const r = await agent(["doctor", "--config", cfg, "--json"], [setpriv!, ...nobody, ...unitCaps()]);
    const report = JSON.parse(r.stdout) as Report;
    expect(byCheck(report)).toMatchObject({ config: "CONFIG_OK", outbox: "OUTBOX_NONE_YET", ping: "PING_OK", privileges: "PRIVILEGES_CAPS" });
  });

  test("without them: the DHCP probe's privileges are missing, and the fix names install-service", async () => {
    const r = await agent(["doctor", "--config", cfg], [setpriv!, ...nobody, "--no-new-privs"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✘ privileges +Neither root nor CAP_NET_RAW\/CAP_NET_BIND_SERVICE/);
    expect(r.stdout).toContain("netdiag-agent install-service");
  });
});
