// `netdiag-agent doctor`: checks this machine's prerequisites for the agent and says what to fix
// (agent/doctor/: one pure check per prerequisite, system bits injected).
import { parseArgs } from "node:util";
import { ConfigError, loadAgentConfig } from "../config.js";
import { pickLocale, type Locale } from "../consent/i18n.js";
import { doctorJson, formatDoctor } from "../doctor/report.js";
import { doctorExitCode, runDoctor, systemDoctorEnv } from "../doctor/run-doctor.js";
import { defaultConfigPath, UsageError } from "./common.js";

export const DOCTOR_HELP = `Usage: netdiag-agent doctor [--config FILE] [--lang en|zh-CN] [--json]

Checks what the agent needs on this machine and says what to fix: the config (valid, private), the
outbox and state directory, the ping program (don't-fragment and TTL, tried on 127.0.0.1 only), the
permissions the DHCP probe needs, the collector (reachable, its certificate pinned) and the clock
(against the collector's). Nothing is sent anywhere but 127.0.0.1 and the configured collector.
  --config FILE     agent config (default ${defaultConfigPath()})
  --lang en|zh-CN   language (default: config locale, then LANG)
  --json            one JSON document: {ok, config, findings: [{check, status, code, message, fix}]}
Exit code: 0 nothing to fix (warnings allowed), 1 something to fix, 2 usage error.`;

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      lang: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(DOCTOR_HELP + "\n");
    return 0;
  }
  const configPath = values.config ?? defaultConfigPath();
  // The locale from the config when it can be read; a broken config is one of the findings, not a stop.
  const configLocale = await loadAgentConfig(configPath).then((c) => c.locale, (e: unknown) => {
    if (e instanceof ConfigError) return undefined;
    throw e;
  });
  let locale: Locale;
  try {
    locale = pickLocale({ flag: values.lang, config: configLocale, env: process.env });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const ac = new AbortController();
  const onSig = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", onSig);
  try {
    const findings = await runDoctor(systemDoctorEnv(configPath), ac.signal);
    process.stdout.write((values.json ? doctorJson(locale, configPath, findings) : formatDoctor(locale, configPath, findings)) + "\n");
    return doctorExitCode(findings);
  } finally {
    process.off("SIGINT", onSig);
  }
}
