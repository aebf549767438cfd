// Where the agent lives when installed as a service (install-service, the OpenWrt init script and the
// docs use these same paths): the program, its config, its state, the unit and the account it runs as.
export const SERVICE_NAME = "netdiag-agent";
export const UNIT_FILE = `/etc/systemd/system/${SERVICE_NAME}.service`;
/** The one-file agent, copied here so the service never runs a file from someone's home folder. */
export const PROGRAM_DIR = "/usr/lib/netdiag";
export const PROGRAM_FILE = `${PROGRAM_DIR}/netdiag-agent.js`;
/** 0600, owned by the service's user: it holds the agent secret and device credentials. */
export const CONFIG_DIR = "/etc/netdiag";
export const CONFIG_FILE = `${CONFIG_DIR}/agent.json`;
/** Grants, the outbox, the consent channel and logs (the service's only writable place). */
export const STATE_DIR = "/var/lib/netdiag";
export const DEFAULT_SERVICE_USER = "netdiag";

/** Places systemd's ProtectHome= hides from the service: nothing it needs may live there. */
export function isUnderHome(path: string): boolean {
  return /^\/(home|root|run\/user)(\/|$)/.test(path);
}
