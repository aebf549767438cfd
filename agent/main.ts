#!/usr/bin/env node
// netdiag-agent: thin entry point. Parses the subcommand and hands over; exit codes are documented
// in --help (0 ok, 1 fault found, 2 could not run / usage error).
import { UsageError } from "./commands/common.js";
import { escapeControlsKeepLines } from "../shared/terminal-text.js";
import { ConfigError } from "./config.js";
import { AGENT_VERSION } from "./version.js";

const HELP = `netdiag-agent ${AGENT_VERSION}: network diagnostics agent

Usage: netdiag-agent <command> [options]

Commands:
  enroll      enroll this machine with the support collector (one-time code)
  run         stay connected to the collector and run authorized diagnoses
  check       run the diagnosis locally and print the verdict
  authorize   allow the support engineer to run diagnosis for a ticket, for a limited time
  grants      list what you have authorized
  revoke      end authorizations now (stops a diagnosis running under them)
  pending     list requests waiting for your answer
  approve     allow a waiting request
  refuse      refuse a waiting request
  doctor      check this machine's prerequisites and say what to fix
  install-service    run the agent as a systemd service (own user, minimal capabilities)
  uninstall-service  stop and remove that service
  help        show this help

Run 'netdiag-agent <command> --help' for a command's options.`;

type Command = (argv: string[]) => Promise<number>;
/**
 * Each command's module is loaded only when it runs: `check`, which a customer runs while on the
 * phone, does not pay at start for the collector link, the consent server or enrollment.
 */
const commands: Record<string, () => Promise<Command>> = {
  enroll: async () => (await import("./commands/enroll.js")).enrollCommand,
  run: async () => (await import("./commands/run.js")).runCommand,
  check: async () => (await import("./commands/check.js")).checkCommand,
  authorize: async () => (await import("./commands/authorize.js")).authorizeCommand,
  grants: async () => (await import("./commands/grants.js")).grantsCommand,
  revoke: async () => (await import("./commands/revoke.js")).revokeCommand,
  pending: async () => (await import("./commands/pending.js")).pendingCommand,
  approve: async () => (await import("./commands/approve.js")).approveCommand,
  refuse: async () => (await import("./commands/approve.js")).refuseCommand,
  doctor: async () => (await import("./commands/doctor.js")).doctorCommand,
  "install-service": async () => (await import("./commands/install-service.js")).installServiceCommand,
  "uninstall-service": async () => (await import("./commands/uninstall-service.js")).uninstallServiceCommand,
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(HELP + "\n");
    return cmd ? 0 : 2;
  }
  if (cmd === "--version" || cmd === "-v") {
    process.stdout.write(AGENT_VERSION + "\n");
    return 0;
  }
  const load = commands[cmd];
  if (!load) {
    process.stderr.write(`netdiag-agent: unknown command '${cmd}'\n\n${HELP}\n`);
    return 2;
  }
  return (await load())(rest);
}

/**
 * Safety net for `check`, whose whole point is a prompt answer: once its output is flushed, anything
 * still keeping the process alive (a leaked socket, timer or lookup) is a bug. It is named on stderr
 * (so tests catch it) and the process ends 100 ms later instead of lingering. The timer is unref'd:
 * a clean exit never waits for it. It cannot cut short a getaddrinfo: libuv joins its thread pool
 * when the process exits, so even process.exit() waits for the system resolver (measured: exit
 * called at 100 ms, process gone at 4.2 s); that is why agent code never calls dns.lookup
 * (agent/system/resolve-host.ts).
 */
const EXIT_GRACE_MS = 100;
function endOnceFlushed(): void {
  process.stdout.write("", () => {
    setTimeout(() => {
      process.stderr.write(`netdiag-agent: LINGERING: still busy after the result was printed (${process.getActiveResourcesInfo().join(", ")}); exiting\n`);
      process.exit();
    }, EXIT_GRACE_MS).unref();
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (process.argv[2] === "check") endOnceFlushed();
  },
  (e: unknown) => {
    const known = e instanceof UsageError || e instanceof ConfigError || typeof (e as { code?: unknown }).code === "string" || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    // The message may quote the collector's answer: escaped like every text for the customer's terminal.
    process.stderr.write(`netdiag-agent: ${escapeControlsKeepLines(e instanceof Error ? e.message : String(e))}\n`);
    if (!known) process.stderr.write(`${(e as Error)?.stack ?? ""}\n`);
    process.exitCode = 2;
  },
);
