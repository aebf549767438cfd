// `netdiag-agent approve ID` / `netdiag-agent refuse ID`: answer a waiting request of the running
// agent over its local channel. Approving a diagnosis grants it for the requested time.
import { parseArgs } from "node:util";
import { t } from "../consent/i18n.js";
import { AnswerResult, callChannel, ChannelDownError, loadConsentEnv } from "../consent/local-state.js";
import { defaultConfigPath, UsageError } from "./common.js";

const help = (verb: "approve" | "refuse") => `Usage: netdiag-agent ${verb} REQUEST_ID [--config FILE] [--lang en|zh-CN]

${verb === "approve" ? "Allows" : "Refuses"} a waiting diagnosis request (see 'netdiag-agent pending').
  --config FILE   agent config (default ${defaultConfigPath()})
  --lang LANG     language of the messages: en or zh-CN
Exit code: 0 answered, 1 no such waiting request, 2 the agent is not running.`;
export const APPROVE_HELP = help("approve");
export const REFUSE_HELP = help("refuse");

export const approveCommand = (argv: string[]) => answer("approve", argv);
export const refuseCommand = (argv: string[]) => answer("refuse", argv);

async function answer(verb: "approve" | "refuse", argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, lang: { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(help(verb) + "\n");
    return 0;
  }
  const id = positionals[0];
  if (positionals.length !== 1 || !id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError(`${verb} needs one REQUEST_ID (see 'netdiag-agent pending')`);
  const env = await loadConsentEnv(values);
  let ok: boolean;
  try {
    ok = (await callChannel(env.stateDir, "POST", `/api/pending/${id}/${verb}`, AnswerResult)).body.ok;
  } catch (e) {
    if (!(e instanceof ChannelDownError)) throw e;
    process.stderr.write(t(env.locale, "channel.down") + "\n");
    return 2;
  }
  if (!ok) {
    process.stderr.write(t(env.locale, "answer.unknown", { id }) + "\n");
    return 1;
  }
  env.log.info(`consent: request ${verb === "approve" ? "approved" : "refused"} by the customer (command)`, { requestId: id });
  process.stdout.write(t(env.locale, verb === "approve" ? "answer.approved" : "answer.refused", { id }) + "\n");
  return 0;
}
