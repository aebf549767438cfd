// `netdiag-agent install-service`: runs the enrolled agent as a systemd service under its own system
// user with only CAP_NET_RAW and CAP_NET_BIND_SERVICE (agent/service/: the plan, the unit, carrying it
// out). --dry-run prints what it would do; --root DIR writes under DIR instead of / (an image, a test).
import { existsSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadAgentConfig } from "../config.js";
import { applyActions, lookupUser, onTarget } from "../service/apply.js";
import { RUNNING_AS_BUNDLE } from "../service/bundle.js";
import { CONFIG_FILE, DEFAULT_SERVICE_USER, SERVICE_NAME, UNIT_FILE } from "../service/layout.js";
import { describeAction, planInstall, ServicePlanError, type EnableMode } from "../service/plan.js";
import { USER_NAME } from "../service/systemd-unit.js";
import { defaultConfigPath, UsageError } from "./common.js";

export const INSTALL_SERVICE_HELP = `Usage: netdiag-agent install-service [--user NAME] [--config FILE] [--node PATH] [--dry-run] [--root DIR] [--no-enable]

Installs this (enrolled) agent as the systemd service ${SERVICE_NAME}, so it stays connected after a
reboot without anyone logged in. It runs as a dedicated system user (created if missing) with only
CAP_NET_RAW and CAP_NET_BIND_SERVICE instead of root, and may write only its state directory. Needs root.
  --user NAME    the service's user (default ${DEFAULT_SERVICE_USER})
  --config FILE  the enrolled config to install (default ${defaultConfigPath()}); the service gets its own
                 copy, ${CONFIG_FILE} (mode 0600, owned by the user)
  --node PATH    the node binary the service runs (default: the one running this command)
  --dry-run      print what would be done (and the unit), change nothing
  --root DIR     write everything under DIR instead of / (users with useradd --prefix, the unit
                 linked with systemctl --root); nothing is started
  --no-enable    write the files but do not enable or start the service
Exit code: 0 installed (or the dry run printed), 2 it could not be installed (the reason is printed).`;

export async function installServiceCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: "string", default: DEFAULT_SERVICE_USER },
      config: { type: "string" },
      node: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      root: { type: "string" },
      "no-enable": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(INSTALL_SERVICE_HELP + "\n");
    return 0;
  }
  if (!USER_NAME.test(values.user)) throw new UsageError(`--user '${values.user}' is not a valid user name`);
  const root = values.root === undefined ? "/" : resolve(values.root);
  if (values.root !== undefined && !(await stat(root).catch(() => undefined))?.isDirectory()) throw new UsageError(`--root ${values.root} is not a directory`);
  const dry = values["dry-run"];
  const enable: EnableMode = values["no-enable"] ? "none" : root === "/" ? "now" : "root";
  if (!dry && process.getuid?.() !== 0) throw new UsageError("install-service needs root (run it with sudo), or --dry-run to see what it would do");
  // Starting a service needs a running systemd; without one (a container, OpenWrt) say what to do instead.
  const noSystemd = enable === "now" && !existsSync("/run/systemd/system");
  if (noSystemd && !dry) {
    throw new UsageError("systemd is not running on this machine, so no service can be started: on OpenWrt use scripts/openwrt/netdiag-agent.init (see the README), or pass --no-enable to only write the files");
  }

  const sourceConfigPath = resolve(values.config ?? defaultConfigPath());
  const config = await loadAgentConfig(sourceConfigPath);
  const script = process.argv[1] ? await realpath(process.argv[1]) : "";
  const nodePath = values.node ? resolve(values.node) : await realpath(process.execPath);
  let plan;
  try {
    plan = planInstall({
      user: values.user,
      userExists: (await lookupUser(root, values.user)) !== undefined,
      nologin: ["/usr/sbin/nologin", "/sbin/nologin"].find((p) => existsSync(onTarget(root, p))) ?? "/usr/sbin/nologin",
      nodePath,
      program: RUNNING_AS_BUNDLE ? { kind: "bundle", source: script } : { kind: "package", path: script },
      config,
      sourceConfigPath,
      enable,
    });
  } catch (e) {
    if (e instanceof ServicePlanError) throw new UsageError(e.message);
    throw e;
  }

  const where = root === "/" ? "" : ` under ${root}`;
  if (dry) {
    process.stdout.write(`install-service --dry-run: would do${where}:\n${plan.actions.map((a) => `  ${describeAction(a)}`).join("\n")}\n\n${UNIT_FILE}:\n${plan.unit}\n`);
    if (noSystemd) process.stdout.write("note: systemd is not running on this machine: without --dry-run this needs --no-enable (or, on OpenWrt, scripts/openwrt/netdiag-agent.init)\n");
    return 0;
  }
  await applyActions(plan.actions, { root, report: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`\n${enable === "now" ? `${SERVICE_NAME} is installed and running.` : `${SERVICE_NAME} is installed${where} (not started).`}\n${plan.notes.join("\n")}\n`);
  return 0;
}
