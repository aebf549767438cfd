// What install-service and uninstall-service do, as a list of plain actions planned by pure functions:
// --dry-run prints the list, apply.ts carries it out. Paths are the target system's; a --root DIR
// prefix is applied only when carrying out.
import type { AgentConfig } from "../config.js";
import { CONFIG_DIR, CONFIG_FILE, isUnderHome, PROGRAM_DIR, PROGRAM_FILE, SERVICE_NAME, STATE_DIR, UNIT_FILE } from "./layout.js";
import { systemdUnit, UnitOptionsError } from "./systemd-unit.js";

export type ServiceAction =
  | { kind: "useradd"; user: string; home: string; shell: string }
  | { kind: "userdel"; user: string }
  | { kind: "mkdir"; path: string; mode: number; owner?: string }
  | { kind: "copy"; from: string; to: string; mode: number }
  | { kind: "write"; path: string; content: string; mode: number; owner?: string; what: string }
  | { kind: "chown"; path: string; owner: string }
  | { kind: "remove"; path: string }
  /** systemctl on the running system (daemon-reload, enable --now, disable --now). */
  | { kind: "systemctl"; args: string[] }
  /** `systemctl --root=DIR enable|disable`: the symlinks only, no running systemd needed. */
  | { kind: "systemctl-root"; args: string[] };

/** How far install goes: start it now (the running system), only link it (an image under --root), or only write files. */
export type EnableMode = "now" | "root" | "none";

export interface InstallInput {
  user: string;
  /** The account already exists (no useradd). */
  userExists: boolean;
  /** nologin's path on the target (Debian /usr/sbin/nologin, others /sbin/nologin). */
  nologin: string;
  nodePath: string;
  /** The one-file agent (copied to PROGRAM_FILE), or the entry point of an installed package (run where it is). */
  program: { kind: "bundle"; source: string } | { kind: "package"; path: string };
  /** The enrolled config to install, and where it was read. */
  config: AgentConfig;
  sourceConfigPath: string;
  enable: EnableMode;
}

export interface InstallPlan {
  actions: ServiceAction[];
  unit: string;
  stateDir: string;
  programPath: string;
  /** Things the person installing should know (printed after the actions). */
  notes: string[];
}

export class ServicePlanError extends Error {
  override name = "ServicePlanError";
}

/** The service's state dir: the config's own when it set one the service can reach, else STATE_DIR. */
export function serviceStateDir(config: AgentConfig): string {
  const own = config.stateDir;
  return own && own.startsWith("/") && !isUnderHome(own) ? own.replace(/\/+$/, "") || "/" : STATE_DIR;
}

export function planInstall(i: InstallInput): InstallPlan {
  if (!i.config.identity) throw new ServicePlanError("this agent is not enrolled: run 'netdiag-agent enroll --collector URL --code CODE' first (with --config for another config file)");
  if (isUnderHome(i.nodePath)) throw new ServicePlanError(`node is at ${i.nodePath}, inside a home folder the service cannot see (ProtectHome): install Node.js system-wide (e.g. /usr/bin/node) or pass --node PATH`);
  const programPath = i.program.kind === "bundle" ? PROGRAM_FILE : i.program.path;
  if (i.program.kind === "package" && isUnderHome(programPath)) {
    throw new ServicePlanError(`the agent runs from ${programPath}, inside a home folder the service cannot see (ProtectHome): install the one-file agent (node netdiag-agent.js install-service) or the package system-wide`);
  }
  const stateDir = serviceStateDir(i.config);
  let unit: string;
  try {
    unit = systemdUnit({ user: i.user, nodePath: i.nodePath, programPath, configPath: CONFIG_FILE, stateDir });
  } catch (e) {
    if (e instanceof UnitOptionsError) throw new ServicePlanError(e.message);
    throw e;
  }
  const config = { ...i.config, stateDir };
  const actions: ServiceAction[] = [];
  if (!i.userExists) actions.push({ kind: "useradd", user: i.user, home: stateDir, shell: i.nologin });
  if (i.program.kind === "bundle") {
    actions.push({ kind: "mkdir", path: PROGRAM_DIR, mode: 0o755 });
    if (i.program.source !== PROGRAM_FILE) actions.push({ kind: "copy", from: i.program.source, to: PROGRAM_FILE, mode: 0o644 });
  }
  actions.push(
    { kind: "mkdir", path: CONFIG_DIR, mode: 0o755 },
    { kind: "write", path: CONFIG_FILE, content: JSON.stringify(config, null, 2) + "\n", mode: 0o600, owner: i.user, what: `the enrolled config from ${i.sourceConfigPath}, with stateDir ${stateDir}` },
    { kind: "mkdir", path: stateDir, mode: 0o700, owner: i.user },
    // Grants and outbox already there (a reinstall) become the service user's too.
    { kind: "chown", path: stateDir, owner: i.user },
    { kind: "write", path: UNIT_FILE, content: unit, mode: 0o644, what: "the systemd unit" },
  );
  if (i.enable === "now") actions.push({ kind: "systemctl", args: ["daemon-reload"] }, { kind: "systemctl", args: ["enable", "--now", `${SERVICE_NAME}.service`] });
  if (i.enable === "root") actions.push({ kind: "systemctl-root", args: ["enable", `${SERVICE_NAME}.service`] });

  const cli = `sudo -u ${i.user} ${i.nodePath} ${programPath}`;
  const notes = [
    `The service runs as user ${i.user} with ${CONFIG_FILE}; its grants, outbox and log are in ${stateDir}.`,
    `Authorize your engineer and answer requests as that user, so the service can read what you decide:`,
    `  ${cli} authorize --ticket <ticket-id> --all --for 2h --config ${CONFIG_FILE}`,
    `  ${cli} pending --config ${CONFIG_FILE}`,
    `Check it: ${cli} doctor --config ${CONFIG_FILE}    status and log: systemctl status ${SERVICE_NAME}; journalctl -u ${SERVICE_NAME}`,
  ];
  if (i.sourceConfigPath !== CONFIG_FILE) notes.push(`${i.sourceConfigPath} is left as it is; stop any 'netdiag-agent run' you started with it by hand (the service connects as the same agent).`);
  return { actions, unit, stateDir, programPath, notes };
}

export interface UninstallInput {
  /** The user named in the installed unit (User=), else the one given. */
  user: string;
  /** The unit file exists on the target. */
  installed: boolean;
  /** Also remove the program, config, state and user. */
  purge: boolean;
  /** The state dir named in the installed unit (ReadWritePaths=), else STATE_DIR. */
  stateDir: string;
  enable: EnableMode;
}

/** Accounts a service may have been pointed at but that never belong to it alone. */
const SHARED_ACCOUNTS = new Set(["root", "nobody", "daemon", "bin", "sys"]);

export function planUninstall(i: UninstallInput): { actions: ServiceAction[]; notes: string[] } {
  const actions: ServiceAction[] = [];
  const notes: string[] = [];
  if (i.installed) {
    if (i.enable === "now") actions.push({ kind: "systemctl", args: ["disable", "--now", `${SERVICE_NAME}.service`] });
    if (i.enable === "root") actions.push({ kind: "systemctl-root", args: ["disable", `${SERVICE_NAME}.service`] });
    actions.push({ kind: "remove", path: UNIT_FILE });
    if (i.enable === "now") actions.push({ kind: "systemctl", args: ["daemon-reload"] });
  } else {
    notes.push(`${UNIT_FILE} is not there: the service is not installed.`);
  }
  if (i.purge) {
    actions.push({ kind: "remove", path: PROGRAM_DIR }, { kind: "remove", path: CONFIG_DIR });
    // Only what install-service could have made: a state dir named netdiag, an account that is not a system one.
    if (/^\/(?:[A-Za-z0-9._-]+\/)+netdiag$/.test(i.stateDir)) actions.push({ kind: "remove", path: i.stateDir });
    else notes.push(`Kept ${i.stateDir}: not a state directory install-service makes; remove it yourself if it is the agent's.`);
    if (!SHARED_ACCOUNTS.has(i.user)) actions.push({ kind: "userdel", user: i.user });
    else notes.push(`Kept user ${i.user}: it is not the agent's own.`);
  } else {
    notes.push(`Kept: ${PROGRAM_DIR}, ${CONFIG_DIR} (the agent's identity), ${i.stateDir} and user ${i.user}; --purge removes them too.`);
  }
  return { actions, notes };
}

/** The installed unit's User= and ReadWritePaths= (uninstall removes what install made); nothing from a unit install-service did not write. */
export function readUnitFields(unit: string): { user?: string; stateDir?: string } {
  if (!unit.includes("written by 'netdiag-agent install-service'")) return {};
  const user = /^User=(\S+)\s*$/m.exec(unit)?.[1];
  const stateDir = /^ReadWritePaths=(\S+)\s*$/m.exec(unit)?.[1];
  return { ...(user ? { user } : {}), ...(stateDir ? { stateDir } : {}) };
}

/** One line per action, as the commands a person would type (what --dry-run prints). */
export function describeAction(a: ServiceAction): string {
  const mode = (m: number) => m.toString(8).padStart(4, "0");
  switch (a.kind) {
    case "useradd":
      return `useradd --system --user-group --no-create-home --home-dir ${a.home} --shell ${a.shell} ${a.user}`;
    case "userdel":
      return `userdel ${a.user}`;
    case "mkdir":
      return `install -d -m ${mode(a.mode)}${a.owner ? ` -o ${a.owner} -g ${a.owner}` : ""} ${a.path}`;
    case "copy":
      return `install -m ${mode(a.mode)} ${a.from} ${a.to}`;
    case "write":
      return `write ${a.path} (mode ${mode(a.mode)}${a.owner ? `, owner ${a.owner}` : ""}): ${a.what}`;
    case "chown":
      return `chown -R ${a.owner}:${a.owner} ${a.path}`;
    case "remove":
      return `rm -rf ${a.path}`;
    case "systemctl":
      return `systemctl ${a.args.join(" ")}`;
    case "systemctl-root":
      return `systemctl --root=DIR ${a.args.join(" ")}`;
  }
}
