// `netdiag ticket ...` and `netdiag knowledge`: the support desk from the engineer's terminal. Intake,
// the list with time left / overdue, the lifecycle actions (status, escalate with its hand-over, verify
// the fix, resolve, close with the customer's confirmation, reopen), the history and the knowledge of
// what fixed a cause before. Each body is checked against the shared/ticket.ts schema before it is
// sent (usage error, exit 2); a refusal of the ticket state machine (HTTP 409) prints the collector's
// message with its code and exits 3 like any API error.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";
import { CreateTicketBody, Run, Ticket, TicketWithRuns } from "../shared/api.js";
import { HttpClientError } from "../shared/http-client.js";
import { term, termJson } from "../shared/terminal-text.js";
import {
  CloseBody,
  EscalateBody,
  Handover,
  Knowledge,
  ReopenBody,
  ResolveBody,
  RunComparison,
  SetStatusBody,
  TicketHistoryEntry,
  TicketQuery,
  TicketStatus,
} from "../shared/ticket.js";
import { api, GLOBAL_OPTS, globals, idArg, type Global } from "./client.js";
import { out } from "./format.js";
import { formatComparison, formatHandover, formatHistory, formatKnowledge, formatTicketRow, formatTicketView, TICKET_ROW_HEADER, timeLeft, deadlinesOf } from "./ticket-format.js";
import { checkBody, numberFlag, UsageError } from "./usage.js";
import { follow } from "./watch.js";

function parse<O extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: O) {
  return parseArgs({ args: argv, allowPositionals: true, options: { ...GLOBAL_OPTS, ...options } });
}

/** The one ticket id a subcommand acts on ("ticket show ID"). */
function ticketIdOf(usage: string, positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`usage: netdiag ${usage}`);
  return idArg("ticket id", positionals[0]!);
}

const ticketPath = (id: string, rest = "") => `/api/tickets/${encodeURIComponent(id)}${rest}`;

/** What to do next after a refusal, where the CLI can say it. */
const HINTS: Partial<Record<string, (id: string) => string>> = {
  VERIFICATION_REQUIRED: (id) => `verify the fix first: netdiag ticket verify ${id} --follow; or say why it cannot be verified: --unverified-reason TEXT`,
  TICKET_CLOSED: (id) => `reopen it first: netdiag ticket reopen ${id} --note TEXT`,
  ILLEGAL_TRANSITION: (id) => `the ticket's status and history: netdiag ticket show ${id}`,
  NO_FAILING_RUN: (id) => `nothing to verify yet: diagnose first with netdiag run --ticket ${id} --agent AGENT_ID --follow`,
};

/** A 409 from the ticket state machine, said so: "ticket X: refused (CODE): the collector's message", and a hint. */
export function refusal(e: unknown, id: string): unknown {
  if (!(e instanceof HttpClientError) || e.status !== 409) return e;
  const hint = HINTS[e.code]?.(id);
  return new HttpClientError(409, e.code, `ticket ${id}: refused (${e.code}): ${e.message}${hint ? `\n  ${hint}` : ""}`);
}

/** POST a lifecycle action; a refusal is reported as such. */
async function act<S extends z.ZodType>(g: Global, id: string, action: string, body: unknown, schema: S): Promise<z.infer<S>> {
  try {
    return await api(g, ticketPath(id, `/${action}`), schema, { method: "POST", body }, { ticket: id });
  } catch (e) {
    throw refusal(e, id);
  }
}

const noteFlag = { note: { type: "string" } } as const;
const withNote = (note: string | undefined) => (note !== undefined ? { note } : {});

async function createCmd(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    customer: { type: "string" },
    contact: { type: "string" },
    site: { type: "string" },
    service: { type: "string" },
    symptom: { type: "string" },
    started: { type: "string" },
    tried: { type: "string" },
    category: { type: "string" },
    severity: { type: "string" },
  });
  const g = globals(values);
  if (!values.customer || !values.contact || !values.service || !values.symptom) {
    throw new UsageError("ticket create needs --customer, --contact, --service and --symptom");
  }
  const body = checkBody(
    CreateTicketBody,
    {
      customer: { name: values.customer, contact: values.contact, ...(values.site ? { site: values.site } : {}) },
      service: values.service,
      symptom: values.symptom,
      ...(values.started ? { startedAt: values.started } : {}),
      ...(values.tried ? { alreadyTried: values.tried } : {}),
      ...(values.category ? { category: values.category } : {}),
      ...(values.severity ? { severity: values.severity } : {}),
    },
    {
      "customer.name": { flag: "--customer" },
      "customer.contact": { flag: "--contact" },
      "customer.site": { flag: "--site" },
      service: { flag: "--service" },
      symptom: { flag: "--symptom" },
      startedAt: { flag: "--started" },
      alreadyTried: { flag: "--tried" },
      category: { flag: "--category", noun: "category" },
      severity: { flag: "--severity", noun: "severity" },
    },
  );
  const t = await api(g, `/api/tickets`, Ticket, { body });
  out(values.json ? termJson(t, 2) : term`ticket ${t.id} created (severity ${t.severity}, respond by ${new Date(t.respondBy).toISOString()}, resolve by ${new Date(t.resolveBy).toISOString()})`);
  return 0;
}

/** A comma-separated flag whose items come from a closed set: each bad item named with what is accepted. */
function csvFlag(flag: string, noun: string, raw: string, item: z.ZodType<string>): string {
  const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
  checkBody(z.array(item), items, { "": { flag, noun } });
  return items.join(",");
}

async function listCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    status: { type: "string" },
    severity: { type: "string" },
    overdue: { type: "boolean", default: false },
    agent: { type: "string" },
    cause: { type: "string" },
    sort: { type: "string" },
    limit: { type: "string" },
  });
  if (positionals.length) throw new UsageError(`ticket list takes no argument ('${positionals[0]}'); filters are flags: --status, --severity, --overdue, --agent, --cause`);
  const g = globals(values);
  const query: Record<string, string> = {
    ...(values.status !== undefined ? { status: csvFlag("--status", "status", values.status, TicketStatus) } : {}),
    ...(values.severity !== undefined ? { severity: csvFlag("--severity", "severity", values.severity, z.enum(["general", "important", "severe"])) } : {}),
    ...(values.overdue ? { overdue: "1" } : {}),
    ...(values.agent !== undefined ? { agentId: values.agent } : {}),
    // Causes are SCREAMING codes; typing one in lower case is forgiven.
    ...(values.cause !== undefined ? { cause: values.cause.toUpperCase() } : {}),
    ...(values.sort !== undefined ? { sort: values.sort } : {}),
    ...(values.limit !== undefined ? { limit: values.limit } : {}),
  };
  checkBody(TicketQuery, query, {
    status: { flag: "--status", noun: "status" },
    severity: { flag: "--severity", noun: "severity" },
    agentId: { flag: "--agent" },
    cause: { flag: "--cause" },
    sort: { flag: "--sort", noun: "sort order" },
    limit: { flag: "--limit" },
  });
  const list = await api(g, `/api/tickets?${new URLSearchParams(query)}`, z.array(Ticket));
  if (values.json) {
    out(termJson(list, 2));
    return 0;
  }
  const now = Date.now();
  if (list.length === 0) out(term`no tickets match`);
  else {
    out(TICKET_ROW_HEADER);
    for (const t of list) out(formatTicketRow(t, now));
  }
  return 0;
}

/** Causes with no fix to look up: nothing wrong, or not singled out. */
const NO_KNOWLEDGE = new Set(["NONE", "UNDETERMINED"]);

async function showCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const g = globals(values);
  const id = ticketIdOf("ticket show TICKET_ID [--json]", positionals);
  const [ticket, history] = await Promise.all([api(g, ticketPath(id), TicketWithRuns, {}, { ticket: id }), api(g, ticketPath(id, "/history"), z.array(TicketHistoryEntry), {}, { ticket: id })]);
  // The cause it was resolved with, else the one it is diagnosed with: what fixed that on other tickets.
  const cause = ticket.resolution?.cause ?? ticket.lastVerdict?.cause;
  let knowledge: z.infer<typeof Knowledge> | undefined;
  if (cause && !NO_KNOWLEDGE.has(cause)) {
    knowledge = await api(g, `/api/knowledge/${encodeURIComponent(cause)}?${new URLSearchParams({ excludeTicketId: id, limit: "5" })}`, Knowledge);
  }
  out(values.json ? termJson({ ...ticket, history, ...(knowledge ? { knowledge } : {}) }, 2) : formatTicketView({ ticket, history, knowledge }, Date.now()));
  return 0;
}

async function statusCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { to: { type: "string" }, ...noteFlag });
  const g = globals(values);
  const id = ticketIdOf("ticket status TICKET_ID --to diagnosing|waiting_customer [--note TEXT]", positionals);
  if (values.to === undefined) throw new UsageError("ticket status needs --to diagnosing|waiting_customer");
  const body = checkBody(SetStatusBody, { to: values.to, ...withNote(values.note) }, { to: { flag: "--to", noun: "status" }, note: { flag: "--note" } });
  const t = await act(g, id, "status", body, Ticket);
  out(values.json ? termJson(t, 2) : term`ticket ${t.id} is now ${t.status}`);
  return 0;
}

async function escalateCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { to: { type: "string" }, ...noteFlag });
  const g = globals(values);
  const id = ticketIdOf("ticket escalate TICKET_ID --to network_operations|field_service|second_line|service_owner [--note TEXT]", positionals);
  if (values.to === undefined) throw new UsageError("ticket escalate needs --to network_operations|field_service|second_line|service_owner");
  const body = checkBody(EscalateBody, { to: values.to, ...withNote(values.note) }, { to: { flag: "--to", noun: "team" }, note: { flag: "--note" } });
  const res = await act(g, id, "escalate", body, z.object({ ticket: Ticket, handover: Handover }));
  if (values.json) out(termJson(res, 2));
  else {
    // The hand-over alone on stdout, so `> handover.txt` or a pipe gets exactly the text to paste.
    process.stderr.write(term`ticket ${res.ticket.id} escalated to ${res.ticket.escalatedTo ?? body.to}; the hand-over follows\n`.text);
    out(formatHandover(res.handover));
  }
  return 0;
}

async function handoverCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const g = globals(values);
  const id = ticketIdOf("ticket handover TICKET_ID [--json]", positionals);
  const h = await api(g, ticketPath(id, "/handover"), Handover, {}, { ticket: id });
  out(values.json ? termJson(h, 2) : formatHandover(h));
  return 0;
}

async function compareOf(g: Global, id: string, before: string | undefined, after: string | undefined): Promise<z.infer<typeof RunComparison>> {
  const q = new URLSearchParams({ ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) });
  const run = after ?? before;
  return api(g, ticketPath(id, `/comparison${q.size ? `?${q}` : ""}`), RunComparison, {}, { ticket: id, ...(run !== undefined ? { run } : {}) });
}

async function verifyCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { follow: { type: "boolean", short: "f", default: false } });
  const g = globals(values);
  const id = ticketIdOf("ticket verify TICKET_ID [--follow] [--json]", positionals);
  const run = await act(g, id, "verify", {}, Run);
  if (!values.follow) {
    out(values.json ? termJson(run) : term`verification run ${run.id} ${run.state} on agent ${run.agentId} (${run.checks.join(", ")})\nfollow it: netdiag watch ${run.id}; then compare: netdiag ticket compare ${id}`);
    return 0;
  }
  if (!values.json) out(term`verification run ${run.id} ${run.state} on agent ${run.agentId} (${run.checks.length} checks, the failing run's)`);
  const ran = await follow(g, run.id, run.checks.length, values.json);
  const c = await compareOf(g, id, undefined, run.id);
  out(values.json ? termJson(c) : formatComparison(c));
  // 4: the verification run did not complete; else 0 only when the comparison says the fix holds.
  return ran === 4 ? 4 : c.healthy ? 0 : 1;
}

async function compareCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { before: { type: "string" }, after: { type: "string" } });
  const g = globals(values);
  const id = ticketIdOf("ticket compare TICKET_ID [--before RUN_ID] [--after RUN_ID] [--json]", positionals);
  const before = values.before !== undefined ? idArg("--before", values.before) : undefined;
  const after = values.after !== undefined ? idArg("--after", values.after) : undefined;
  const c = await compareOf(g, id, before, after);
  out(values.json ? termJson(c, 2) : formatComparison(c));
  return c.healthy ? 0 : 1;
}

async function resolveCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { "root-cause": { type: "string" }, fix: { type: "string" }, "unverified-reason": { type: "string" }, ...noteFlag });
  const g = globals(values);
  const id = ticketIdOf("ticket resolve TICKET_ID --root-cause TEXT --fix TEXT [--unverified-reason TEXT] [--note TEXT]", positionals);
  if (values["root-cause"] === undefined || values.fix === undefined) throw new UsageError("ticket resolve needs --root-cause TEXT and --fix TEXT");
  const body = checkBody(
    ResolveBody,
    { rootCause: values["root-cause"], fix: values.fix, ...(values["unverified-reason"] !== undefined ? { unverifiedReason: values["unverified-reason"] } : {}), ...withNote(values.note) },
    { rootCause: { flag: "--root-cause" }, fix: { flag: "--fix" }, unverifiedReason: { flag: "--unverified-reason" }, note: { flag: "--note" } },
  );
  const t = await act(g, id, "resolve", body, Ticket);
  if (values.json) out(termJson(t, 2));
  else {
    const r = t.resolution;
    out(term`ticket ${t.id} resolved${r?.verificationRunId ? term`, verified by run ${r.verificationRunId}` : r?.unverifiedReason ? term`, NOT verified (${r.unverifiedReason})` : ""}; resolution deadline ${timeLeft(deadlinesOf(t, Date.now()).resolve)}`);
    out(term`next: confirm with the customer, then netdiag ticket close ${t.id} --confirmed --satisfaction 1-5`);
  }
  return 0;
}

async function closeCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { confirmed: { type: "boolean", default: false }, unreachable: { type: "boolean", default: false }, satisfaction: { type: "string" }, ...noteFlag });
  const g = globals(values);
  const id = ticketIdOf("ticket close TICKET_ID (--confirmed --satisfaction 1-5 | --unreachable --note TEXT)", positionals);
  if (values.confirmed === values.unreachable) throw new UsageError("ticket close needs exactly one of --confirmed (with --satisfaction 1-5) or --unreachable (with --note saying which follow-up attempts failed)");
  // The state machine refuses these too; said here as usage errors, before anything is sent.
  if (values.confirmed && values.satisfaction === undefined) throw new UsageError("--confirmed needs --satisfaction 1-5 (the customer's answer: 1 very unhappy .. 5 very happy)");
  if (values.unreachable && values.satisfaction !== undefined) throw new UsageError("--satisfaction goes with --confirmed: an unreachable customer gave none");
  if (values.unreachable && !values.note?.trim()) throw new UsageError("--unreachable needs --note TEXT saying which follow-up attempts failed");
  const body = checkBody(
    CloseBody,
    {
      outcome: values.confirmed ? "confirmed" : "unreachable",
      ...(values.satisfaction !== undefined ? { satisfaction: numberFlag("--satisfaction", values.satisfaction) } : {}),
      ...withNote(values.note),
    },
    { satisfaction: { flag: "--satisfaction" }, note: { flag: "--note" } },
  );
  const t = await act(g, id, "close", body, Ticket);
  out(values.json ? termJson(t, 2) : term`ticket ${t.id} closed (${body.outcome}${body.satisfaction !== undefined ? term`, satisfaction ${body.satisfaction}/5` : ""})`);
  return 0;
}

async function reopenCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, noteFlag);
  const g = globals(values);
  const id = ticketIdOf("ticket reopen TICKET_ID --note TEXT", positionals);
  if (values.note === undefined) throw new UsageError("ticket reopen needs --note TEXT (why it is reopened)");
  const body = checkBody(ReopenBody, { note: values.note }, { note: { flag: "--note" } });
  const t = await act(g, id, "reopen", body, Ticket);
  out(values.json ? termJson(t, 2) : term`ticket ${t.id} reopened: now ${t.status}`);
  return 0;
}

async function historyCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const g = globals(values);
  const id = ticketIdOf("ticket history TICKET_ID [--json]", positionals);
  const h = await api(g, ticketPath(id, "/history"), z.array(TicketHistoryEntry), {}, { ticket: id });
  out(values.json ? termJson(h, 2) : formatHistory(h, ""));
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  create: createCmd,
  list: listCmd,
  show: showCmd,
  status: statusCmd,
  escalate: escalateCmd,
  handover: handoverCmd,
  verify: verifyCmd,
  compare: compareCmd,
  resolve: resolveCmd,
  close: closeCmd,
  reopen: reopenCmd,
  history: historyCmd,
};

export async function ticketCmd(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const fn = sub !== undefined ? SUBCOMMANDS[sub] : undefined;
  if (!fn) throw new UsageError(`ticket needs one of: ${Object.keys(SUBCOMMANDS).join(", ")}${sub !== undefined ? ` (not '${sub}')` : ""}`);
  return fn(rest);
}

/** `netdiag knowledge CAUSE`: resolved tickets with that verdict cause and what fixed them. */
export async function knowledgeCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {});
  const g = globals(values);
  if (positionals.length !== 1) throw new UsageError("usage: netdiag knowledge CAUSE [--json]   (a verdict cause, e.g. WAN_LINK_DOWN)");
  const cause = checkBody(TicketQuery.shape.cause.unwrap(), positionals[0]!.toUpperCase(), { "": { flag: "CAUSE" } });
  const k = await api(g, `/api/knowledge/${encodeURIComponent(cause)}`, Knowledge);
  out(values.json ? termJson(k, 2) : formatKnowledge(k.cause, k.tickets, k.total));
  return 0;
}
