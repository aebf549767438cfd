// The OpenWrt procd init script: it parses (sh -n, and busybox ash -n as on OpenWrt), says what procd
// needs, and its start_service, run by real shells with procd's functions stubbed, hands procd the
// agent's command, respawn and, when the user and capability file exist, the user and the same two
// capabilities as the systemd unit; without a config it refuses to start.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CONFIG_FILE, PROGRAM_FILE } from "../../agent/service/layout.js";
import { systemdUnit } from "../../agent/service/systemd-unit.js";
import { ROOT } from "../helpers/cli.js";

const INIT = join(ROOT, "scripts/openwrt/netdiag-agent.init");
const CAPS = join(ROOT, "scripts/openwrt/netdiag-agent.capabilities.json");
const text = readFileSync(INIT, "utf8");
const busybox = ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p));
const shells: [string, string[]][] = [["sh", []], ...(busybox ? [[busybox, ["sh"]] as [string, string[]]] : [])];

function shell(sh: [string, string[]], args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(sh[0], [...sh[1], ...args], { timeout: 10_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

test.each(shells.map((s) => [s[1].length ? "busybox ash (OpenWrt's shell)" : "sh", s] as const))("parses with %s", async (_n, sh) => {
  const r = await shell(sh, ["-n", INIT]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
});

test("is a procd script for rc.common that runs the installed agent with the installed config", () => {
  expect(text.split("\n")[0]).toBe("#!/bin/sh /etc/rc.common");
  expect(text).toMatch(/^USE_PROCD=1$/m);
  expect(text).toMatch(/^START=\d+$/m);
  expect(text).toContain(`PROG=${PROGRAM_FILE}`);
  expect(text).toContain(`CONFIG=${CONFIG_FILE}`);
  expect(text).toMatch(/^\tprocd_set_param command node "\$PROG" run --config "\$CONFIG"$/m);
  expect(text).toMatch(/^\tprocd_set_param respawn /m);
});

test("its capability file grants exactly what the systemd unit grants", () => {
  const unit = systemdUnit({ user: "netdiag", nodePath: "/usr/bin/node", programPath: PROGRAM_FILE, configPath: CONFIG_FILE, stateDir: "/var/lib/netdiag" });
  const unitCaps = /^AmbientCapabilities=(.*)$/m.exec(unit)![1]!.split(" ").sort();
  const caps = JSON.parse(readFileSync(CAPS, "utf8")) as Record<string, string[]>;
  expect(Object.keys(caps).sort()).toEqual(["ambient", "bounding", "effective", "inheritable", "permitted"]);
  for (const set of Object.values(caps)) expect([...set].sort()).toEqual(unitCaps);
});

describe.each(shells.map((s) => [s[1].length ? "busybox ash" : "sh", s] as const))("start_service under %s", (_n, sh) => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nd-openwrt-"));
    await writeFile(join(dir, "agent.json"), "{}\n");
    await writeFile(join(dir, "caps.json"), "{}\n");
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  /** Sources the script with procd's and OpenWrt's functions stubbed, points it at test files, runs start_service. */
  const start = (o: { config: string; caps: string; userExists: boolean }) => {
    const harness = `
procd_open_instance() { echo open; }
procd_set_param() { echo "param $*"; }
procd_close_instance() { echo close; }
user_exists() { [ "$TEST_USER_EXISTS" = 1 ] && [ "$1" = netdiag ]; }
. "$INIT"
CONFIG="$TEST_CONFIG"; CAPS="$TEST_CAPS"
start_service
echo "rc=$?"`;
    return shell(sh, ["-c", harness], { INIT, TEST_CONFIG: o.config, TEST_CAPS: o.caps, TEST_USER_EXISTS: o.userExists ? "1" : "0" });
  };

  test("with a user and the capability file: the agent as that user with those capabilities and no new privileges", async () => {
    const r = await start({ config: join(dir, "agent.json"), caps: join(dir, "caps.json"), userExists: true });
    expect(r.stdout.trim().split("\n")).toEqual([
      "open",
      `param command node ${PROGRAM_FILE} run --config ${join(dir, "agent.json")}`,
      "param respawn 3600 5 5",
      "param stdout 1",
      "param stderr 1",
      "param user netdiag",
      "param group netdiag",
      `param capabilities ${join(dir, "caps.json")}`,
      "param no_new_privs 1",
      "close",
      "rc=0",
    ]);
  });

  test("without the user: as root, like most OpenWrt services", async () => {
    const r = await start({ config: join(dir, "agent.json"), caps: join(dir, "caps.json"), userExists: false });
    expect(r.stdout).toContain(`param command node ${PROGRAM_FILE} run --config`);
    expect(r.stdout).not.toContain("param user");
    expect(r.stdout).toMatch(/rc=0$/m);
  });

  test("without an enrolled config: nothing is started, and it says to enroll", async () => {
    const r = await start({ config: join(dir, "missing.json"), caps: join(dir, "caps.json"), userExists: true });
    expect(r.stdout).not.toContain("open");
    expect(r.stdout).toMatch(/rc=1$/m);
    expect(r.stderr).toMatch(/is missing: enroll first/);
  });
});
