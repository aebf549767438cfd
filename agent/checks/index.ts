// The one literal registry of checks. Nothing else in the codebase branches on check type.
import type { CheckId } from "../../shared/checks.js";
import { dhcpCheck } from "./dhcp.js";
import { dnsCheck } from "./dns.js";
import { gatewayCheck } from "./gateway.js";
import { hostCheck } from "./host.js";
import { pathCheck } from "./path.js";
import { pingCheck } from "./ping.js";
import { routerosCheck } from "./routeros.js";
import { serviceCheck } from "./service.js";
import { snmpCheck } from "./snmp.js";
import type { AnyCheck } from "./types.js";

export const checks = [
  hostCheck,
  gatewayCheck,
  dhcpCheck,
  dnsCheck,
  pingCheck,
  pathCheck,
  serviceCheck,
  snmpCheck,
  routerosCheck,
] as const satisfies readonly AnyCheck[];

const byId = new Map<CheckId, AnyCheck>(checks.map((c) => [c.id, c]));

export function findCheck(id: string): AnyCheck | undefined {
  return byId.get(id as CheckId);
}

/** The full diagnosis, in isolation-chain order (DOMAIN.md §3). */
export const FULL_DIAGNOSIS: readonly CheckId[] = checks.map((c) => c.id).filter((id) => id !== "ping");
