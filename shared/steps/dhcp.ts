// Step data of the `dhcp` check: the lease the OS holds and an allocation-free DISCOVER/INFORM probe.
// Produced by agent/checks/dhcp.ts. Names follow TR-181 DHCPv4.Client where they fit.
import { z } from "zod";
import { Addr, List, Ms, Str } from "./common.js";

export const DhcpFindingCode = z.enum([
  "DHCP_NO_OFFER",
  "DHCP_INFORM_NO_ACK",
  "DHCP_ROGUE_SERVER",
  "DHCP_LEASE_EXPIRING",
  "DHCP_NO_LEASE",
  "DHCP_BIND_DENIED",
]);
export type DhcpFindingCode = z.infer<typeof DhcpFindingCode>;

export const LeaseSource = z.enum(["networkd", "dhclient", "nmcli"]);
export type LeaseSource = z.infer<typeof LeaseSource>;

/** TR-181 DHCPv4.Client, from the lease the OS holds. */
export const DhcpClientState = z.strictObject({
  /** Bound while the lease runs; Init once it has expired (the client holds nothing valid). */
  DHCPStatus: z.enum(["Bound", "Init"]),
  IPAddress: Addr.optional(),
  SubnetMask: Addr.optional(),
  IPRouters: List(Addr, 16),
  DNSServers: List(Addr, 16),
  DHCPServer: Addr.optional(),
  /** Seconds left (TR-181 unit); -1 = infinite lease; negative below that = expired that long ago; undefined = unknown. */
  LeaseTimeRemaining: z.number().int().optional(),
  /** Lease length granted, seconds; undefined = not recorded. */
  leaseTimeSec: z.number().int().nonnegative().optional(),
  source: LeaseSource,
  path: Str(4096).optional(),
});
export type DhcpClientState = z.infer<typeof DhcpClientState>;

/** One server's answer: an OFFER to our DISCOVER or the ACK (or NAK) to our INFORM. */
export const DhcpServerAnswer = z.strictObject({
  type: z.enum(["OFFER", "ACK", "NAK"]),
  /** Option 54, or the reply's source address when a server omits it. */
  DHCPServer: Addr,
  /** UDP source of the reply (differs from DHCPServer behind a relay). */
  from: Addr,
  /** yiaddr of an OFFER; undefined for an INFORM ACK (nothing is offered). */
  IPAddress: Addr.optional(),
  SubnetMask: Addr.optional(),
  IPRouters: List(Addr, 16),
  DNSServers: List(Addr, 16),
  DomainName: Str(255).optional(),
  /** Option 51, seconds; undefined = not sent. */
  leaseTimeSec: z.number().int().nonnegative().optional(),
  receivedAfterMs: Ms,
});
export type DhcpServerAnswer = z.infer<typeof DhcpServerAnswer>;

export const DhcpProbeData = z.strictObject({
  /** Random locally administered chaddr used, never the host's MAC. */
  chaddr: Str(32),
  discoverSent: z.boolean(),
  /** Where the INFORM went; undefined = not sent (mode, or no own address). */
  informSentTo: Addr.optional(),
  offers: List(DhcpServerAnswer, 32),
  /** undefined = no ACK/NAK to the INFORM (or none sent). */
  informReply: DhcpServerAnswer.optional(),
  /** Distinct server ids seen across all answers. */
  servers: List(Addr, 32),
  sendErrors: List(z.strictObject({ what: z.enum(["discover", "inform"]), code: Str(64) }), 4),
  malformedReplies: z.number().int().nonnegative(),
});
export type DhcpProbeData = z.infer<typeof DhcpProbeData>;

export const DhcpData = z.strictObject({
  /** The interface probed; undefined = none found (DISCOVER then follows the routing table). */
  interface: Str(64).optional(),
  /** undefined = no lease found (static address, or a DHCP client we cannot read). */
  lease: DhcpClientState.optional(),
  /** Lease files and commands consulted. */
  leaseLookedAt: List(Str(4096), 32),
  /** undefined = the probe did not run (see skipReason). */
  probe: DhcpProbeData.optional(),
});
export type DhcpData = z.infer<typeof DhcpData>;
