// `netdiag-agent revoke`: ends grants now. New runs under them are refused, and a run already going
// under a revoked grant is stopped (the running agent is told over its local channel).
import { parseArgs } from "node:util";
import { GrantStore, type RevokeWhat } from "../consent/grant-store.js";
import { t } from "../consent/i18n.js";
import { loadConsentEnv, notifyGrantsChanged } from "../consent/local-state.js";
import { defaultConfigPath, UsageError } from "./common.js";

export const REVOKE_HELP = `Usage: netdiag-agent revoke (GRANT_ID | --ticket TICKET | --all) [--json] [--config FILE] [--lang en|zh-CN]

Ends authorizations immediately; a diagnosis running under them is stopped.
  GRANT_ID          one grant (see 'netdiag-agent grants')
  --ticket TICKET   every grant for this ticket
  --all             every grant
  --json            print { revoked: [ids], cancelledRuns: [ids] }
  --config FILE     agent config (default ${defaultConfigPath()})
  --lang LANG       language of the messages: en or zh-CN
Exit code: 0 something was revoked, 1 nothing matched.`;

export async function revokeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ticket: { type: "string" },
      all: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      config: { type: "string" },
      lang: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(REVOKE_HELP + "\n");
    return 0;
  }
  const picks = [positionals.length > 0, values.ticket !== undefined, values.all].filter(Boolean).length;
  if (picks !== 1 || positionals.length > 1) throw new UsageError("revoke needs exactly one of GRANT_ID, --ticket TICKET or --all");
  const what: RevokeWhat = values.all ? { all: true } : values.ticket !== undefined ? { ticketId: values.ticket } : { grantId: positionals[0]! };
  const env = await loadConsentEnv(values);
  const revoked = await new GrantStore(env.stateDir).revoke(what, Date.now());
  for (const g of revoked) env.log.info("consent: grant revoked by the customer", { grantId: g.id, ticketId: g.ticketId, checks: g.checks });
  const cancelled = (await notifyGrantsChanged(env.stateDir)) ?? [];
  if (values.json) process.stdout.write(JSON.stringify({ revoked: revoked.map((g) => g.id), cancelledRuns: cancelled }) + "\n");
  else process.stdout.write(t(env.locale, revoked.length ? "grant.revoked" : "grant.noneRevoked", { n: revoked.length }) + "\n");
  return revoked.length ? 0 : 1;
}
