// What a customer's grant is and how a run request is judged against grants: pure functions, so every
// refusal code is table-tested (test/agent/consent/grant.test.ts). The store and the prompt live apart.
import { z } from "zod";
import { CHECK_IDS, type CheckId } from "../../shared/checks.js";

/**
 * ONE place that says what each check (or future action) does to the customer's device. "diagnostic"
 * only reads and sends probes; "change" alters the device or interrupts service (renew a DHCP lease,
 * restart an interface or modem) and is never covered by a grant: it is asked for every single time.
 * No "change" action exists yet; tests inject one into the authorizer.
 */
export type ActionKind = "diagnostic" | "change";
export const CHECK_KINDS: Readonly<Record<CheckId, ActionKind>> = {
  host: "diagnostic",
  gateway: "diagnostic",
  dhcp: "diagnostic",
  dns: "diagnostic",
  ping: "diagnostic",
  path: "diagnostic",
  service: "diagnostic",
  snmp: "diagnostic",
  routeros: "diagnostic",
};

/** Group names a customer may grant instead of listing ids. "diagnosis" = every read-only check. */
export const GRANT_GROUPS = { diagnosis: CHECK_IDS.filter((id) => CHECK_KINDS[id] === "diagnostic") } as const;
export type GrantGroup = keyof typeof GRANT_GROUPS;

/** Longest a grant may last: a week covers a ticket that waits for a field visit, no more. */
export const MAX_GRANT_MS = 7 * 24 * 3600_000;

export const GrantId = z.string().regex(/^grt_[A-Za-z0-9_-]{6,40}$/);
export const GrantCheck = z.union([z.enum(CHECK_IDS), z.enum(Object.keys(GRANT_GROUPS) as [GrantGroup])]);

export const Grant = z
  .object({
    id: GrantId,
    agentId: z.string().min(1).max(64),
    ticketId: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/),
    checks: z.array(GrantCheck).min(1).max(20),
    /** Epoch ms; the grant covers runs in [notBefore, notAfter). */
    notBefore: z.number().int(),
    notAfter: z.number().int(),
    createdAt: z.number().int(),
    createdBy: z.enum(["customer", "approved-request"]),
    /** Epoch ms of revocation; undefined = never revoked. */
    revokedAt: z.number().int().optional(),
  })
  .refine((g) => g.notAfter > g.notBefore, { message: "notAfter must be after notBefore" });
export type Grant = z.infer<typeof Grant>;

export const GrantFile = z.object({ version: z.literal(1), grants: z.array(Grant) });
export type GrantFile = z.infer<typeof GrantFile>;

export type GrantStatus = "active" | "pending" | "expired" | "revoked";

export function grantStatus(g: Grant, now: number): GrantStatus {
  if (g.revokedAt !== undefined && g.revokedAt <= now) return "revoked";
  if (now >= g.notAfter) return "expired";
  if (now < g.notBefore) return "pending";
  return "active";
}

/** The check ids a grant covers, groups expanded. */
export function coveredChecks(g: Pick<Grant, "checks">): Set<string> {
  const out = new Set<string>();
  for (const c of g.checks) for (const id of c in GRANT_GROUPS ? GRANT_GROUPS[c as GrantGroup] : [c]) out.add(id);
  return out;
}

/** Why a request is not covered; the exact codes sent in run.refused (docs/consent.md). */
export type GrantRefusalCode = "NO_GRANT" | "GRANT_EXPIRED" | "GRANT_REVOKED" | "CHECKS_NOT_GRANTED";
export type GrantDecision =
  | { ok: true; grantIds: string[] }
  | { ok: false; code: GrantRefusalCode; reason: string; missing?: string[] };

/**
 * Is every requested check covered by grants of this agent for this ticket, valid now? Several valid
 * grants for the same ticket add up. When nothing valid is left, the newest grant says why.
 */
export function evaluateGrants(grants: readonly Grant[], q: { agentId: string; ticketId: string; checks: readonly string[]; now: number }): GrantDecision {
  const mine = grants.filter((g) => g.agentId === q.agentId && g.ticketId === q.ticketId);
  if (mine.length === 0) return { ok: false, code: "NO_GRANT", reason: `the customer has not authorized diagnosis for ticket ${q.ticketId}` };
  const valid = mine.filter((g) => grantStatus(g, q.now) === "active");
  if (valid.length === 0) {
    const newest = [...mine].sort((a, b) => b.createdAt - a.createdAt)[0]!;
    const st = grantStatus(newest, q.now);
    if (st === "revoked") return { ok: false, code: "GRANT_REVOKED", reason: `the customer revoked grant ${newest.id} for ticket ${q.ticketId} at ${iso(newest.revokedAt!)}` };
    if (st === "expired") return { ok: false, code: "GRANT_EXPIRED", reason: `grant ${newest.id} for ticket ${q.ticketId} expired at ${iso(newest.notAfter)}` };
    return { ok: false, code: "NO_GRANT", reason: `grant ${newest.id} for ticket ${q.ticketId} is valid only from ${iso(newest.notBefore)}` };
  }
  const covered = new Set(valid.flatMap((g) => [...coveredChecks(g)]));
  const missing = [...new Set(q.checks)].filter((c) => !covered.has(c));
  if (missing.length) {
    return { ok: false, code: "CHECKS_NOT_GRANTED", missing, reason: `the customer's grant for ticket ${q.ticketId} does not cover: ${missing.join(", ")} (granted: ${[...covered].join(", ")})` };
  }
  const used = valid.filter((g) => q.checks.some((c) => coveredChecks(g).has(c)));
  return { ok: true, grantIds: used.map((g) => g.id) };
}

/** "30m", "2h", "1d", "45s" → ms; throws RangeError on anything else or beyond MAX_GRANT_MS. */
export function parseDuration(s: string, maxMs = MAX_GRANT_MS): number {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(s.trim());
  if (!m) throw new RangeError(`bad duration '${s}': use a number and a unit, e.g. 30m, 2h, 1d`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
  if (ms <= 0) throw new RangeError(`duration '${s}' must be positive`);
  if (ms > maxMs) throw new RangeError(`duration '${s}' is longer than the ${formatDuration(maxMs)} maximum`);
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3600_000 === 0) return `${ms / 3600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
