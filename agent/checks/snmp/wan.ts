// Pure: which of the device's interfaces is the WAN (the access line towards the ISP).
import type { SnmpInterface } from "./parse-device.js";

/**
 * IANAifType values that only ever face the ISP on a customer modem/router, best first:
 * vdsl2(251), vdsl(97), adsl(94), docsCableMaclayer(127), ppp(23). PPP comes last because the PPPoE
 * session rides on top of the physical line: when both exist, the line says more about the fault.
 */
export const WAN_IF_TYPES = [251, 97, 94, 127, 23] as const;

/**
 * Interface names CPE firmware commonly gives the WAN, best first: explicit "wan"/"internet",
 * DSL/PPP names (dsl0, ptm0, atm0, nas0, ppp0, pppoe-wan), MikroTik's ether1 (its default WAN port),
 * OpenWrt's WAN VLAN eth0.2 (eth0.1 is its LAN), and a bare eth1 as the last resort.
 */
export const WAN_NAME_PATTERNS: readonly RegExp[] = [
  /\bwan\b|^wan|internet/i,
  /^(pppoe|ppp|dsl|vdsl|adsl|ptm|atm|nas)[-_.]?\d*/i,
  /^ether1$/i,
  /^eth\d\.2$/i,
  /^eth1$/i,
];

export type WanSelection = { ifIndex: number; how: "configured" | "ifType" | "name"; matched: string } | undefined;

/** configured wanIfIndex wins; else the best ifType; else the best name (ifName, ifDescr, ifAlias). */
export function pickWan(interfaces: readonly SnmpInterface[], configured?: number): WanSelection {
  if (configured !== undefined) return { ifIndex: configured, how: "configured", matched: `wanIfIndex ${configured}` };
  for (const t of WAN_IF_TYPES) {
    // Among several of one type, prefer one that is up: an unused second DSL port says nothing.
    const same = interfaces.filter((i) => i.ifType === t);
    const hit = same.find((i) => i.ifOperStatus === "up") ?? same[0];
    if (hit) return { ifIndex: hit.ifIndex, how: "ifType", matched: `ifType ${t}` };
  }
  for (const re of WAN_NAME_PATTERNS) {
    const hit = interfaces.find((i) => i.ifType !== 24 && [i.ifName, i.ifDescr, i.ifAlias].some((n) => n !== undefined && re.test(n)));
    if (hit) return { ifIndex: hit.ifIndex, how: "name", matched: `name ${hit.ifName ?? hit.ifDescr ?? hit.ifAlias} ~ ${re.source}` };
  }
  return undefined;
}
