// What each role may see of a customer's personal data, in one place. Every route that returns a
// ticket, run or agent passes it through here with the caller's role, so a policy change is one edit
// in PERSONAL_DATA_POLICY and cannot be forgotten in one handler. See SECURITY.md, "Confidentiality".
import type { Role, Run, Ticket, TicketWithRuns } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";
import { scrubDeep } from "../../shared/secret-scrub.js";

/**
 * "record": one ticket opened on purpose (audited as ticket.read); "list": many tickets at once (not
 * audited per ticket, so it must not disclose contact details in bulk).
 */
export type View = "record" | "list";

export interface PersonalDataRule {
  /** Customer name: needed by everyone who talks to or visits the customer. */
  name: boolean;
  /** Phone / e-mail: engineers call back, technicians arrange the visit. Only on an audited read. */
  contactOnRecord: boolean;
  /** Site / address: technicians go there; engineers need it to escalate. */
  site: boolean;
}

/**
 * Need-to-know (DOMAIN.md §2.6). Every role works the ticket, so every role sees name and site and,
 * on an audited single-ticket read, the contact; lists always mask the contact, for every role.
 * Nobody ever sees a secret: hashes never leave the store layer, and step data is scrubbed below.
 */
export const PERSONAL_DATA_POLICY: Readonly<Record<Role, PersonalDataRule>> = {
  admin: { name: true, contactOnRecord: true, site: true },
  engineer: { name: true, contactOnRecord: true, site: true },
  technician: { name: true, contactOnRecord: true, site: true },
  // The ISP's own ticket system: it sent the intake (or is where the case is worked), and the
  // escalation hand-over it receives by webhook is built with this rule.
  integration: { name: true, contactOnRecord: true, site: true },
};

export const MASK = "[redacted]";

/** "+86 138 1234 5678" -> "+86 1** **** **78": enough to recognise a number, not to dial it. */
export function maskContact(contact: string): string {
  const chars = [...contact];
  const keepEnd = chars.length > 6 ? 2 : 0;
  const keepStart = chars.length > 10 ? 5 : 0;
  return chars.map((ch, i) => (i < keepStart || i >= chars.length - keepEnd || !/[\p{L}\p{N}]/u.test(ch) ? ch : "*")).join("");
}

export function redactTicket<T extends Ticket>(role: Role, view: View, t: T): T {
  const rule = PERSONAL_DATA_POLICY[role];
  const { site, ...rest } = t.customer;
  const customer: Ticket["customer"] = {
    ...rest,
    name: rule.name ? t.customer.name : MASK,
    contact: view === "record" && rule.contactOnRecord ? t.customer.contact : maskContact(t.customer.contact),
    ...(site !== undefined ? { site: rule.site ? site : MASK } : {}),
  };
  return { ...t, customer };
}

export function redactTicketWithRuns(role: Role, t: TicketWithRuns): TicketWithRuns {
  return { ...redactTicket(role, "record", t), runs: t.runs.map(redactRun) };
}

/**
 * Equipment secrets (SNMP communities and keys, router passwords, API keys, credential-shaped text):
 * the agent scrubs them before sending; this is the collector's second line, for an old or buggy agent,
 * applied before a run event is stored (SqlStore.appendRunEvent) and again in every response.
 * Iterative and bounded in depth (shared/secret-scrub.ts): no stored document can make a read fail.
 */
const MAX_SCRUB_DEPTH = 64;

/** Deep copy with secret-named keys' values and credential-shaped text replaced. */
export function scrubSecrets<T>(value: T): T {
  return scrubDeep(value, { maxDepth: MAX_SCRUB_DEPTH });
}

/** A run event as it may be stored: everything the agent wrote in it scrubbed. */
export function scrubRunEvent(ev: RunEvent): RunEvent {
  return scrubSecrets(ev);
}

/** Runs carry no personal data beyond the ticket id; their steps, verdict and reason are scrubbed of secrets. */
export function redactRun(run: Run): Run {
  return {
    ...run,
    ...(run.reason !== undefined ? { reason: scrubSecrets(run.reason) } : {}),
    ...(run.verdict ? { verdict: scrubSecrets(run.verdict) } : {}),
    steps: run.steps.map((s) => ({ ...s, result: scrubSecrets(s.result) })),
  };
}
