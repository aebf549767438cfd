// `netdiag-agent authorize`: the customer pre-authorizes diagnosis for one ticket, for a limited
// time, so the engineer's runs go through without a prompt. Change actions can never be pre-authorized.
import { parseArgs } from "node:util";
import { CHECK_IDS } from "../../shared/checks.js";
import { TicketIdFormat } from "../../shared/api.js";
import { GrantStore } from "../consent/grant-store.js";
import { CHECK_KINDS, formatDuration, GRANT_GROUPS, GrantCheck, parseDuration, MAX_GRANT_MS } from "../consent/grant.js";
import { t } from "../consent/i18n.js";
import { loadConsentEnv, notifyGrantsChanged } from "../consent/local-state.js";
import { defaultConfigPath, UsageError } from "./common.js";

const DEFAULT_FOR = "2h";

export const AUTHORIZE_HELP = `Usage: netdiag-agent authorize --ticket TICKET (--checks ID,ID | --all) [--for DURATION]
                               [--config FILE] [--lang en|zh-CN] [--json]

Allows the support engineer to run diagnosis checks on this computer for one ticket, for a limited time.
  --ticket TICKET   the ticket id the engineer gave you (tk_ and 12 characters; one this computer
                    was not enrolled for and never authorized is granted with a warning)
  --checks IDS      comma-separated: ${CHECK_IDS.join(", ")}, or a group: ${Object.keys(GRANT_GROUPS).join(", ")}
  --all             every read-only diagnosis check (same as --checks diagnosis)
  --for DURATION    how long, e.g. 30m, 2h, 1d (default ${DEFAULT_FOR}, at most ${formatDuration(MAX_GRANT_MS)})
  --config FILE     agent config (default ${defaultConfigPath()})
  --lang LANG       language of the messages: en or zh-CN (default: config, then LANG)
  --json            print the grant as JSON
Anything that changes your device (e.g. renewing the DHCP lease) is never covered: it is asked each time.
See your grants with 'netdiag-agent grants'; end them with 'netdiag-agent revoke'.`;

export async function authorizeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ticket: { type: "string" },
      checks: { type: "string" },
      all: { type: "boolean", default: false },
      for: { type: "string", default: DEFAULT_FOR },
      config: { type: "string" },
      lang: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(AUTHORIZE_HELP + "\n");
    return 0;
  }
  if (!values.ticket) throw new UsageError("authorize needs --ticket TICKET (the ticket id your engineer gave you)");
  if (values.all === Boolean(values.checks)) throw new UsageError("authorize needs exactly one of --checks ID,ID or --all");
  const checks = values.all ? ["diagnosis"] : values.checks!.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = checks.filter((c) => !GrantCheck.safeParse(c).success);
  if (bad.length || checks.length === 0) throw new UsageError(`unknown check(s): ${bad.join(", ") || "(none given)"} (known: ${CHECK_IDS.join(", ")}, ${Object.keys(GRANT_GROUPS).join(", ")})`);
  const changes = checks.filter((c) => c in CHECK_KINDS && CHECK_KINDS[c as keyof typeof CHECK_KINDS] === "change");
  if (changes.length) throw new UsageError(`${changes.join(", ")} change your device and cannot be pre-authorized; they are asked each time`);
  let forMs: number;
  try {
    forMs = parseDuration(values.for);
  } catch (e) {
    throw new UsageError(`--for: ${(e as Error).message}`);
  }
  const env = await loadConsentEnv(values);
  // Read out over the phone and typed by hand: a ticket id that cannot be one is a typo, refused here.
  if (!TicketIdFormat.test(values.ticket)) throw new UsageError(t(env.locale, "authorize.badTicket", { ticket: values.ticket, example: "tk_Q6oC4x98ABUd" }));
  const agentId = env.config.identity?.agentId;
  if (!agentId) throw new UsageError("this agent is not enrolled yet: run 'netdiag-agent enroll' first");
  const store = new GrantStore(env.stateDir);
  // A well-formed id may still be a typo: warn when this computer knows its tickets and this is not one.
  const known = [...new Set([env.config.identity?.ticketId, ...(await store.list()).map((g) => g.ticketId)].filter((x): x is string => x !== undefined))];
  if (known.length > 0 && !known.includes(values.ticket)) {
    process.stderr.write(t(env.locale, "authorize.unknownTicket", { known: known.join(", "), ticket: values.ticket }) + "\n");
  }
  const now = Date.now();
  const grant = await store.add({
    agentId,
    ticketId: values.ticket,
    checks: checks as never,
    notBefore: now,
    notAfter: now + forMs,
    createdAt: now,
    createdBy: "customer",
  });
  env.log.info("consent: grant created by the customer", { grantId: grant.id, ticketId: grant.ticketId, checks: grant.checks, notAfter: grant.notAfter });
  await notifyGrantsChanged(env.stateDir);
  if (values.json) process.stdout.write(JSON.stringify(grant) + "\n");
  else process.stdout.write(t(env.locale, "grant.created", { ticket: grant.ticketId, checks: grant.checks.join(","), until: new Date(grant.notAfter).toLocaleString(env.locale), id: grant.id }) + "\n");
  return 0;
}
