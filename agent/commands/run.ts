// `netdiag-agent run`: keeps the connection to the collector and runs what the engineer asks, within
// what the customer authorized (agent/consent: grants on this machine, or the customer's answer now).
// Stops cleanly on SIGTERM/SIGINT.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../../shared/log.js";
import { startAgentService, type AgentService } from "../agent-service.js";
import { createConsentAuthorizer } from "../consent/authorizer.js";
import { ConsentBroker } from "../consent/broker.js";
import { GrantStore } from "../consent/grant-store.js";
import { formatDuration, parseDuration } from "../consent/grant.js";
import { startApprovalServer } from "../consent/local-approval-server.js";
import { attachTerminalPrompt } from "../consent/prompt.js";
import { loadConsentEnv } from "../consent/local-state.js";
import { t } from "../consent/i18n.js";
import { DEFAULT_OUTBOX_MAX_BYTES, FileOutbox, finishInterruptedRuns, outboxPaths, refuseWhenFull } from "../link/file-outbox.js";
import { importSpool, startSpoolImporter } from "../offline-run.js";
import { defaultConfigPath, UsageError } from "./common.js";
import { linkStatusPrinter } from "./run-status.js";

/** On a terminal the JSON log goes here (in the state dir) and the customer reads plain lines instead. */
export const AGENT_LOG_FILE = "agent.log";

/** How long a request waits for the customer before it counts as refused (CONSENT_TIMEOUT). */
const DEFAULT_CONSENT_TIMEOUT_MS = 5 * 60_000;
/** Nobody watches a question for longer than an hour; the collector's pickup window is shorter anyway. */
const MAX_CONSENT_TIMEOUT_MS = 3600_000;

export const RUN_HELP = `Usage: netdiag-agent run [--config FILE] [--consent ask|grants-only] [--consent-timeout DURATION] [--lang en|zh-CN]
                          [--outbox-max-bytes N]

Connects to the collector this agent was enrolled with and waits for diagnosis requests. A request
runs only if you authorized it ('netdiag-agent authorize') or approve it when asked. In a terminal it
says in plain words whether it is connected (the technical log goes to agent.log in the state dir);
without a terminal (as a service) it logs JSON lines on stderr.
  --config FILE               agent config (default ${defaultConfigPath()})
  --consent ask               (default) ask you about requests no grant covers: on this terminal if
                              there is one, else list them with 'netdiag-agent pending'
  --consent grants-only       never ask: refuse whatever no grant covers
  --consent-timeout DURATION  how long to wait for your answer, e.g. 30s, 5m (default ${formatDuration(DEFAULT_CONSENT_TIMEOUT_MS)})
  --lang LANG                 language of the questions: en or zh-CN (default: config, then LANG)
  --outbox-max-bytes N        undelivered results kept before new runs are refused (default: config outboxMaxBytes, ${DEFAULT_OUTBOX_MAX_BYTES})`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      consent: { type: "string", default: "ask" },
      "consent-timeout": { type: "string" },
      lang: { type: "string" },
      "outbox-max-bytes": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(RUN_HELP + "\n");
    return 0;
  }
  if (values.consent !== "ask" && values.consent !== "grants-only") throw new UsageError("--consent must be ask or grants-only");
  let consentTimeoutMs = DEFAULT_CONSENT_TIMEOUT_MS;
  if (values["consent-timeout"] !== undefined) {
    try {
      consentTimeoutMs = parseDuration(values["consent-timeout"], MAX_CONSENT_TIMEOUT_MS);
    } catch (e) {
      throw new UsageError(`--consent-timeout: ${(e as Error).message}`);
    }
  }
  // A customer at a terminal reads plain lines in their language; a service (no terminal) logs JSON on stderr.
  const tty = process.stdout.isTTY === true;
  const env = await loadConsentEnv(values, !tty);
  const { config } = env;
  const maxBytes = values["outbox-max-bytes"] !== undefined ? parseMaxBytes(values["outbox-max-bytes"]) : config.outboxMaxBytes;
  const logFile = join(env.stateDir, AGENT_LOG_FILE);
  const log = tty ? createLogger("agent", "info", fileLines(logFile)) : createLogger("agent");
  const status = tty ? linkStatusPrinter({ locale: env.locale, collectorUrl: config.identity?.collectorUrl ?? "", write: (l) => process.stdout.write(l + "\n") }) : undefined;
  if (tty) process.stdout.write(t(env.locale, "link.logFile", { path: logFile }) + "\n");
  const broker = new ConsentBroker({ timeoutMs: consentTimeoutMs });
  const authz = createConsentAuthorizer({
    store: new GrantStore(env.stateDir),
    agentId: config.identity?.agentId ?? "",
    log: env.log,
    ...(values.consent === "ask" ? { broker } : {}),
  });
  let svc: AgentService | undefined;
  // Started before the link so no request can arrive with nowhere to answer it; in grants-only mode
  // it still carries `revoke`'s "grants changed" so a revocation stops a running run at once.
  const channel = await startApprovalServer({
    broker,
    stateDir: env.stateDir,
    locale: env.locale,
    log: env.log,
    async onGrantsChanged() {
      const cancelled: string[] = [];
      for (const runId of await authz.runsToCancel()) {
        if (svc?.executor.cancel(runId, "the customer revoked the grant")) {
          env.log.warn("consent: running run stopped, its grant was revoked", { runId });
          cancelled.push(runId);
        } else authz.forget(runId);
      }
      return cancelled;
    },
  });
  const detachPrompt = values.consent === "ask" && process.stdin.isTTY ? attachTerminalPrompt({ broker, input: process.stdin, output: process.stdout, locale: env.locale }) : undefined;
  // Durable delivery (docs/delivery.md): results survive a crash; offline runs are picked up.
  const paths = outboxPaths(env.stateDir);
  let outbox: FileOutbox | undefined;
  let importer: ReturnType<typeof startSpoolImporter> | undefined;
  try {
    outbox = await FileOutbox.open({ path: paths.log, log, ...(maxBytes ? { maxBytes } : {}) });
    const closed = await finishInterruptedRuns(outbox, Date.now());
    const imported = await importSpool(outbox, paths.spool, log);
    log.info("outbox ready", { pendingEvents: outbox.stats.pendingEvents, interruptedRunsClosed: closed.length, offlineEventsImported: imported.length, corruption: outbox.recovery.corruption });
    svc = startAgentService({
      config,
      log,
      outbox,
      // A full outbox refuses before the customer is asked (nothing to ask about).
      authorize: refuseWhenFull(outbox, authz.authorize),
      onState: (s, info) => {
        log.info(`link ${s}`, info ?? {});
        status?.(s, info);
        if (s === "open") void importer?.scan();
      },
    });
  } catch (e) {
    detachPrompt?.();
    await channel.close();
    await outbox?.close();
    throw e;
  }
  const running = svc;
  importer = startSpoolImporter({ outbox, spoolDir: paths.spool, log, send: (ev) => running.link.send(ev) });
  const spool = importer;
  await new Promise<void>((resolve) => {
    const stop = () => {
      broker.close();
      detachPrompt?.();
      void Promise.allSettled([spool.close().then(() => running.stop()), channel.close()]).then(() => resolve());
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  return 0;
}

/** Appends log lines to a 0600 file; a failing disk must not stop the agent (the line is dropped). */
function fileLines(path: string): (line: string) => void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return (line) => {
    try {
      appendFileSync(path, line + "\n", { mode: 0o600 });
    } catch {
      /* nothing better to do with a log line that cannot be written */
    }
  };
}

function parseMaxBytes(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1024) throw new UsageError(`--outbox-max-bytes must be an integer >= 1024, got '${s}'`);
  return n;
}
