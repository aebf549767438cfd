#!/usr/bin/env node
// netdiag-collector: thin entry point. Builds CollectorConfig from the --config file, NETDIAG_*
// variables and flags (config-load.ts), starts, prints where to go next, and drains cleanly on
// SIGTERM/SIGINT (shutdown.ts); `token`, `export`, `backup` and `config` are subcommands.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Role } from "../shared/api.js";
import { createLogger } from "../shared/log.js";
import { hashSecret, randomId, randomSecret } from "../shared/secrets.js";
import { TOKEN_PREFIX } from "./auth/principal.js";
import { customerSteps } from "../shared/onboarding.js";
import { backupCommand } from "./commands/backup.js";
import { exportCommand } from "./commands/export.js";
import { optionsHelp } from "./config-help.js";
import { ConfigError, loadCollectorConfig } from "./config-load.js";
import { agentBundle } from "./agent-bundle.js";
import { startCollector, storeLocation } from "./server.js";
import { stopOnSignals } from "./shutdown.js";
import { describeStore, openStore } from "./store/sql-store.js";
import { DatabaseUrl, maskDatabaseUrl } from "./store/database-url.js";

const VERSION = "0.1.0";

const HELP = `netdiag-collector ${VERSION}: stores diagnosis runs on tickets; agents stream results to it

Usage:
  netdiag-collector [start] [options]         run the collector (HTTP API + agent WebSocket, one port)
  netdiag-collector config [options]          print the configuration these options give (JSON) and exit
  netdiag-collector token create --role ROLE --name NAME [--data-dir DIR | --database URL]
                                              create an API token directly in the store (e.g. a lost admin token)
  netdiag-collector export --ticket ID [--role ROLE] [--data-dir DIR] [--out FILE]
                                              one ticket as JSON, as the role may see it (export --help)
  netdiag-collector backup --to FILE [--data-dir DIR]
                                              a consistent copy of the store, also while it runs (backup --help)

Options (lowest first: the --config file, then NETDIAG_* environment variables, then flags; an unknown
key, flag or NETDIAG_* variable that looks like one of these is an error):
${optionsHelp()}

  -h, --help         this help;  -v, --version  the version
Signals: SIGTERM or SIGINT drains (stops accepting, finishes writes, tells agents to reconnect later with
WebSocket close 1012) and exits 0; a second signal exits 1 at once.
Exit codes: 0 ok, 1 failed to start or to drain in time, 2 usage error.`;

class UsageError extends Error {}

function loadConfig(argv: string[]) {
  return loadCollectorConfig({ argv, env: process.env, readFile: (p) => readFileSync(p, "utf8") }).config;
}

async function tokenCreate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { role: { type: "string" }, name: { type: "string" }, "data-dir": { type: "string" }, database: { type: "string" } },
    strict: true,
  });
  const role = Role.safeParse(values.role);
  if (!role.success || !values.name) throw new UsageError("token create needs --role admin|engineer|technician and --name NAME");
  const database = values.database ?? (values["data-dir"] === undefined ? process.env.NETDIAG_DATABASE : undefined);
  if (database !== undefined && !DatabaseUrl.safeParse(database).success) throw new UsageError("--database must be a postgres:// or postgresql:// URL");
  const store = await openStore(storeLocation({ database, dataDir: values["data-dir"] ?? process.env.NETDIAG_DATA_DIR ?? "./data" }));
  try {
    const token = randomSecret(TOKEN_PREFIX);
    const id = randomId("tok_");
    await store.createToken({ id, name: values.name, role: role.data, hash: hashSecret(token), createdAt: Date.now() });
    await store.appendAudit({ at: Date.now(), actor: "local-cli", action: "token.create", outcome: "ok", detail: { id, name: values.name, role: role.data } });
    process.stdout.write(`${token}\n`);
    process.stderr.write(`created ${role.data} token ${id} for ${values.name}; it is shown only this once\n`);
  } finally {
    await store.close();
  }
  return 0;
}

async function start(argv: string[]): Promise<never> {
  const cfg = loadConfig(argv);
  // Asynchronous writes: a slow reader of stderr (journald, a full pipe) must not stall the event loop;
  // the shutdown path flushes what is buffered.
  const log = createLogger("collector", cfg.logLevel, undefined, { sync: false });
  const c = await startCollector(cfg, { log });
  const out = process.stdout;
  out.write(`\nnetdiag collector ${VERSION} is running at ${c.url}\n`);
  // Behind a proxy or NAT the bound address is not the one to give out: say both.
  if (c.listenUrl !== c.url) out.write(`  listening on ${c.listenUrl} (the public URL above is what agents and engineers use)\n`);
  out.write(`  data: ${describeStore(storeLocation(cfg))}\n`);
  // Several collectors may share a PostgreSQL database: this process is one node of them (docs/cluster.md).
  if (cfg.database) out.write(`  node: ${c.nodeId}\n`);
  out.write(`  agents connect to ${c.url.replace(/^http/, "ws")}/agent/ws\n\n`);
  if (c.bootstrapAdminToken) {
    out.write(`First start: an admin API token was created. It is shown ONLY NOW; store it safely:\n\n`);
    out.write(`  export NETDIAG_URL=${c.url}\n  export NETDIAG_TOKEN=${c.bootstrapAdminToken}\n\n`);
  } else {
    out.write(`Use an existing API token (lost it? netdiag-collector token create --role admin --name you).\n\n`);
  }
  out.write(`Web console: open ${c.url}/login in a browser and sign in with the admin token (API token form);\n`);
  out.write(`  create people under Admin -> Users, then run a support case from Tickets -> New ticket.\n\n`);
  out.write(`Next steps in the engineer CLI instead ('netdiag', with NETDIAG_URL and NETDIAG_TOKEN set):\n`);
  out.write(`  1. netdiag ticket create --customer "Name" --contact "+86 ..." --service "Fiber 300M" --symptom "internet down"\n`);
  out.write(`  2. netdiag enroll-code --ticket <ticket-id>          (prints the code and the customer's commands)\n`);
  out.write(customerSteps(c.url, "<ticket-id>", "<code>", "  3. ", await agentBundle.sha256()) + "\n");
  out.write(`  4. netdiag run --ticket <ticket-id> --agent <agent-id> --follow\n\n`);
  const code = await stopOnSignals({ drain: () => c.close(), log, timeoutMs: cfg.shutdownTimeoutMs });
  await log.flush();
  // Whatever a drain that ran out of time left behind (sockets, timers) must not keep the process alive.
  process.exit(code);
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "-h" || first === "--help" || first === "help") {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  if (first === "-v" || first === "--version") {
    process.stdout.write(VERSION + "\n");
    return 0;
  }
  if (first === "token") {
    if (rest[0] !== "create") throw new UsageError("usage: netdiag-collector token create --role ROLE --name NAME");
    return tokenCreate(rest.slice(1));
  }
  if (first === "export") return exportCommand(rest);
  if (first === "backup") return backupCommand(rest);
  if (first === "config") {
    const cfg = loadConfig(rest);
    // The database URL's password is not printed (the output ends up in tickets and chat).
    process.stdout.write(JSON.stringify(cfg.database ? { ...cfg, database: maskDatabaseUrl(cfg.database) } : cfg, null, 2) + "\n");
    return 0;
  }
  return start(first === "start" ? rest : argv);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    const usage = e instanceof UsageError || e instanceof ConfigError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`netdiag-collector: ${e instanceof Error ? e.message : String(e)}\n${usage ? "Run 'netdiag-collector --help' for usage.\n" : ""}`);
    process.exitCode = usage ? 2 : 1;
  },
);
