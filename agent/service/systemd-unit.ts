// The systemd unit install-service writes (pure: options in, file text out; tested on its output and
// with `systemd-analyze verify`). The agent runs as its own system user with only the two capabilities
// its checks need instead of root, and may write only its state directory.
import { SERVICE_NAME } from "./layout.js";

export interface UnitOptions {
  /** The dedicated system user (and group of the same name) the agent runs as. */
  user: string;
  /** Absolute path of the node binary. */
  nodePath: string;
  /** Absolute path of the agent program (the one-file agent, or dist/agent/main.js of an installed package). */
  programPath: string;
  configPath: string;
  /** The only place the service may write: grants, outbox, consent channel, logs. */
  stateDir: string;
}

/** A POSIX-ish account name useradd accepts everywhere (no leading digit or dash). */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
/**
 * Absolute, and nothing systemd would read as syntax: whitespace and quotes split or quote ExecStart
 * words, `%` starts a specifier, `$` an environment variable, `\` an escape. Such paths are refused
 * rather than escaped: the layout (agent/service/layout.ts) never needs them.
 */
const PLAIN_PATH = /^\/[A-Za-z0-9._+/-]*$/;

export class UnitOptionsError extends Error {
  override name = "UnitOptionsError";
}

export function checkUnitOptions(o: UnitOptions): void {
  if (!USER_NAME.test(o.user)) throw new UnitOptionsError(`'${o.user}' is not a valid user name (lower case letters, digits, _ and -, at most 32)`);
  if (o.user === "root") throw new UnitOptionsError("the service must not run as root: name a dedicated user (default netdiag)");
  for (const [what, p] of [["node", o.nodePath], ["program", o.programPath], ["config", o.configPath], ["state directory", o.stateDir]] as const) {
    if (!PLAIN_PATH.test(p) || p.split("/").includes("..")) throw new UnitOptionsError(`the ${what} path '${p}' must be absolute and contain only letters, digits and . _ + - /`);
  }
}

/** The unit file's text. Throws UnitOptionsError for options that cannot be written safely. */
export function systemdUnit(o: UnitOptions): string {
  checkUnitOptions(o);
  return `# ${SERVICE_NAME}.service: written by 'netdiag-agent install-service'; 'netdiag-agent uninstall-service' removes it.
[Unit]
Description=netdiag agent: network diagnostics for your ISP's support (runs only what you authorize)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=${o.user}
Group=${o.user}
ExecStart=${o.nodePath} ${o.programPath} run --config ${o.configPath}
Restart=on-failure
RestartSec=5s
UMask=0077
# Instead of root, only what the checks need: CAP_NET_RAW for ping and the DHCP probe's packet socket,
# CAP_NET_BIND_SERVICE for the DHCP probe's UDP port 68. Nothing can gain more (NoNewPrivileges).
AmbientCapabilities=CAP_NET_RAW CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
# The file system is read-only to it except its state directory; home folders are hidden.
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=${o.stateDir}
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
`;
}
