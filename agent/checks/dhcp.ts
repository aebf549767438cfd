// dhcp: the current lease (as the OS recorded it) and an active probe that asks the segment's DHCP
// servers what they would hand out (DISCOVER) or confirm (INFORM) without ever allocating anything.
import { TIMEOUTS } from "../timeouts.js";
import type { InterfaceInfo, RouteInfo } from "../system/system-view.js";
import { primaryInterface } from "./host/assess-host.js";
import { DEFAULT_LEASE_LOCATIONS, findLease, type LeaseLocations, type LeaseRecord } from "./dhcp/lease-files.js";
import { LIMITED_BROADCAST, randomLocalMac, runDhcpProbe, type ProbeReply, type ProbeRequest, type ProbeResult } from "./dhcp/probe.js";
import { defineCheck, type CheckContext, type CheckOutcome } from "./types.js";
import type { DhcpClientState, DhcpData, DhcpFindingCode, DhcpServerAnswer, FindingOf, Severity } from "../../shared/checks.js";

export type { DhcpClientState, DhcpData, DhcpFindingCode, DhcpServerAnswer } from "../../shared/checks.js";

/** RFC 2131 §4.4.5: past T2 (87.5% of the lease) the client has failed to renew with its own server. */
const LEASE_EXPIRING_FRACTION = 0.125;
/** When the lease length is unknown, warn with less than this left. */
const LEASE_EXPIRING_FALLBACK_SEC = 300;
const INFINITE_LEASE = 0xffffffff;
/** An interface name from config or the routing table: refused if it could pass as an option. */
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14}$/;

export interface DhcpDeps {
  locations: Omit<LeaseLocations, "extraFiles">;
  probe: (req: ProbeRequest) => Promise<ProbeResult>;
}

const finding = (code: DhcpFindingCode, severity: Severity, message: string, subject?: string): FindingOf<"dhcp"> =>
  subject ? { code, severity, message, subject } : { code, severity, message };

/** Pure: lease record + clock to the TR-181 client state. */
export function clientState(rec: LeaseRecord, nowMs: number): DhcpClientState {
  const s: DhcpClientState = { DHCPStatus: "Bound", IPRouters: rec.IPRouters, DNSServers: rec.DNSServers, source: rec.source };
  if (rec.IPAddress) s.IPAddress = rec.IPAddress;
  if (rec.SubnetMask) s.SubnetMask = rec.SubnetMask;
  if (rec.DHCPServer) s.DHCPServer = rec.DHCPServer;
  if (rec.path) s.path = rec.path;
  if (rec.leaseTimeSec !== undefined) s.leaseTimeSec = rec.leaseTimeSec;
  if (rec.leaseTimeSec === INFINITE_LEASE) s.LeaseTimeRemaining = -1;
  else if (rec.expiresAtMs !== undefined) {
    s.LeaseTimeRemaining = Math.floor((rec.expiresAtMs - nowMs) / 1000);
    if (s.LeaseTimeRemaining <= 0) s.DHCPStatus = "Init";
  }
  return s;
}

function answer(r: ProbeReply): DhcpServerAnswer {
  const o = r.message.options;
  const a: DhcpServerAnswer = { type: r.type, DHCPServer: o.serverId ?? r.from, from: r.from, IPRouters: o.routers ?? [], DNSServers: o.dnsServers ?? [], receivedAfterMs: r.receivedAfterMs };
  if (r.type === "OFFER") a.IPAddress = r.message.yiaddr;
  if (o.subnetMask) a.SubnetMask = o.subnetMask;
  if (o.domainName !== undefined) a.DomainName = o.domainName;
  if (o.leaseTimeSec !== undefined) a.leaseTimeSec = o.leaseTimeSec;
  return a;
}

export interface AssessInput {
  iface?: string;
  /** The probed interface holds an IPv4 address (a static one explains a missing lease). */
  hasAddress: boolean;
  lease?: DhcpClientState;
  leaseLookedAt: string[];
  chaddr: string;
  informTo?: string;
  probe: ProbeResult;
}

/** Pure: everything measured to the check's outcome (findings and status). */
export function assessDhcp(inp: AssessInput): CheckOutcome<"dhcp"> {
  const findings: FindingOf<"dhcp">[] = [];
  const data: DhcpData = { leaseLookedAt: inp.leaseLookedAt };
  if (inp.iface) data.interface = inp.iface;
  if (inp.lease) data.lease = inp.lease;

  const l = inp.lease;
  if (!l) {
    findings.push(finding("DHCP_NO_LEASE", "info", `no DHCP lease found${inp.hasAddress ? " (the address may be static)" : ""}`, inp.iface));
  } else if (l.LeaseTimeRemaining !== undefined && l.LeaseTimeRemaining !== -1) {
    const limit = l.leaseTimeSec ? l.leaseTimeSec * LEASE_EXPIRING_FRACTION : LEASE_EXPIRING_FALLBACK_SEC;
    if (l.LeaseTimeRemaining < limit) {
      const msg = l.LeaseTimeRemaining <= 0 ? `lease expired ${-l.LeaseTimeRemaining} s ago` : `lease has ${l.LeaseTimeRemaining} s left (renewal with ${l.DHCPServer ?? "its server"} is failing)`;
      findings.push(finding("DHCP_LEASE_EXPIRING", "warn", msg, inp.iface));
    }
  }

  const p = inp.probe;
  if (!p.ran) {
    const denied = p.code === "EACCES" || p.code === "EADDRINUSE";
    if (denied) findings.push(finding("DHCP_BIND_DENIED", "info", p.reason));
    return { status: "skipped", skipReason: `DHCP probe not run: ${p.reason}`, findings, data };
  }
  if (!p.discoverSent && !p.informSent) {
    const codes = p.sendErrors.map((e) => `${e.what}: ${e.code}`).join(", ");
    const why = p.sendErrors.some((e) => e.code === "ENETUNREACH") ? " (no route for the broadcast and no interface to send from)" : "";
    return { status: "skipped", skipReason: `DHCP probe could not send (${codes})${why}`, findings, data };
  }

  const offers = p.offers.map(answer);
  const informReply = p.informReply ? answer(p.informReply) : undefined;
  const servers = [...new Set([...offers, ...(informReply ? [informReply] : [])].map((a) => a.DHCPServer))];
  data.probe = { chaddr: inp.chaddr, discoverSent: p.discoverSent, offers, servers, sendErrors: p.sendErrors, malformedReplies: p.malformed };
  if (p.informSent && inp.informTo) data.probe.informSentTo = inp.informTo;
  if (informReply) data.probe.informReply = informReply;

  if (p.discoverSent && offers.length === 0) {
    // A host with a static address and no lease may live on a segment without DHCP at all.
    const severity = !l && inp.hasAddress ? "warn" : "fail";
    findings.push(finding("DHCP_NO_OFFER", severity, "no DHCP server answered the DISCOVER", inp.iface));
  }
  if (servers.length > 1) {
    findings.push(finding("DHCP_ROGUE_SERVER", "fail", `more than one DHCP server answers on this segment: ${servers.join(", ")}`, inp.iface));
  }
  if (p.informSent && informReply?.type !== "ACK") {
    // Warn only: many home routers ignore INFORM while serving DISCOVER/REQUEST fine.
    const what = informReply ? `answered the INFORM with ${informReply.type}` : "did not acknowledge the INFORM";
    findings.push(finding("DHCP_INFORM_NO_ACK", "warn", `${inp.informTo ?? "the DHCP server"} ${what}`, inp.iface));
  }
  const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
  return { status, findings, data };
}

function pickInterface(ctx: CheckContext, ifaces: InterfaceInfo[], routes: RouteInfo[]): InterfaceInfo | undefined {
  // The host check's primary interface (the same pure choice on the same data, without waiting for
  // that check): the one that should carry traffic, chosen even when it has no address and no
  // route, exactly the state this probe exists for.
  const wanted = ctx.targets.dhcp.interface ?? primaryInterface(ifaces, routes);
  return wanted ? ifaces.find((i) => i.name === wanted) : undefined;
}

export async function runDhcp(ctx: CheckContext, signal: AbortSignal, deps: DhcpDeps): Promise<CheckOutcome<"dhcp">> {
  const [ifaces, routes] = await Promise.all([ctx.system.interfaces(signal), ctx.system.routes(signal)]);
  const configured = ctx.targets.dhcp.interface;
  if (configured !== undefined && !IFNAME.test(configured)) throw new TypeError(`invalid interface name: ${configured}`);
  const iface = pickInterface(ctx, ifaces, routes);
  if (configured && !iface) {
    return { status: "skipped", skipReason: `interface ${configured} not found`, findings: [], data: { interface: configured, leaseLookedAt: [] } };
  }
  if (iface && !IFNAME.test(iface.name)) throw new TypeError(`invalid interface name: ${iface.name}`);

  const found = iface ? await findLease(iface, { ...deps.locations, extraFiles: ctx.targets.dhcp.leaseFiles }, ctx.spawn, signal) : { looked: [] };
  const lease = found.lease ? clientState(found.lease, ctx.now()) : undefined;
  const ownAddress = iface?.ipv4[0]?.address;
  const chaddr = randomLocalMac();
  const mode = ctx.targets.dhcp.mode;
  const informTo = lease?.DHCPServer ?? LIMITED_BROADCAST;
  const base = { hasAddress: ownAddress !== undefined, leaseLookedAt: found.looked, chaddr, ...(iface ? { iface: iface.name } : {}), ...(lease ? { lease } : {}) };

  let probe: ProbeResult;
  if (iface && (!iface.adminUp || iface.carrier === false)) {
    // Nothing sent on a link that is down can reach a server: silence there is not DHCP_NO_OFFER.
    probe = { ran: false, code: "LINK_DOWN", reason: `${iface.name} is ${iface.adminUp ? "up without carrier" : "administratively down"}, so a DISCOVER cannot leave it` };
  } else if (!ctx.privileged) {
    const need = ownAddress ? "binding UDP port 68 needs root or CAP_NET_BIND_SERVICE" : "a packet socket (AF_PACKET) on an interface without an address needs root or CAP_NET_RAW";
    probe = { ran: false, code: "EACCES", reason: `${need} (agent not privileged)` };
  } else if (mode === "inform" && !ownAddress) {
    probe = { ran: false, code: "NO_ADDRESS", reason: `mode inform needs an IPv4 address on ${iface?.name ?? "an interface"}` };
  } else {
    probe = await deps.probe({
      discover: mode !== "inform",
      ...(mode !== "discover" && ownAddress ? { inform: { ciaddr: ownAddress, to: informTo } } : {}),
      ...(ownAddress ? { sourceAddress: ownAddress } : {}),
      ...(iface ? { interface: iface.name } : {}),
      helperStartMs: TIMEOUTS.dhcpHelperStartMs,
      chaddr,
      collectMs: TIMEOUTS.dhcpCollectMs,
      ...(ctx.targets.dhcp.fullSweep ? {} : { graceAfterFirstOfferMs: TIMEOUTS.dhcpGraceAfterOfferMs }),
      signal,
    });
  }
  return assessDhcp({ ...base, informTo, probe });
}

export const dhcpCheck = defineCheck({
  id: "dhcp",
  title: "DHCP lease and an allocation-free DISCOVER/INFORM probe (rogue servers, no offer)",
  timeoutMs: TIMEOUTS.check.dhcp,
  run: (ctx, signal) => runDhcp(ctx, signal, { locations: DEFAULT_LEASE_LOCATIONS, probe: runDhcpProbe }),
});
