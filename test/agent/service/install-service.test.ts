// install-service and uninstall-service as a person runs them, with the one-file agent: --dry-run
// (prints, changes nothing), the refusals (not enrolled, not root, no systemd running), and, as root,
// a real install and purge under --root DIR: the account made with useradd --prefix in DIR's own
// /etc/passwd, the files and their owners and modes, the unit linked by systemctl --root. Nothing
// outside DIR is touched and no service is started.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readlink, realpath, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AgentConfig } from "../../../agent/config.js";
import { systemdUnit } from "../../../agent/service/systemd-unit.js";
import { defaultAgentBundlePath } from "../../../collector/agent-bundle.js";
import { BIN } from "../../helpers/cli.js";

let dir: string;
let enrolled: string;
const identity = { collectorUrl: "https://support.example-isp.test", agentId: "ag_service00001", secret: "nds_service-test-secret" };

function run(script: string, args: string[], prefix: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...pre] = [...prefix, process.execPath];
  return new Promise((resolve) => {
    execFile(cmd!, [...pre, script, ...args], { cwd: dir, timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C", HOME: dir } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
const agent = (args: string[], prefix: string[] = []) => run(join(dir, "netdiag-agent.js"), args, prefix);
const asRoot = process.getuid?.() === 0;
const exists = (p: string) => existsSync(p);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-service-"));
  // Others (the unprivileged run below) must reach the program.
  await chmod(dir, 0o755);
  await copyFile(defaultAgentBundlePath(), join(dir, "netdiag-agent.js"));
  enrolled = join(dir, "agent.json");
  await writeFile(enrolled, JSON.stringify({ identity, targets: { anchors: ["127.0.0.1"] } }), { mode: 0o600 });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("--dry-run prints every step and the unit, and changes nothing", async () => {
  const before = exists("/etc/systemd/system/netdiag-agent.service");
  const r = await agent(["install-service", "--dry-run", "--config", enrolled, "--user", "nd-dry-run-user"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("useradd --system --user-group --no-create-home --home-dir /var/lib/netdiag");
  expect(r.stdout).toContain(`install -m 0644 ${await realpath(join(dir, "netdiag-agent.js"))} /usr/lib/netdiag/netdiag-agent.js`);
  expect(r.stdout).toContain("write /etc/netdiag/agent.json (mode 0600, owner nd-dry-run-user)");
  expect(r.stdout).toContain("systemctl enable --now netdiag-agent.service");
  expect(r.stdout).toMatch(/^AmbientCapabilities=CAP_NET_RAW CAP_NET_BIND_SERVICE$/m);
  expect(r.stdout).not.toContain(identity.secret);
  expect(exists("/etc/systemd/system/netdiag-agent.service")).toBe(before);
});

test("--dry-run of the unbundled agent (an installed package) runs it where it is", async () => {
  const r = await run(BIN.agent, ["install-service", "--dry-run", "--config", enrolled]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^ExecStart=\\S+ ${BIN.agent.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} run --config /etc/netdiag/agent.json$`, "m"));
  expect(r.stdout).not.toContain("/usr/lib/netdiag/netdiag-agent.js");
});

test("an agent that is not enrolled is not installed", async () => {
  const r = await agent(["install-service", "--dry-run", "--config", join(dir, "none.json")]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/not enrolled: run 'netdiag-agent enroll/);
});

test.skipIf(!asRoot || !exists("/usr/bin/setpriv"))("without root (and without --dry-run) it refuses before doing anything (needs root and setpriv: Debian package util-linux)", async () => {
  const r = await agent(["install-service", "--config", enrolled], ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/needs root/);
});

test.skipIf(!asRoot || exists("/run/systemd/system"))("on a machine where systemd is not running it says so and writes nothing (this test only runs on such a machine)", async () => {
  const before = ["/etc/netdiag", "/usr/lib/netdiag", "/var/lib/netdiag"].map(exists);
  const r = await agent(["install-service", "--config", enrolled]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/systemd is not running.*OpenWrt.*--no-enable/);
  expect(["/etc/netdiag", "/usr/lib/netdiag", "/var/lib/netdiag"].map(exists)).toEqual(before);
});

const useraddHasPrefix = await new Promise<boolean>((resolve) => execFile("useradd", ["--help"], (_e, out) => resolve(/--prefix/.test(String(out)))));
const canRoot = asRoot && useraddHasPrefix && exists("/usr/bin/systemctl");
describe.skipIf(!canRoot)("a real install and purge under --root DIR (needs root, useradd --prefix and systemctl: Debian packages passwd and systemd)", () => {
  let root: string;
  const user = "nd-svc-test";
  const at = (p: string) => join(root, p);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "nd-service-root-"));
    // The account files useradd --prefix edits, as a fresh system has them.
    await mkdir(at("etc"), { recursive: true });
    await writeFile(at("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    await writeFile(at("etc/group"), "root:x:0:\n");
    await writeFile(at("etc/shadow"), "root:*:19000:0:99999:7:::\n", { mode: 0o640 });
    await writeFile(at("etc/gshadow"), "root:*::\n", { mode: 0o640 });
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  test("install-service --root: account, program, config, state, unit, link; nothing outside DIR", async () => {
    const r = await agent(["install-service", "--root", root, "--config", enrolled, "--user", user]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`netdiag-agent is installed under ${root} (not started)`);

    const line = (await readFile(at("etc/passwd"), "utf8")).split("\n").find((l) => l.startsWith(`${user}:`));
    expect(line).toMatch(new RegExp(`^${user}:x:(\\d+):(\\d+)::/var/lib/netdiag:/usr/sbin/nologin$`));
    const [, , uid, gid] = line!.split(":").map(Number);

    expect((await readFile(at("usr/lib/netdiag/netdiag-agent.js"))).equals(await readFile(defaultAgentBundlePath()))).toBe(true);
    const cfgStat = await stat(at("etc/netdiag/agent.json"));
    expect([cfgStat.mode & 0o777, cfgStat.uid, cfgStat.gid]).toEqual([0o600, uid, gid]);
    const cfg = AgentConfig.parse(JSON.parse(await readFile(at("etc/netdiag/agent.json"), "utf8")));
    expect(cfg.identity).toMatchObject(identity);
    expect(cfg.stateDir).toBe("/var/lib/netdiag");
    const st = await stat(at("var/lib/netdiag"));
    expect([st.isDirectory(), st.mode & 0o777, st.uid, st.gid]).toEqual([true, 0o700, uid, gid]);

    const unit = await readFile(at("etc/systemd/system/netdiag-agent.service"), "utf8");
    expect(unit).toBe(systemdUnit({ user, nodePath: await realpath(process.execPath), programPath: "/usr/lib/netdiag/netdiag-agent.js", configPath: "/etc/netdiag/agent.json", stateDir: "/var/lib/netdiag" }));
    const link = at("etc/systemd/system/multi-user.target.wants/netdiag-agent.service");
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe("/etc/systemd/system/netdiag-agent.service");

    // The machine itself: no such account, no such unit.
    expect((await readFile("/etc/passwd", "utf8")).split("\n").some((l) => l.startsWith(`${user}:`))).toBe(false);
  });

  test("installing again keeps the account and rewrites the files", async () => {
    const r = await agent(["install-service", "--root", root, "--config", enrolled, "--user", user]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("done: useradd");
    expect((await readFile(at("etc/passwd"), "utf8")).split("\n").filter((l) => l.startsWith(`${user}:`))).toHaveLength(1);
  });

  test("uninstall-service --purge --root: unit, link, files and account gone; again: nothing to do", async () => {
    const r = await agent(["uninstall-service", "--root", root, "--purge"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const p of ["etc/systemd/system/netdiag-agent.service", "etc/systemd/system/multi-user.target.wants/netdiag-agent.service", "usr/lib/netdiag", "etc/netdiag", "var/lib/netdiag"]) {
      expect(exists(at(p)), p).toBe(false);
    }
    expect(await readFile(at("etc/passwd"), "utf8")).not.toContain(`${user}:`);
    const again = await agent(["uninstall-service", "--root", root]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/not installed/);
  });
});
