// `netdiag-agent pending`: requests the running agent is holding for the customer's answer (when it
// runs in the background, without a terminal to ask on).
import { parseArgs } from "node:util";
import { formatDuration } from "../consent/grant.js";
import { t } from "../consent/i18n.js";
import { readChannelInfo } from "../consent/local-approval-server.js";
import { callChannel, ChannelDownError, loadConsentEnv, PendingList } from "../consent/local-state.js";
import { defaultConfigPath } from "./common.js";

export const PENDING_HELP = `Usage: netdiag-agent pending [--json] [--config FILE] [--lang en|zh-CN]

Lists the diagnosis requests waiting for your answer (from the running 'netdiag-agent run').
Answer each with 'netdiag-agent approve ID' or 'netdiag-agent refuse ID', or on the local page shown.
  --json          one JSON document: { pending: [...], page: URL }
  --config FILE   agent config (default ${defaultConfigPath()})
  --lang LANG     language of the listing: en or zh-CN
Exit code: 0 listed, 2 the agent is not running.`;

export async function pendingCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean", default: false }, config: { type: "string" }, lang: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(PENDING_HELP + "\n");
    return 0;
  }
  const env = await loadConsentEnv(values);
  let pending;
  try {
    pending = (await callChannel(env.stateDir, "GET", "/api/pending", PendingList)).body.pending;
  } catch (e) {
    if (!(e instanceof ChannelDownError)) throw e;
    process.stderr.write(t(env.locale, "channel.down") + "\n");
    return 2;
  }
  const info = await readChannelInfo(env.stateDir);
  const page = info ? `${info.url}/?k=${encodeURIComponent(info.secret)}` : undefined;
  if (values.json) {
    process.stdout.write(JSON.stringify({ pending, page }) + "\n");
    return 0;
  }
  if (pending.length === 0) {
    process.stdout.write(t(env.locale, "pending.none") + "\n");
    return 0;
  }
  const now = Date.now();
  const lines = pending.map((r) =>
    t(env.locale, "pending.item", { id: r.id, ticket: r.ticketId, by: r.requestedBy, checks: r.checks.join(","), duration: r.grantMs ? formatDuration(r.grantMs) : t(env.locale, "prompt.once"), left: formatDuration(Math.max(1000, Math.round((r.deadline - now) / 1000) * 1000)) }),
  );
  process.stdout.write([...lines, "", t(env.locale, "pending.hint"), ...(page ? [t(env.locale, "pending.page", { url: page })] : [])].join("\n") + "\n");
  return 0;
}
