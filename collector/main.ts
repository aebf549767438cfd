#!/usr/bin/env node
// netdiag-collector: thin entry point. Parses flags into CollectorConfig, starts, prints where to go
// next, and stops cleanly on SIGTERM/SIGINT.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { Role } from "../shared/api.js";
import { parseBoundedJson } from "../shared/bounded-json.js";
import { createLogger } from "../shared/log.js";
import { hashSecret, randomId, randomSecret } from "../shared/secrets.js";
import { TOKEN_PREFIX } from "./auth/principal.js";
import { customerSteps } from "../shared/onboarding.js";
import { agentBundle } from "./agent-bundle.js";
import { CollectorConfig } from "./config.js";
import { DB_FILE, startCollector } from "./server.js";
import { openSqliteStore } from "./store/sqlite-store.js";

const VERSION = "0.1.0";

const HELP = `netdiag-collector ${VERSION}: stores diagnosis runs on tickets; agents stream results to it

Usage:
  netdiag-collector [start] [options]         run the collector (HTTP API + agent WebSocket, one port)
  netdiag-collector token create --role ROLE --name NAME [--data-dir DIR]
                                              create an API token directly in the store (e.g. a lost admin token)

Options:
  --data-dir DIR     where the SQLite file lives (default ./data; env NETDIAG_DATA_DIR)
  --host ADDR        bind address (default 127.0.0.1; env NETDIAG_HOST)
  --port N           port (default 8080; 0 = any free port; env NETDIAG_PORT)
  --tls-cert FILE    serve HTTPS/wss with this certificate (PEM) ...
  --tls-key FILE     ... and key
  --public-url URL   the URL agents and engineers use, if not the bound address
  --log-level L      info | warn | error | silent (default info)
  --max-agents N     connected agents before new ones are refused with 503 + Retry-After (default 10000)
  --heartbeat-ms N   ping agents this often; one that misses a ping is dropped, and agents give up on a
                     collector silent for 2x this: dead links are found within 2x (default 5000)
  --deadlines-file F ticket response/resolution time limits per severity, JSON (env NETDIAG_DEADLINES_FILE):
                     {"severe":{"respondMs":900000,"resolveMs":14400000}}; a severity left out keeps its
                     default (severe 30m/8h, important 2h/24h, general 4h/72h; docs/support-process.md)
  -h, --help         this help;  -v, --version  the version
Exit codes: 0 ok, 1 failed to start, 2 usage error.`;

function parseConfig(argv: string[]): CollectorConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      "data-dir": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "public-url": { type: "string" },
      "log-level": { type: "string" },
      "max-agents": { type: "string" },
      "heartbeat-ms": { type: "string" },
      "deadlines-file": { type: "string" },
    },
    strict: true,
  });
  const env = process.env;
  const raw = {
    dataDir: values["data-dir"] ?? env.NETDIAG_DATA_DIR,
    host: values.host ?? env.NETDIAG_HOST,
    port: values.port ?? env.NETDIAG_PORT,
    tlsCert: values["tls-cert"],
    tlsKey: values["tls-key"],
    publicUrl: values["public-url"],
    logLevel: values["log-level"],
  };
  const deadlinesFile = values["deadlines-file"] ?? env.NETDIAG_DEADLINES_FILE;
  const parsed = CollectorConfig.safeParse({
    ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)),
    ...(raw.port !== undefined ? { port: Number(raw.port) } : {}),
    ...(values["max-agents"] !== undefined ? { maxAgents: Number(values["max-agents"]) } : {}),
    ...(values["heartbeat-ms"] !== undefined ? { heartbeatMs: Number(values["heartbeat-ms"]) } : {}),
    ...(deadlinesFile !== undefined ? { deadlines: readDeadlinesFile(deadlinesFile) } : {}),
  });
  if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
  if (Boolean(parsed.data.tlsCert) !== Boolean(parsed.data.tlsKey)) throw new UsageError("--tls-cert and --tls-key go together");
  return parsed.data;
}

class UsageError extends Error {}

/** The --deadlines-file JSON (validated with the rest of the config by CollectorConfig). */
function readDeadlinesFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read --deadlines-file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const json = parseBoundedJson(text);
  if (!json.ok) throw new UsageError(`--deadlines-file ${path} is not valid JSON (${json.code}): ${json.message}`);
  return json.value;
}

async function tokenCreate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { role: { type: "string" }, name: { type: "string" }, "data-dir": { type: "string" } },
    strict: true,
  });
  const role = Role.safeParse(values.role);
  if (!role.success || !values.name) throw new UsageError("token create needs --role admin|engineer|technician and --name NAME");
  const store = await openSqliteStore(join(values["data-dir"] ?? process.env.NETDIAG_DATA_DIR ?? "./data", DB_FILE));
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

async function start(argv: string[]): Promise<number> {
  const cfg = parseConfig(argv);
  const log = createLogger("collector", cfg.logLevel);
  const c = await startCollector(cfg, { log });
  const out = process.stdout;
  out.write(`\nnetdiag collector ${VERSION} is running at ${c.url}\n`);
  // Behind a proxy or NAT the bound address is not the one to give out: say both.
  if (c.listenUrl !== c.url) out.write(`  listening on ${c.listenUrl} (the public URL above is what agents and engineers use)\n`);
  out.write(`  data: ${join(cfg.dataDir, DB_FILE)} (SQLite)\n`);
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
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info("stopping", { signal: sig });
      c.close().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
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
  return start(first === "start" ? rest : argv);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`netdiag-collector: ${e instanceof Error ? e.message : String(e)}\n${usage ? "Run 'netdiag-collector --help' for usage.\n" : ""}`);
    process.exitCode = usage ? 2 : 1;
  },
);
