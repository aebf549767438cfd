#!/usr/bin/env node
// netdiag: the engineer's CLI. Talks to the collector's HTTP API with an API token
// (NETDIAG_URL / NETDIAG_TOKEN or --url / --token).
import { parseArgs } from "node:util";
import { z } from "zod";
import { Agent, CreateEnrollmentBody, CreateRunBody, CreateTokenBody, DeviceState, EnrollmentCreated, Run, TokenCreated } from "../shared/api.js";
import { HttpClientError } from "../shared/http-client.js";
import { customerSteps } from "../shared/onboarding.js";
import { HostTarget, ServiceTarget } from "../shared/targets.js";
import { escapeControlsKeepLines, term, termJson } from "../shared/terminal-text.js";
import { api, GLOBAL_OPTS, globals, idArg } from "./client.js";
import { formatDeviceState, formatRun, out } from "./format.js";
import { knowledgeCmd, refusal, ticketCmd } from "./ticket-commands.js";
import { checkBody, numberFlag, UsageError } from "./usage.js";
import { follow, watchTicket } from "./watch.js";

const VERSION = "0.1.0";
const HELP = term`netdiag ${VERSION}: engineer CLI for netdiag remote diagnostics

Usage: netdiag <command> [options]
  global: --url URL --token TOKEN [--ca PEM_FILE]   (or NETDIAG_URL, NETDIAG_TOKEN, NETDIAG_CA)
          --insecure   allow plain http:// to a collector that is not on this machine (the token
                       travels in clear; a warning is printed). http:// to loopback needs no flag.

Tickets (the support desk; every view shows time left or OVERDUE for the response/resolution deadlines)
  ticket create --customer NAME --contact C --service S --symptom TEXT
                [--site ADDR] [--started WHEN] [--tried TEXT] [--category network|service|terminal|billing|other]
                [--severity general|important|severe]
  ticket list [--status new,diagnosing,...] [--severity general,important,severe] [--overdue]
              [--agent ID] [--cause CODE] [--sort deadline|created] [--limit N] [--json]
                                                  one line per ticket: status, severity, time left or
                                                  OVERDUE for the nearest deadline, newest verdict cause
  ticket show ID [--json]                         intake, status, deadlines, resolution, every run, the
                                                  history and what fixed the same cause last time
  ticket status ID --to diagnosing|waiting_customer [--note TEXT]
  ticket escalate ID --to network_operations|field_service|second_line|service_owner [--note TEXT]
                                                  prints the hand-over to paste (--json: as JSON)
  ticket handover ID [--json]                     the hand-over again (symptom, customer, every step
                                                  checked, verdict, deadlines, team)
  ticket verify ID [--follow] [--json]            re-run the failing run's checks on its agent after the
                                                  repair; --follow streams it, then the comparison
  ticket compare ID [--before RUN] [--after RUN] [--json]
                                                  per check before -> after: fixed, still failing, new failure
  ticket resolve ID --root-cause TEXT --fix TEXT [--unverified-reason TEXT] [--note TEXT]
                                                  needs a healthy verification run, or --unverified-reason
  ticket close ID --confirmed --satisfaction 1-5 [--note TEXT]   the customer confirmed it works
  ticket close ID --unreachable --note TEXT       the follow-up calls failed (which, in the note)
  ticket reopen ID --note TEXT
  ticket history ID [--json]                      who did what when, with the notes
  knowledge CAUSE [--json]                        resolved tickets with that verdict cause and their fixes
Agents
  enroll-code [--ticket ID] [--ttl-hours N]       one-time code to read out to the customer
  agents                                          enrolled agents and whether they are online
  device AGENT_ID [--json]                        the site's device state: newest result per check,
                                                  run history, what changed since the last good run
  agent revoke ID                                 (admin) the agent's secret stops working
  agent reenroll ID                               new one-time code that re-keys the same agent
Runs
  run --ticket ID --agent ID [--checks a,b,...] [--service URL|HOST:PORT] [--target HOST]...
      [--grant-for 2h] [--follow] [--json]         (--grant-for: how long the customer's approval lasts)
  watch RUN_ID                                    follow a run live
  watch --ticket ID                               wait for the next run on a ticket (e.g. the customer's
                                                  offline check, uploaded when their line is back), then follow it
  cancel RUN_ID
Admin
  token create --role admin|engineer|technician|integration --name NAME [--ttl-days N]
  token list | token revoke ID
  audit [--ticket ID] [--agent ID] [--action A] [--actor A] [--limit N]
Exit codes: 0 ok (run: nothing wrong found; ticket verify/compare: the fix is verified), 1 run found
a fault (ticket verify/compare: the verification is not healthy), 2 usage error (a bad flag or value,
also when the collector refuses it as invalid), 3 API/network error (e.g. not found, forbidden, and
a ticket action refused by its status: ILLEGAL_TRANSITION, VERIFICATION_REQUIRED, TICKET_CLOSED...),
4 run did not complete (refused, expired, cancelled, failed).`;

/** "90s", "30m", "2h", "1d" -> seconds. */
function parseDurationS(s: string): number {
  const m = /^(\d+)([smhd])$/.exec(s.trim());
  if (!m) throw new UsageError(`bad duration '${s}': use e.g. 30m, 2h, 1d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"];
}

async function enrollCodeCmd(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...GLOBAL_OPTS, ticket: { type: "string" }, "ttl-hours": { type: "string" } } });
  const g = globals(values);
  const body = checkBody(
    CreateEnrollmentBody,
    { ...(values.ticket !== undefined ? { ticketId: values.ticket } : {}), ...(values["ttl-hours"] !== undefined ? { ttlS: Math.round(numberFlag("--ttl-hours", values["ttl-hours"]) * 3600) } : {}) },
    { ticketId: { flag: "--ticket" }, ttlS: { flag: "--ttl-hours (in seconds)" } },
  );
  const res = await api(g, `/api/enrollments`, EnrollmentCreated, { body }, { ...(body.ticketId ? { ticket: body.ticketId } : {}) });
  if (values.json) out(termJson(res));
  else {
    out(term`enrollment code: ${res.code}   (valid until ${new Date(res.expiresAt).toISOString()}, one use)`);
    // The collector's public URL when it has one: the engineer's own NETDIAG_URL may be a local address.
    for (const line of customerSteps(res.collectorUrl ?? g.url, body.ticketId, res.code, "", res.agentSha256).split("\n")) out(term`${line}`);
  }
  return 0;
}

async function agentsCmd(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: GLOBAL_OPTS });
  const g = globals(values);
  const list = await api(g, `/api/agents`, z.array(Agent));
  if (values.json) out(termJson(list, 2));
  else for (const a of list) out(term`${a.id}  ${a.revokedAt ? "revoked" : a.connected ? "online " : "offline"}  ${a.name}${a.ticketId ? term`  ticket ${a.ticketId}` : ""}`);
  return 0;
}

async function deviceCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: GLOBAL_OPTS });
  const g = globals(values);
  if (!positionals[0]) throw new UsageError("usage: netdiag device AGENT_ID");
  const agentId = idArg("agent id", positionals[0]);
  const state = await api(g, `/api/agents/${encodeURIComponent(agentId)}/state`, DeviceState, {}, { agent: agentId });
  out(values.json ? termJson(state, 2) : formatDeviceState(state));
  return 0;
}

async function agentCmd(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: GLOBAL_OPTS });
  const g = globals(values);
  if (!positionals[0] || (sub !== "revoke" && sub !== "reenroll")) throw new UsageError("usage: netdiag agent revoke|reenroll AGENT_ID");
  const id = idArg("agent id", positionals[0]);
  if (sub === "revoke") {
    await api(g, `/api/agents/${encodeURIComponent(id)}/revoke`, z.object({ revoked: z.boolean() }), { method: "POST", body: {} }, { agent: id });
    out(term`agent ${id} revoked`);
    return 0;
  }
  const res = await api(g, `/api/agents/${encodeURIComponent(id)}/reenroll`, EnrollmentCreated, { method: "POST", body: {} }, { agent: id });
  out(term`re-enrollment code for ${id}: ${res.code}   (valid until ${new Date(res.expiresAt).toISOString()}, one use)`);
  for (const line of customerSteps(res.collectorUrl ?? g.url, undefined, res.code, "", res.agentSha256).split("\n")) out(term`${line}`);
  return 0;
}

async function runCmd(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...GLOBAL_OPTS,
      ticket: { type: "string" },
      agent: { type: "string" },
      checks: { type: "string" },
      service: { type: "string" },
      target: { type: "string", multiple: true },
      follow: { type: "boolean", short: "f", default: false },
      "grant-for": { type: "string" },
    },
  });
  const g = globals(values);
  if (!values.ticket || !values.agent) throw new UsageError("run needs --ticket ID and --agent ID");
  const checks = (values.checks ?? "host,gateway,dhcp,dns,path,service,snmp,routeros").split(",").map((s) => s.trim()).filter(Boolean);
  const params = {
    ...(values.service !== undefined ? { service: values.service } : {}),
    ...(values.target?.length ? { targets: values.target } : {}),
    ...(values["grant-for"] ? { consentTtlS: parseDurationS(values["grant-for"]) } : {}),
  };
  const flags = {
    ticketId: { flag: "--ticket" },
    agentId: { flag: "--agent" },
    checks: { flag: "--checks", noun: "check" },
    "params.service": { flag: "--service" },
    "params.targets": { flag: "--target" },
    "params.consentTtlS": { flag: "--grant-for (in seconds)" },
  };
  // The collector refuses bad targets too; checked here so the engineer sees which one, before sending.
  checkBody(z.object({ targets: z.array(HostTarget).optional(), service: ServiceTarget.optional() }), { targets: params.targets, service: params.service }, { targets: { flag: "--target" }, service: { flag: "--service" } });
  const body = checkBody(CreateRunBody, { ticketId: values.ticket, agentId: values.agent, checks, params }, flags);
  // A run on a closed ticket is refused (TICKET_CLOSED): said like the other ticket refusals.
  const run = await api(g, `/api/runs`, Run, { body }, { ticket: body.ticketId, agent: body.agentId }).catch((e: unknown) => {
    throw refusal(e, body.ticketId);
  });
  if (!values.json) out(term`run ${run.id} ${run.state} on agent ${run.agentId} (${checks.length} checks)`);
  if (!values.follow) {
    if (values.json) out(termJson(run));
    return 0;
  }
  return follow(g, run.id, checks.length, values.json);
}

async function watchCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...GLOBAL_OPTS, ticket: { type: "string" } } });
  const g = globals(values);
  if (values.ticket !== undefined) {
    if (positionals[0]) throw new UsageError("watch takes a run id or --ticket ID, not both");
    return watchTicket(g, idArg("--ticket", values.ticket), values.json);
  }
  if (!positionals[0]) throw new UsageError("watch needs a run id (or --ticket ID)");
  const runId = idArg("run id", positionals[0]);
  const run = await api(g, `/api/runs/${encodeURIComponent(runId)}`, Run, {}, { run: runId });
  if (!values.json) out(formatRun(run, false));
  return follow(g, run.id, run.checks.length, values.json);
}

async function cancelCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: GLOBAL_OPTS });
  const g = globals(values);
  if (!positionals[0]) throw new UsageError("cancel needs a run id");
  const runId = idArg("run id", positionals[0]);
  const res = await api(g, `/api/runs/${encodeURIComponent(runId)}/cancel`, z.object({ cancelled: z.boolean(), deliveredToAgent: z.boolean() }), { method: "POST", body: {} }, { run: runId });
  out(res.deliveredToAgent ? term`cancel sent to the agent` : term`run cancelled before the agent picked it up`);
  return 0;
}

async function tokenCmd(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { ...GLOBAL_OPTS, role: { type: "string" }, name: { type: "string" }, "ttl-days": { type: "string" } } });
  const g = globals(values);
  if (sub === "create") {
    if (!values.role || !values.name) throw new UsageError("token create needs --role and --name");
    const body = checkBody(
      CreateTokenBody,
      { role: values.role, name: values.name, ...(values["ttl-days"] !== undefined ? { ttlS: Math.round(numberFlag("--ttl-days", values["ttl-days"]) * 86400) } : {}) },
      { role: { flag: "--role", noun: "role" }, name: { flag: "--name" }, ttlS: { flag: "--ttl-days (in seconds)" } },
    );
    const t = await api(g, `/api/tokens`, TokenCreated, { body });
    out(values.json ? termJson(t) : term`${t.token}\n(${t.role} token ${t.id}; shown only this once)`);
    return 0;
  }
  if (sub === "list") {
    const list = await api(g, `/api/tokens`, z.array(z.object({ id: z.string(), name: z.string(), role: z.string(), revokedAt: z.number().optional(), expiresAt: z.number().optional() })));
    for (const t of list) out(values.json ? termJson(t) : term`${t.id}  ${t.role.padEnd(10)} ${t.name}${t.revokedAt ? "  (revoked)" : ""}${t.expiresAt ? term`  expires ${new Date(t.expiresAt).toISOString()}` : ""}`);
    return 0;
  }
  if (sub === "revoke" && positionals[0]) {
    const id = idArg("token id", positionals[0]);
    await api(g, `/api/tokens/${encodeURIComponent(id)}/revoke`, z.object({ revoked: z.boolean() }), { method: "POST", body: {} }, { token: id });
    out(term`token ${positionals[0]} revoked`);
    return 0;
  }
  throw new UsageError("token needs create, list or revoke ID");
}

async function auditCmd(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...GLOBAL_OPTS, ticket: { type: "string" }, agent: { type: "string" }, action: { type: "string" }, actor: { type: "string" }, limit: { type: "string" } } });
  const g = globals(values);
  const q = new URLSearchParams();
  if (values.ticket) q.set("ticketId", values.ticket);
  if (values.agent) q.set("agentId", values.agent);
  if (values.action) q.set("action", values.action);
  if (values.actor) q.set("actor", values.actor);
  if (values.limit) q.set("limit", values.limit);
  const rows = await api(g, `/api/audit?${q}`, z.array(z.record(z.string(), z.unknown())));
  for (const r of rows) out(values.json ? termJson(r) : term`${new Date(r.at as number).toISOString()}  ${String(r.outcome).padEnd(7)} ${String(r.action).padEnd(18)} ${r.actor}${r.ticketId ? term` ticket=${r.ticketId}` : ""}${r.agentId ? term` agent=${r.agentId}` : ""}${r.runId ? term` run=${r.runId}` : ""}`);
  return 0;
}

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  ticket: ticketCmd,
  knowledge: knowledgeCmd,
  "enroll-code": enrollCodeCmd,
  agents: agentsCmd,
  device: deviceCmd,
  agent: agentCmd,
  run: runCmd,
  watch: watchCmd,
  cancel: cancelCmd,
  token: tokenCmd,
  audit: auditCmd,
};

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "help" || cmd === "--help" || cmd === "-h") {
    out(HELP);
    return cmd ? 0 : 2;
  }
  if (cmd === "--version" || cmd === "-v") {
    out(term`${VERSION}`);
    return 0;
  }
  const fn = commands[cmd];
  if (!fn) throw new UsageError(`unknown command '${cmd}'`);
  return fn(rest);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    // The message may quote the collector or what the user typed: escaped like any output.
    process.stderr.write(`netdiag: ${escapeControlsKeepLines(e instanceof Error ? e.message : String(e))}\n${usage ? "Run 'netdiag --help' for usage.\n" : ""}`);
    // A 400 means the collector refused what was typed: a usage error too.
    process.exitCode = usage || (e instanceof HttpClientError && e.status === 400) ? 2 : e instanceof HttpClientError || (e as { code?: string }).code ? 3 : 1;
  },
);
