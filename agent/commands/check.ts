// `netdiag-agent check`: the diagnosis run locally, no collector needed (works when the internet is
// down). Prints a human report, or one JSON document with --json.
import { parseArgs } from "node:util";
import { CheckId, type StepResult } from "../../shared/checks.js";
import { createLogger } from "../../shared/log.js";
import { FULL_DIAGNOSIS, findCheck } from "../checks/index.js";
import { loadAgentConfig } from "../config.js";
import { buildContext, timeoutOverrides } from "../context.js";
import { runPlan } from "../runner/run-plan.js";
import { defaultConfigPath, UsageError } from "./common.js";

export const CHECK_HELP = `Usage: netdiag-agent check [--config FILE] [--checks ID,ID] [--json]
                           [--service URL|HOST:PORT] [--target HOST]...

Runs the diagnosis on this machine and prints the result.
  --config FILE     agent config (default ${defaultConfigPath()})
  --checks IDS      comma-separated check ids (default: the full diagnosis)
  --service S       the service the customer says fails
  --target HOST     ping/path anchor (repeatable; overrides the config)
  --json            one JSON document on stdout
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
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(CHECK_HELP + "\n");
    return 0;
  }
  const config = await loadAgentConfig(values.config ?? defaultConfigPath());
  const ids = values.checks ? values.checks.split(",").map((s) => s.trim()).filter(Boolean) : [...FULL_DIAGNOSIS];
  const unknown = ids.filter((id) => !CheckId.safeParse(id).success);
  if (unknown.length) throw new UsageError(`unknown check id(s): ${unknown.join(", ")} (known: ${CheckId.options.join(", ")})`);
  const log = createLogger("agent", values.json ? "error" : "warn");
  const params = {
    ...(values.service ? { service: values.service } : {}),
    ...(values.target?.length ? { targets: values.target } : {}),
  };
  const ctx = buildContext({ config, log }, params);
  const ac = new AbortController();
  const onSig = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", onSig);
  const steps: StepResult[] = await runPlan({
    checks: ids.map((id) => findCheck(id)!),
    ctx,
    signal: ac.signal,
    timeouts: timeoutOverrides(config),
    onStep: (s) => {
      if (!values.json) process.stdout.write(formatStepLine(s) + "\n");
    },
  });
  process.off("SIGINT", onSig);
  const faulty = steps.some((s) => s.status === "fail");
  const broken = steps.length > 0 && steps.every((s) => s.status === "error");
  if (values.json) process.stdout.write(JSON.stringify({ steps }, null, 2) + "\n");
  return broken ? 2 : faulty ? 1 : 0;
}

export function formatStepLine(s: StepResult): string {
  const mark = { ok: "✔", warn: "!", fail: "✘", skipped: "-", error: "E", timeout: "T" }[s.status];
  const why = s.skipReason ?? s.error?.message ?? s.findings.filter((f) => f.severity !== "info").map((f) => f.code).join(", ");
  return `${mark} ${s.check.padEnd(9)} ${s.status.padEnd(7)} ${String(Math.round(s.durationMs)).padStart(6)} ms${why ? "  " + why : ""}`;
}
