// `netdiag-collector export --ticket T`: one ticket as JSON, everything the role may see of it
// (export-document.ts), from the store on disk, also while the collector runs. The export is audited
// (ticket.export, actor local-cli): it carries the customer's personal data out of the collector.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { Role } from "../../shared/api.js";
import { Id } from "../../shared/protocol.js";
import { writeTicketExport } from "./export-document.js";
import { CommandError, EXIT, fail, openExistingStore, openOutput, storePath, UsageError } from "./store-location.js";

export const EXPORT_HELP = `Usage: netdiag-collector export --ticket ID [--role admin|engineer|technician] [--data-dir DIR | --database URL | --config FILE] [--out FILE]

Writes one ticket as JSON: the ticket with its deadlines, every run with all its steps and verdict, the
history, the hand-over, the comparison (when there is one) and, for admins, the ticket's audit rows;
redacted for the role exactly as the API shows them to it (default role: admin). Works on the store
while the collector runs. --out writes FILE (0600, complete or not at all); default stdout.
Exit codes: 0 ok, 1 failed (no store, no such ticket), 2 usage error.`;

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      ticket: { type: "string" },
      role: { type: "string", default: "admin" },
      "data-dir": { type: "string" },
      database: { type: "string" },
      config: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true as const };
  const ticket = Id.safeParse(values.ticket);
  if (!ticket.success) throw new UsageError(values.ticket === undefined ? "export needs --ticket ID" : `not a ticket id: ${JSON.stringify(values.ticket)}`);
  const role = Role.safeParse(values.role);
  if (!role.success) throw new UsageError(`--role must be admin, engineer or technician (got ${JSON.stringify(values.role)})`);
  return { help: false as const, ticketId: ticket.data, role: role.data, dataDir: values["data-dir"], database: values.database, config: values.config, out: values.out };
}

export async function exportCommand(argv: string[]): Promise<number> {
  try {
    const a = parse(argv);
    if (a.help) {
      process.stdout.write(EXPORT_HELP + "\n");
      return EXIT.ok;
    }
    const store = await openExistingStore(await storePath(a));
    try {
      const out = await openOutput(a.out);
      const now = Date.now();
      let counts;
      try {
        counts = await writeTicketExport({ store, ticketId: a.ticketId, role: a.role, now, write: (c) => out.write(c) });
        if (!counts) throw new CommandError(`no ticket ${a.ticketId} in this store`);
        await out.commit();
      } catch (e) {
        await out.discard();
        throw e;
      }
      const user = osUser();
      await store.appendAudit({ at: Date.now(), actor: "local-cli", action: "ticket.export", ticketId: a.ticketId, outcome: "ok", detail: { role: a.role, ...counts, to: a.out ?? "stdout", ...(user ? { osUser: user } : {}) } });
      process.stderr.write(`exported ticket ${a.ticketId} as ${a.role}: ${counts.runs} runs, ${counts.steps} steps${a.role === "admin" ? `, ${counts.auditRows} audit rows` : ""}${a.out ? ` to ${a.out}` : ""}\n`);
      return EXIT.ok;
    } finally {
      await store.close();
    }
  } catch (e) {
    return fail(e, "export");
  }
}
