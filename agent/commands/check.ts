// `netdiag-agent check`: the diagnosis run locally, no collector needed (works when the internet is
// down). Prints a human report, or one JSON document with --json.
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { CheckId, type StepResult } from "../../shared/checks.js";
import { createLogger } from "../../shared/log.js";
import { FULL_DIAGNOSIS, findCheck } from "../checks/index.js";
import { loadAgentConfig } from "../config.js";
import { buildContext, timeoutOverrides } from "../context.js";
import { runPlan } from "../runner/run-plan.js";
import { isolateFault } from "../verdict/isolate-fault.js";
import { formatStep, formatVerdict } from "../../shared/format.js";
import { pickLocale } from "../consent/i18n.js";
import { NotEnrolledError } from "../agent-service.js";
import { outboxPaths } from "../link/file-outbox.js";
import { queuedBytes, runOffline } from "../offline-run.js";
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
  const onStep = (s: StepResult) => {
    if (!values.json) process.stdout.write(formatStep(s) + "\n");
  };
  process.once("SIGINT", onSig);
  let steps: StepResult[];
  let offline: { runId: string; ticketId: string } | undefined;
  // An offline run for a ticket (docs/delivery.md): recorded durably, uploaded by `run` later.
  const ticketId = values.ticket === undefined ? undefined : offlineTicket(values.ticket, config.identity !== undefined);
  const paths = outboxPaths(config.stateDir ?? dirname(configPath));
  const full = ticketId !== undefined && (await queuedBytes(paths.log, paths.spool)) >= config.outboxMaxBytes;
  if (full) {
    process.stderr.write(`netdiag-agent: OUTBOX_FULL: ${config.outboxMaxBytes} bytes of results wait for upload; this run is shown here but not recorded for ticket ${ticketId}\n`);
  }
  if (ticketId && !full) {
    const r = await runOffline({ config, log, ticketId, checks: ids as CheckId[], params, spoolDir: paths.spool, signal: ac.signal, onStep, judge: isolateFault });
    steps = r.steps;
    offline = { runId: r.runId, ticketId };
    if (!values.json) process.stdout.write(`recorded as offline run ${r.runId} for ticket ${ticketId}; it is uploaded when 'netdiag-agent run' is connected\n`);
  } else {
    steps = await runPlan({ checks: ids.map((id) => findCheck(id)!), ctx: buildContext({ config, log }, params), signal: ac.signal, timeouts: timeoutOverrides(config), onStep });
  }
  process.off("SIGINT", onSig);
  const verdict = isolateFault(steps);
  // "Could not run": nothing at all was measured (every step errored or timed out).
  const broken = steps.length === 0 || steps.every((s) => s.status === "error" || s.status === "timeout");
  if (values.json) process.stdout.write(JSON.stringify({ verdict, steps, ...(offline ? { offline } : {}) }, null, 2) + "\n");
  else process.stdout.write("\n" + formatVerdict(verdict, locale) + "\n");
  return broken ? 2 : verdict.segment === "none" ? 0 : 1;
}

function offlineTicket(ticket: string, enrolled: boolean): string {
  if (!Id.safeParse(ticket).success) throw new UsageError(`invalid ticket id '${ticket}'`);
  if (!enrolled) throw new NotEnrolledError("this agent is not enrolled, so a run cannot be recorded for a ticket: run 'netdiag-agent enroll --collector URL --code CODE' first (or drop --ticket to just check)");
  return ticket;
}

