// `netdiag-agent grants`: what the customer has allowed on this computer, active or not.
import { parseArgs } from "node:util";
import { GrantStore } from "../consent/grant-store.js";
import { grantStatus } from "../consent/grant.js";
import { t } from "../consent/i18n.js";
import { loadConsentEnv } from "../consent/local-state.js";
import { defaultConfigPath } from "./common.js";

export const GRANTS_HELP = `Usage: netdiag-agent grants [--json] [--config FILE] [--lang en|zh-CN]

Lists every authorization you gave on this computer (active, not yet valid, expired, revoked).
  --json          one JSON document: { grants: [ {..., status} ] }
  --config FILE   agent config (default ${defaultConfigPath()})
  --lang LANG     language of the listing: en or zh-CN`;

export async function grantsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: "boolean", default: false }, config: { type: "string" }, lang: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(GRANTS_HELP + "\n");
    return 0;
  }
  const env = await loadConsentEnv(values);
  const now = Date.now();
  const grants = (await new GrantStore(env.stateDir).list()).map((g) => ({ ...g, status: grantStatus(g, now) }));
  if (values.json) {
    process.stdout.write(JSON.stringify({ grants }) + "\n");
    return 0;
  }
  if (grants.length === 0) {
    process.stdout.write(t(env.locale, "grants.none") + "\n");
    return 0;
  }
  const lines = grants.map((g) =>
    [g.id, g.ticketId, g.checks.join(","), new Date(g.notAfter).toLocaleString(env.locale), t(env.locale, `status.${g.status}`), t(env.locale, `by.${g.createdBy}`)].join(" | "),
  );
  process.stdout.write([t(env.locale, "grants.header"), ...lines].join("\n") + "\n");
  return 0;
}
