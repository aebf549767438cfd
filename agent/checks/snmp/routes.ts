// Pure: the device's default route (0.0.0.0/0) and its next hop from the IP route MIBs, newest first:
// inetCidrRouteTable (RFC 4292), ipCidrRouteTable (RFC 2096), ipRouteTable (RFC 1213). The next hop of
// a CPE's default route is the ISP edge: the address the path check can ping when traceroute is silent.
import type { SnmpWanGateway } from "../../../shared/checks.js";
import { isMissing, varbindNumber, varbindText, type RawVarbind } from "./parse-values.js";

/** What the snmp check reads for it: one bounded walk or get per MIB, all under the default route's index. */
export const ROUTE_OIDS = {
  /** inetCidrRouteIfIndex (column 7) of rows indexed ipv4(1).len 4.0.0.0.0.pfxLen 0 (then policy, next hop). */
  inetCidrDefault: "1.3.6.1.2.1.4.24.7.1.7.1.4.0.0.0.0.0",
  /** ipCidrRouteIfIndex (column 5) of rows indexed dest 0.0.0.0.mask 0.0.0.0 (then tos, next hop). */
  ipCidrDefault: "1.3.6.1.2.1.4.24.4.1.5.0.0.0.0.0.0.0.0",
  /** ipRouteNextHop (7) and ipRouteIfIndex (2) of the row for destination 0.0.0.0. */
  ipRouteNextHop: "1.3.6.1.2.1.4.21.1.7.0.0.0.0",
  ipRouteIfIndex: "1.3.6.1.2.1.4.21.1.2.0.0.0.0",
} as const;

const NO_HOP = "0.0.0.0";

/** "a.b.c.d" from four sub-identifiers; undefined unless they are four octets. */
function ipv4Of(parts: readonly number[]): string | undefined {
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? parts.join(".") : undefined;
}

/** The next hop in an inetCidrRouteTable index after the destination: policyLen.policy….nhType.nhLen.nh…. */
function inetCidrHop(rest: readonly number[]): string | undefined {
  const policyLen = rest[0];
  if (policyLen === undefined) return undefined;
  const after = rest.slice(1 + policyLen);
  const [type, len, ...addr] = after;
  // InetAddressType ipv4(1) with 4 octets; other types (ipv6, unknown for an interface route) give no IPv4 hop.
  return type === 1 && len === 4 ? ipv4Of(addr) : undefined;
}

/**
 * The default route as the device reports it; undefined = no route MIB answered with one (not
 * implemented, or no default route). varbinds: what was read under each ROUTE_OIDS entry.
 */
export function parseDefaultRoute(inetCidr: readonly RawVarbind[], ipCidr: readonly RawVarbind[], ipRoute: readonly RawVarbind[]): SnmpWanGateway | undefined {
  const candidates: SnmpWanGateway[] = [
    ...inetCidrRows(inetCidr).map((r) => ({ source: "inetCidrRouteTable" as const, ...r })),
    ...ipCidrRows(ipCidr).map((r) => ({ source: "ipCidrRouteTable" as const, ...r })),
  ];
  const nh = varbindText(ipRoute.find((v) => v.oid === ROUTE_OIDS.ipRouteNextHop));
  if (nh !== undefined) {
    const ifIndex = varbindNumber(ipRoute.find((v) => v.oid === ROUTE_OIDS.ipRouteIfIndex));
    candidates.push({ source: "ipRouteTable", ...(ipv4Of(nh.split(".").map(Number)) && nh !== NO_HOP ? { address: nh } : {}), ...(ifIndex !== undefined ? { ifIndex } : {}) });
  }
  // A row with a next hop beats one without (a point-to-point default route names no address).
  return candidates.find((c) => c.address !== undefined) ?? candidates[0];
}

/** Rows under ROUTE_OIDS.inetCidrDefault: the remaining index is policy and next hop. */
function inetCidrRows(vbs: readonly RawVarbind[]): { address?: string; ifIndex?: number }[] {
  return rowsUnder(ROUTE_OIDS.inetCidrDefault, vbs, inetCidrHop);
}

/** Rows under ROUTE_OIDS.ipCidrDefault: the remaining index is tos.a.b.c.d. */
function ipCidrRows(vbs: readonly RawVarbind[]): { address?: string; ifIndex?: number }[] {
  return rowsUnder(ROUTE_OIDS.ipCidrDefault, vbs, (rest) => {
    const hop = ipv4Of(rest.slice(1));
    return hop === NO_HOP ? undefined : hop;
  });
}

function rowsUnder(prefix: string, vbs: readonly RawVarbind[], hop: (rest: number[]) => string | undefined): { address?: string; ifIndex?: number }[] {
  const out: { address?: string; ifIndex?: number }[] = [];
  for (const vb of vbs) {
    if (!vb.oid.startsWith(prefix + ".") || isMissing(vb)) continue;
    const rest = vb.oid.slice(prefix.length + 1).split(".").map(Number);
    const address = hop(rest);
    const ifIndex = varbindNumber(vb);
    out.push({ ...(address ? { address } : {}), ...(ifIndex !== undefined ? { ifIndex } : {}) });
  }
  return out;
}
