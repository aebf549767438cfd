// The ticket export (`netdiag-collector export`, docs/operations.md): everything one role may see of one
// ticket, read and redacted by the same functions the API routes use (ticketView, handoverFor,
// comparisonOf, redactRun, collector/auth/redact.ts), so the export shows a role exactly what the API
// shows it. Unlike one API read it is not bounded: every run, every step (paged through), and for
// admins every audit row of the ticket. Written as it is read, a run at a time, so memory stays at
// about one run whatever the ticket's size.
import { z } from "zod";
import { AuditEntry } from "../../shared/api-responses.js";
import { Role, Run, Ticket, type Role as RoleT, type Run as RunT } from "../../shared/api.js";
import { Handover, RunComparison, TicketHistoryEntry } from "../../shared/ticket.js";
import { redactRun } from "../auth/redact.js";
import { DEFAULT_LIMITS, type ReadLimits } from "../limits.js";
import { stepPage } from "../routes/runs.js";
import { comparisonOf, handoverFor, type ReadDeps } from "../routes/ticket-lifecycle.js";
import { ticketView } from "../routes/ticket-view.js";
import type { Store } from "../store/types.js";

export const EXPORT_FORMAT = "netdiag.ticket-export";

/** The export document: the schema a reader of an export file parses it with. */
export const TicketExport = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  exportedAt: z.number().int(),
  /** Whose view this is: the ticket and everything in it redacted as for this role. */
  role: Role,
  /** As GET /api/tickets/:id shows it to the role (with its deadlines at exportedAt), without the runs. */
  ticket: Ticket,
  history: z.array(TicketHistoryEntry),
  /** As GET /api/tickets/:id/handover. */
  handover: Handover,
  /** As GET /api/tickets/:id/comparison; absent when there is nothing to compare. */
  comparison: RunComparison.optional(),
  /** Admins only: every audit row of the ticket, newest first (as GET /api/audit?ticketId=). */
  audit: z.array(AuditEntry).optional(),
  /** Every run of the ticket, oldest first, each with all its stored steps (no `nextAfterSeq`). */
  runs: z.array(Run),
});
export type TicketExport = z.infer<typeof TicketExport>;

export interface ExportCounts {
  runs: number;
  steps: number;
  auditRows: number;
}

export interface ExportInput {
  store: Store;
  ticketId: string;
  role: RoleT;
  now: number;
  /** Pages and bounds of the reads the export shares with the API (default collector/limits.ts). */
  limits?: ReadLimits;
  /** Takes the document piece by piece (JSON text), in order; resolves when it may take the next. */
  write: (chunk: string) => Promise<void>;
}

/** Audit rows read per query (newest first, paged by id). */
const AUDIT_PAGE = 1000;

/** The run with every stored step: the pages read one after the other and joined. */
export async function readWholeRun(store: Store, runId: string, limits: ReadLimits): Promise<RunT | undefined> {
  const page = stepPage({ limits });
  let run = await store.getRun(runId, page);
  if (!run) return undefined;
  const steps = [...run.steps];
  const unreadable = [...(run.unreadable ?? [])];
  while (run.nextAfterSeq !== undefined) {
    const next: RunT | undefined = await store.getRun(runId, { ...page, afterSeq: run.nextAfterSeq });
    if (!next) break;
    steps.push(...next.steps);
    // Every page re-reads the run's record: a run still going keeps its newest state.
    unreadable.push(...(next.unreadable ?? []).filter((u) => u.part === "step"));
    run = next;
  }
  const { nextAfterSeq: _more, unreadable: _u, ...whole } = run;
  return { ...whole, steps, ...(unreadable.length ? { unreadable } : {}) };
}

/** Writes the export of one ticket; undefined (nothing written) when there is no such ticket. */
export async function writeTicketExport(i: ExportInput): Promise<ExportCounts | undefined> {
  const ticket = await i.store.getTicket(i.ticketId);
  if (!ticket) return undefined;
  const limits = i.limits ?? DEFAULT_LIMITS.read;
  const d: ReadDeps = { store: i.store, limits, now: () => i.now };
  const [history, handover, comparison] = await Promise.all([i.store.listTicketHistory(ticket.id), handoverFor(d, ticket, i.role), comparisonOf(d, ticket, {})]);
  const head = {
    format: EXPORT_FORMAT,
    version: 1,
    exportedAt: i.now,
    role: i.role,
    ticket: ticketView(i.role, "record", ticket, i.now),
    history,
    handover,
    ...(comparison ? { comparison } : {}),
  };
  const counts: ExportCounts = { runs: 0, steps: 0, auditRows: 0 };
  // The head as one object, its closing brace left off so the long lists can follow it.
  await i.write(JSON.stringify(head).slice(0, -1));

  if (i.role === "admin") {
    await i.write(`,"audit":[`);
    let beforeId: number | undefined;
    for (;;) {
      const rows = await i.store.listAudit({ ticketId: ticket.id, limit: AUDIT_PAGE, ...(beforeId !== undefined ? { beforeId } : {}) });
      for (const row of rows) await i.write(`${counts.auditRows++ ? "," : ""}${JSON.stringify(row)}`);
      if (rows.length < AUDIT_PAGE) break;
      beforeId = rows[rows.length - 1]!.id;
    }
    await i.write("]");
  }

  await i.write(`,"runs":[`);
  // The run records only (no steps: a zero byte budget), then each run whole, one at a time.
  for (const r of await i.store.listRunsForTicket(ticket.id, { totalBytes: 0 })) {
    const run = await readWholeRun(i.store, r.id, limits);
    if (!run) continue;
    await i.write(`${counts.runs++ ? "," : ""}${JSON.stringify(redactRun(run))}`);
    counts.steps += run.steps.length;
  }
  await i.write("]}\n");
  return counts;
}
