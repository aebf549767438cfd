// `netdiag-agent uninstall-service`: stops and removes the systemd service install-service made; with
// --purge also the program, the agent's identity and state, and its user.
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { applyActions, onTarget } from "../service/apply.js";
import { DEFAULT_SERVICE_USER, SERVICE_NAME, STATE_DIR, UNIT_FILE } from "../service/layout.js";
import { describeAction, planUninstall, readUnitFields, type EnableMode } from "../service/plan.js";
import { USER_NAME } from "../service/systemd-unit.js";
import { UsageError } from "./common.js";

export const UNINSTALL_SERVICE_HELP = `Usage: netdiag-agent uninstall-service [--purge] [--user NAME] [--dry-run] [--root DIR]

Stops and disables the ${SERVICE_NAME} service and removes its unit. Needs root.
  --purge       also remove the program, the agent's config (its identity) and state, and its user
  --user NAME   the user to remove with --purge when the unit does not name one (default ${DEFAULT_SERVICE_USER})
  --dry-run     print what would be done, change nothing
  --root DIR    work under DIR instead of / (as install-service --root)
Exit code: 0 removed (or nothing to remove), 2 it could not be removed (the reason is printed).`;

export async function uninstallServiceCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      purge: { type: "boolean", default: false },
      user: { type: "string", default: DEFAULT_SERVICE_USER },
      "dry-run": { type: "boolean", default: false },
      root: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(UNINSTALL_SERVICE_HELP + "\n");
    return 0;
  }
  if (!USER_NAME.test(values.user)) throw new UsageError(`--user '${values.user}' is not a valid user name`);
  const root = values.root === undefined ? "/" : resolve(values.root);
  if (values.root !== undefined && !(await stat(root).catch(() => undefined))?.isDirectory()) throw new UsageError(`--root ${values.root} is not a directory`);
  const dry = values["dry-run"];
  if (!dry && process.getuid?.() !== 0) throw new UsageError("uninstall-service needs root (run it with sudo), or --dry-run to see what it would do");
  const unitText = await readFile(onTarget(root, UNIT_FILE), "utf8").catch(() => undefined);
  const fields = unitText ? readUnitFields(unitText) : {};
  // Without a running systemd (a container) there is nothing to stop: the files are still removed.
  const enable: EnableMode = root !== "/" ? "root" : existsSync("/run/systemd/system") ? "now" : "none";
  const plan = planUninstall({ user: fields.user ?? values.user, installed: unitText !== undefined, purge: values.purge, stateDir: fields.stateDir ?? STATE_DIR, enable });
  const where = root === "/" ? "" : ` under ${root}`;
  if (dry) {
    process.stdout.write(`uninstall-service --dry-run: would do${where}:\n${plan.actions.map((a) => `  ${describeAction(a)}`).join("\n") || "  nothing"}\n${plan.notes.join("\n")}\n`);
    return 0;
  }
  await applyActions(plan.actions, { root, report: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`${plan.notes.join("\n")}\n`);
  return 0;
}
