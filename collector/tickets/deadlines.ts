// Response and resolution deadlines (DOMAIN: severity fixes both). The policy is configurable per
// severity (collector config `deadlines`); time left / overdue is computed at read time, never stored.
import { z } from "zod";
import { TICKET_DEADLINES_MS, type Ticket } from "../../shared/api.js";

type Severity = Ticket["severity"];

const Limit = z.object({ respondMs: z.number().int().min(60_000), resolveMs: z.number().int().min(60_000) }).strict();
/** The collector config's `deadlines`: any severity left out keeps its default. */
export const DeadlinePolicyConfig = z.object({ general: Limit.optional(), important: Limit.optional(), severe: Limit.optional() }).strict();
export type DeadlinePolicy = Record<Severity, { respondMs: number; resolveMs: number }>;

export const DEFAULT_DEADLINES: DeadlinePolicy = {
  general: { respondMs: TICKET_DEADLINES_MS.general.respond, resolveMs: TICKET_DEADLINES_MS.general.resolve },
  important: { respondMs: TICKET_DEADLINES_MS.important.respond, resolveMs: TICKET_DEADLINES_MS.important.resolve },
  severe: { respondMs: TICKET_DEADLINES_MS.severe.respond, resolveMs: TICKET_DEADLINES_MS.severe.resolve },
};

export function deadlinePolicy(cfg: z.infer<typeof DeadlinePolicyConfig> | undefined): DeadlinePolicy {
  return { ...DEFAULT_DEADLINES, ...(cfg ?? {}) } as DeadlinePolicy;
}

/** respondBy / resolveBy stamped on a ticket at intake. */
export function deadlinesFor(policy: DeadlinePolicy, severity: Severity, createdAt: number): { respondBy: number; resolveBy: number } {
  const p = policy[severity];
  return { respondBy: createdAt + p.respondMs, resolveBy: createdAt + p.resolveMs };
}

/** Time left or overdue (shared/ticket.ts: the CLI computes it the same way for records without it). */
export { deadlineStatus } from "../../shared/ticket.js";
