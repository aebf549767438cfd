// The systemd unit install-service writes: its lines (a dedicated user, only CAP_NET_RAW and
// CAP_NET_BIND_SERVICE, no new privileges, a read-only system but for the state dir), options it
// refuses to write, and `systemd-analyze verify` on the real file.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readUnitFields } from "../../../agent/service/plan.js";
import { systemdUnit, UnitOptionsError, type UnitOptions } from "../../../agent/service/systemd-unit.js";
import { defaultAgentBundlePath } from "../../../collector/agent-bundle.js";

const OPTS: UnitOptions = { user: "netdiag", nodePath: "/usr/bin/node", programPath: "/usr/lib/netdiag/netdiag-agent.js", configPath: "/etc/netdiag/agent.json", stateDir: "/var/lib/netdiag" };
const unit = systemdUnit(OPTS);
/** The [Service] section's settings, key -> values (a key may repeat). */
const service = (text: string) => {
  const body = text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  const out = new Map<string, string[]>();
  for (const l of body.split("\n")) {
    const m = /^(\w+)=(.*)$/.exec(l);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
};

describe("the unit", () => {
  const s = service(unit);
  test.each([
    ["User", "netdiag"],
    ["Group", "netdiag"],
    ["ExecStart", "/usr/bin/node /usr/lib/netdiag/netdiag-agent.js run --config /etc/netdiag/agent.json"],
    ["Restart", "on-failure"],
    ["NoNewPrivileges", "yes"],
    ["ProtectSystem", "strict"],
    ["ProtectHome", "yes"],
    ["PrivateTmp", "yes"],
    ["ReadWritePaths", "/var/lib/netdiag"],
  ])("%s=%s", (key, value) => {
    expect(s.get(key)).toEqual([value]);
  });

  test("exactly CAP_NET_RAW and CAP_NET_BIND_SERVICE, granted and bounding alike", () => {
    const caps = (k: string) => s.get(k)?.join(" ").split(/\s+/).sort();
    expect(caps("AmbientCapabilities")).toEqual(["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]);
    expect(caps("CapabilityBoundingSet")).toEqual(caps("AmbientCapabilities"));
  });

  test("starts at boot after the network, and never as root", () => {
    expect(unit).toMatch(/^\[Install\]\nWantedBy=multi-user\.target$/m);
    expect(unit).toMatch(/^After=network-online\.target$/m);
    expect(unit).not.toMatch(/^User=root$/m);
  });

  test("uninstall reads back what install wrote, and nothing from a unit it did not write", () => {
    expect(readUnitFields(unit)).toEqual({ user: "netdiag", stateDir: "/var/lib/netdiag" });
    expect(readUnitFields(unit.replace(/^# .*\n/, ""))).toEqual({});
  });

  test.each([
    ["root as the user", { user: "root" }],
    ["a user name with a space", { user: "net diag" }],
    ["a relative program path", { programPath: "netdiag-agent.js" }],
    ["a path with a space (ExecStart would split it)", { stateDir: "/var/lib/net diag" }],
    ["a path with % (a systemd specifier)", { configPath: "/etc/netdiag/%i.json" }],
    ["a path with $ (an environment variable)", { nodePath: "/opt/$NODE/bin/node" }],
    ["a path going up", { stateDir: "/var/lib/../../etc" }],
    ["a newline (a second setting)", { stateDir: "/var/lib/netdiag\nUser=root" }],
  ] as const)("refuses %s", (_n, bad) => {
    expect(() => systemdUnit({ ...OPTS, ...bad })).toThrow(UnitOptionsError);
  });
});

const analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p));
test.skipIf(!analyze)("systemd-analyze verify (Debian package systemd) accepts the unit with no complaint", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nd-unit-"));
  try {
    // ExecStart must name programs that exist: this node and the built one-file agent.
    const file = join(dir, "netdiag-agent.service");
    await writeFile(file, systemdUnit({ ...OPTS, nodePath: process.execPath, programPath: defaultAgentBundlePath() }));
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(analyze!, ["verify", "--man=no", file], { timeout: 30_000 }, (err, _out, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stderr: String(stderr) }));
    });
    // Unknown keys and bad values are only warnings (exit 0), printed with the file's name.
    expect(r.stderr.split("\n").filter((l) => l.includes("netdiag-agent.service"))).toEqual([]);
    expect(r.code).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
