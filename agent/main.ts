#!/usr/bin/env node
// netdiag-agent: thin entry point. Parses the subcommand and hands over; exit codes are documented
// in --help (0 ok, 1 fault found, 2 could not run / usage error).
import { approveCommand, refuseCommand } from "./commands/approve.js";
import { authorizeCommand } from "./commands/authorize.js";
import { checkCommand } from "./commands/check.js";
import { UsageError } from "./commands/common.js";
import { enrollCommand } from "./commands/enroll.js";
import { grantsCommand } from "./commands/grants.js";
import { pendingCommand } from "./commands/pending.js";
import { revokeCommand } from "./commands/revoke.js";
import { runCommand } from "./commands/run.js";
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
  help        show this help

Run 'netdiag-agent <command> --help' for a command's options.`;

type Command = (argv: string[]) => Promise<number>;
const commands: Record<string, Command> = {
  enroll: enrollCommand,
  run: runCommand,
  check: checkCommand,
  authorize: authorizeCommand,
  grants: grantsCommand,
  revoke: revokeCommand,
  pending: pendingCommand,
  approve: approveCommand,
  refuse: refuseCommand,
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
  const run = commands[cmd];
  if (!run) {
    process.stderr.write(`netdiag-agent: unknown command '${cmd}'\n\n${HELP}\n`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const known = e instanceof UsageError || e instanceof ConfigError || typeof (e as { code?: unknown }).code === "string" || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    // The message may quote the collector's answer: escaped like every text for the customer's terminal.
    process.stderr.write(`netdiag-agent: ${escapeControlsKeepLines(e instanceof Error ? e.message : String(e))}\n`);
    if (!known) process.stderr.write(`${(e as Error)?.stack ?? ""}\n`);
    process.exitCode = 2;
  },
);
