// What install-service and uninstall-service plan to do (pure): the order of the steps, where the
// program, config and state go, what each enable mode adds, and what is refused or kept.
import { describe, expect, test } from "vitest";
import { AgentConfig } from "../../../agent/config.js";
import { parsePasswd } from "../../../agent/service/apply.js";
import { describeAction, planInstall, planUninstall, ServicePlanError, serviceStateDir, type InstallInput } from "../../../agent/service/plan.js";

const enrolled = AgentConfig.parse({ identity: { collectorUrl: "https://support.example-isp.test", agentId: "ag_plan0000001", secret: "nds_secret-value" }, targets: { anchors: ["127.0.0.1"] } });
const input = (o: Partial<InstallInput> = {}): InstallInput => ({
  user: "netdiag",
  userExists: false,
  nologin: "/usr/sbin/nologin",
  nodePath: "/usr/bin/node",
  program: { kind: "bundle", source: "/root/Downloads/netdiag-agent.js" },
  config: enrolled,
  sourceConfigPath: "/root/.config/netdiag/agent.json",
  enable: "now",
  ...o,
});

describe("install", () => {
  test("the one-file agent on a running system: user, program, config, state, unit, then start", () => {
    const p = planInstall(input());
    expect(p.actions.map(describeAction)).toEqual([
      "useradd --system --user-group --no-create-home --home-dir /var/lib/netdiag --shell /usr/sbin/nologin netdiag",
      "install -d -m 0755 /usr/lib/netdiag",
      "install -m 0644 /root/Downloads/netdiag-agent.js /usr/lib/netdiag/netdiag-agent.js",
      "install -d -m 0755 /etc/netdiag",
      "write /etc/netdiag/agent.json (mode 0600, owner netdiag): the enrolled config from /root/.config/netdiag/agent.json, with stateDir /var/lib/netdiag",
      "install -d -m 0700 -o netdiag -g netdiag /var/lib/netdiag",
      "chown -R netdiag:netdiag /var/lib/netdiag",
      "write /etc/systemd/system/netdiag-agent.service (mode 0644): the systemd unit",
      "systemctl daemon-reload",
      "systemctl enable --now netdiag-agent.service",
    ]);
    expect(p.unit).toContain("ExecStart=/usr/bin/node /usr/lib/netdiag/netdiag-agent.js run --config /etc/netdiag/agent.json");
  });

  test("the service's config keeps the identity and device settings, and gets the state dir", () => {
    const write = planInstall(input()).actions.find((a) => a.kind === "write" && a.path === "/etc/netdiag/agent.json");
    const cfg = AgentConfig.parse(JSON.parse(write?.kind === "write" ? write.content : "{}"));
    expect(cfg.identity).toEqual(enrolled.identity);
    expect(cfg.targets.anchors).toEqual(["127.0.0.1"]);
    expect(cfg.stateDir).toBe("/var/lib/netdiag");
  });

  test("an existing user is not created again; the program already in place is not copied over itself", () => {
    const kinds = planInstall(input({ userExists: true, program: { kind: "bundle", source: "/usr/lib/netdiag/netdiag-agent.js" } })).actions.map((a) => a.kind);
    expect(kinds).not.toContain("useradd");
    expect(kinds).not.toContain("copy");
  });

  test("an installed package runs where it is (nothing copied)", () => {
    const p = planInstall(input({ program: { kind: "package", path: "/usr/lib/node_modules/netdiag/dist/agent/main.js" } }));
    expect(p.actions.map((a) => a.kind)).not.toContain("copy");
    expect(p.unit).toContain("ExecStart=/usr/bin/node /usr/lib/node_modules/netdiag/dist/agent/main.js run --config /etc/netdiag/agent.json");
  });

  test("under --root only the unit's links are made; with --no-enable nothing is enabled", () => {
    expect(planInstall(input({ enable: "root" })).actions.slice(-1).map(describeAction)).toEqual(["systemctl --root=DIR enable netdiag-agent.service"]);
    expect(planInstall(input({ enable: "none" })).actions.map((a) => a.kind).filter((k) => k.startsWith("systemctl"))).toEqual([]);
  });

  test("the config's own state dir is kept unless the service could not reach it", () => {
    expect(serviceStateDir({ ...enrolled, stateDir: "/srv/netdiag/state" })).toBe("/srv/netdiag/state");
    expect(serviceStateDir({ ...enrolled, stateDir: "/home/wang/.config/netdiag" })).toBe("/var/lib/netdiag");
    expect(serviceStateDir({ ...enrolled, stateDir: "relative/dir" })).toBe("/var/lib/netdiag");
  });

  test.each([
    ["an agent that is not enrolled", { config: AgentConfig.parse({}) }, /not enrolled/],
    ["node inside a home folder (ProtectHome hides it)", { nodePath: "/root/.nvm/versions/node/v20/bin/node" }, /home folder/],
    ["a package inside a home folder", { program: { kind: "package" as const, path: "/home/wang/netdiag/dist/agent/main.js" } }, /home folder/],
    ["root as the service's user", { user: "root" }, /must not run as root/],
  ])("refuses %s", (_n, o, msg) => {
    expect(() => planInstall(input(o))).toThrow(ServicePlanError);
    expect(() => planInstall(input(o))).toThrow(msg);
  });

  test("the notes tell how to authorize as the service's user", () => {
    expect(planInstall(input()).notes.join("\n")).toContain("sudo -u netdiag /usr/bin/node /usr/lib/netdiag/netdiag-agent.js authorize --ticket <ticket-id> --all --for 2h --config /etc/netdiag/agent.json");
  });
});

describe("uninstall", () => {
  test("stops, disables and removes the unit; keeps the identity and state unless --purge", () => {
    const p = planUninstall({ user: "netdiag", installed: true, purge: false, stateDir: "/var/lib/netdiag", enable: "now" });
    expect(p.actions.map(describeAction)).toEqual(["systemctl disable --now netdiag-agent.service", "rm -rf /etc/systemd/system/netdiag-agent.service", "systemctl daemon-reload"]);
    expect(p.notes.join("\n")).toMatch(/Kept: .*--purge/);
  });

  test("--purge also removes the program, config, state and user", () => {
    const p = planUninstall({ user: "netdiag", installed: true, purge: true, stateDir: "/var/lib/netdiag", enable: "root" });
    expect(p.actions.map(describeAction)).toEqual([
      "systemctl --root=DIR disable netdiag-agent.service",
      "rm -rf /etc/systemd/system/netdiag-agent.service",
      "rm -rf /usr/lib/netdiag",
      "rm -rf /etc/netdiag",
      "rm -rf /var/lib/netdiag",
      "userdel netdiag",
    ]);
  });

  test("--purge never removes an account or folder install-service would not have made", () => {
    const p = planUninstall({ user: "root", installed: true, purge: true, stateDir: "/", enable: "none" });
    const lines = p.actions.map(describeAction);
    expect(lines).not.toContain("userdel root");
    expect(lines).not.toContain("rm -rf /");
    expect(p.notes.join("\n")).toMatch(/Kept user root/);
  });

  test("nothing installed: nothing to stop", () => {
    const p = planUninstall({ user: "netdiag", installed: false, purge: false, stateDir: "/var/lib/netdiag", enable: "now" });
    expect(p.actions).toEqual([]);
    expect(p.notes[0]).toMatch(/not installed/);
  });
});

test("parsePasswd finds a user's ids and nothing else", () => {
  const passwd = "root:x:0:0:root:/root:/bin/bash\nnetdiag:x:998:997::/var/lib/netdiag:/usr/sbin/nologin\n";
  expect(parsePasswd(passwd, "netdiag")).toEqual({ uid: 998, gid: 997 });
  expect(parsePasswd(passwd, "netdia")).toBeUndefined();
});
