// `netdiag-agent check`: the diagnosis run locally, no collector needed (works when the internet is
// down). Prints a human report, or one JSON document with --json.
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { CheckId } from "../../shared/checks.js";
import { createLogger } from "../../shared/log.js";
import type { Verdict } from "../../shared/verdict.js";
import { FULL_DIAGNOSIS, findCheck } from "../checks/index.js";
import { loadAgentConfig, NotEnrolledError } from "../config.js";
import { buildContext, timeoutOverrides } from "../context.js";
import { diagnose, teeSink, type DiagnosisSink } from "../diagnose.js";
import { formatStep, formatVerdict } from "../../shared/format.js";
import { pickLocale } from "../consent/i18n.js";
import { outboxPaths } from "../link/file-outbox.js";
import { offlineRunSink, queuedBytes } from "../offline-run.js";
import { Id } from "../../shared/protocol.js";
import { defaultConfigPath, UsageError } from "./common.js";

export const CHECK_HELP = `Usage: netdiag-agent check [--config FILE] [--checks ID,ID] [--json]
                           [--service URL|HOST:PORT] [--target HOST]... [--ticket ID]

Runs the diagnosis on this machine (no collector needed) and prints the fault-isolation verdict.
  --config FILE     agent config (default ${defaultConfigPath()})
  --checks IDS      comma-separated check ids (default: the full diagnosis)
  --service S       the service the customer says fails
  --target HOST     ping/path anchor (repeatable; overrides the config)
  --json            one JSON document on stdout: {verdict, steps}
  --lang en|zh-CN   language of the customer texts (default: config locale, then LANG)
  --ticket ID       also record the run for this support ticket; it is uploaded when
                    'netdiag-agent run' is connected (needs an enrolled agent)
Exit code: 0 nothing wrong found, 1 a fault was found, 2 the diagnosis could not run.`;

export async function checkCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      checks: { type: "string" },
      service: { type: "string" },
      target: { type: "string", multiple: true },
      json: { type: "boolean", default: false },
      lang: { type: "string" },
      ticket: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(CHECK_HELP + "\n");
    return 0;
  }
  const configPath = values.config ?? defaultConfigPath();
  const config = await loadAgentConfig(configPath);
  let locale: "en" | "zh-CN";
  try {
    locale = pickLocale({ flag: values.lang, config: config.locale, env: process.env });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const ids = values.checks ? values.checks.split(",").map((s) => s.trim()).filter(Boolean) : [...FULL_DIAGNOSIS];
  const unknown = ids.filter((id) => !CheckId.safeParse(id).success);
  if (unknown.length) throw new UsageError(`unknown check id(s): ${unknown.join(", ")} (known: ${CheckId.options.join(", ")})`);
  const log = createLogger("agent", values.json ? "error" : "warn");
  const params = {
    ...(values.service ? { service: values.service } : {}),
    ...(values.target?.length ? { targets: values.target } : {}),
  };
  const ac = new AbortController();
  const onSig = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", onSig);
  // An offline run for a ticket (docs/delivery.md): recorded durably, uploaded by `run` later.
  const ticketId = values.ticket === undefined ? undefined : offlineTicket(values.ticket, config.identity !== undefined);
  const paths = outboxPaths(config.stateDir ?? dirname(configPath));
  const full = ticketId !== undefined && (await queuedBytes(paths.log, paths.spool)) >= config.outboxMaxBytes;
  if (full) {
    process.stderr.write(`netdiag-agent: OUTBOX_FULL: ${config.outboxMaxBytes} bytes of results wait for upload; this run is shown here but not recorded for ticket ${ticketId}\n`);
  }
  const checks = ids as CheckId[];
  const offline = ticketId && !full ? { ticketId, ...(await offlineRunSink({ ticketId, checks, config, spoolDir: paths.spool })) } : undefined;
  const terminal = terminalSink(values.json, locale, offline && { runId: offline.runId, ticketId: offline.ticketId });
  const plan = { checks: checks.map((id) => findCheck(id)!), ctx: buildContext({ config, log }, params), timeouts: timeoutOverrides(config) };
  const { steps, verdict } = await diagnose(plan, offline ? teeSink(offline.sink, terminal) : terminal, ac.signal);
  process.off("SIGINT", onSig);
  // "Could not run": nothing at all was measured (every step errored or timed out), or interrupted.
  const broken = !verdict || steps.length === 0 || steps.every((s) => s.status === "error" || s.status === "timeout");
  return broken ? 2 : verdict.cause === "NONE" ? 0 : 1;
}

/** The terminal as a destination: each step as it lands (human mode), the verdict, or one JSON document. */
function terminalSink(json: boolean, locale: "en" | "zh-CN", offline: { runId: string; ticketId: string } | undefined): DiagnosisSink {
  let verdict: Verdict | undefined;
  return {
    step(s) {
      if (!json) process.stdout.write(formatStep(s) + "\n");
    },
    verdict(v) {
      verdict = v;
    },
    finish(_outcome, steps) {
      if (json) {
        process.stdout.write(JSON.stringify({ ...(verdict ? { verdict } : {}), steps, ...(offline ? { offline } : {}) }, null, 2) + "\n");
        return;
      }
      if (offline) process.stdout.write(`recorded as offline run ${offline.runId} for ticket ${offline.ticketId}; it is uploaded when 'netdiag-agent run' is connected\n`);
      process.stdout.write(verdict ? "\n" + formatVerdict(verdict, locale) + "\n" : "\ninterrupted: no verdict\n");
    },
  };
}

function offlineTicket(ticket: string, enrolled: boolean): string {
  if (!Id.safeParse(ticket).success) throw new UsageError(`invalid ticket id '${ticket}'`);
  if (!enrolled) throw new NotEnrolledError("this agent is not enrolled, so a run cannot be recorded for a ticket: run 'netdiag-agent enroll --collector URL --code CODE' first (or drop --ticket to just check)");
  return ticket;
}

