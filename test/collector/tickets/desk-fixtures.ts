// Runs for the support desk's tests built from real step results (test/agent/verdict/fixtures.ts:
// every step parses against its check's schema) and judged by the real fault isolation: an access line
// that is down (verdict wan / WAN_LINK_DOWN) and the same site healthy after the repair (NONE).
import type { Run } from "../../../shared/api.js";
import type { StepResult } from "../../../shared/checks.js";
import type { Verdict } from "../../../shared/verdict.js";
import { dns, healthy, path, service, snmp, verdictWith } from "../../agent/verdict/fixtures.js";

export type Steps = Record<string, StepResult>;

/** The line is down: SNMP says the WAN interface is down, nothing beyond the router answers. */
export const LINE_DOWN = (): Steps => ({
  ...healthy(),
  snmp: snmp.wanDown(),
  dns: dns.allDead(),
  path: path({ hop: "none", anchors: { ok: false } }),
  service: service("SERVICE_DNS_FAILED"),
});

/** The same site after the repair. */
export const REPAIRED = (): Steps => healthy();

/** The real verdict on these steps. */
export function judge(steps: Steps): Verdict {
  return verdictWith(Object.fromEntries(Object.keys(healthy()).map((k) => [k, steps[k]])));
}

export function runOf(id: string, createdAt: number, steps: Steps, o: { state?: Run["state"]; verdict?: Verdict | null; agentId?: string; ticketId?: string } = {}): Run {
  const verdict = o.verdict === null ? undefined : (o.verdict ?? judge(steps));
  const list = Object.values(steps);
  return {
    id,
    ticketId: o.ticketId ?? "tk_desk000001",
    agentId: o.agentId ?? "ag_site000001",
    checks: list.map((s) => s.check),
    params: {},
    state: o.state ?? "completed",
    requestedBy: "alice",
    createdAt,
    updatedAt: createdAt,
    pickupBy: createdAt + 300_000,
    offline: false,
    steps: list.map((result, i) => ({ seq: i + 2, receivedAt: createdAt, result })),
    ...(verdict ? { verdict } : {}),
  };
}
