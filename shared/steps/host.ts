// Step data of the `host` check: the customer's device itself (interfaces, addresses, default route,
// resolvers, Wi-Fi). Produced by agent/checks/host/assess-host.ts.
import { z } from "zod";
import { Addr, Count, List, Str } from "./common.js";

export const HostFindingCode = z.enum([
  "NO_INTERFACE_UP",
  "NIC_ADMIN_DOWN",
  "NO_CARRIER",
  "NO_IPV4_ADDRESS",
  "APIPA_ADDRESS",
  "NO_DEFAULT_ROUTE",
  "GATEWAY_NOT_ON_LINK",
  "NO_RESOLVERS",
  "WIFI_WEAK_SIGNAL",
  "DUPLEX_HALF",
]);
export type HostFindingCode = z.infer<typeof HostFindingCode>;

const IfName = Str(64);

export const HostInterface = z.strictObject({
  name: IfName,
  index: Count.optional(),
  mac: Str(64).optional(),
  /** TR-181 Ethernet.Interface Status: Up, Down (admin down), LowerLayerDown (admin up, no carrier), Unknown. */
  Status: z.enum(["Up", "Down", "LowerLayerDown", "Unknown"]),
  adminUp: z.boolean(),
  /** Kernel operstate (up, down, dormant, unknown, lowerlayerdown). */
  operState: Str(32),
  /** undefined = not measured (the kernel only reports carrier on an admin-up interface). */
  carrier: z.boolean().optional(),
  /** TR-181 CurrentBitRate in Mbit/s; undefined = the driver does not say (veth, Wi-Fi). */
  CurrentBitRate: z.number().nonnegative().optional(),
  /** TR-181 CurrentDuplexMode; undefined = not reported. */
  CurrentDuplexMode: z.enum(["Full", "Half"]).optional(),
  /** TR-181 IP.Interface MaxMTUSize. */
  MaxMTUSize: Count.optional(),
  /** undefined = not measured. */
  wireless: z.boolean().optional(),
  ipv4: List(z.strictObject({ address: Addr, prefixLength: z.number().int().min(0).max(32), apipa: z.boolean() })),
  ipv6: List(z.strictObject({ address: Addr, prefixLength: z.number().int().min(0).max(128) })),
});
export type HostInterface = z.infer<typeof HostInterface>;

export const PrimaryReason = z.enum(["default-route", "carrier-and-address", "carrier", "configured-address", "only-interface"]);
export type PrimaryReason = z.infer<typeof PrimaryReason>;

export const HostWifi = z.strictObject({
  iface: IfName,
  ssid: Str(64).optional(),
  /** 0..100 quality; undefined = not measured. */
  quality: z.number().min(0).max(100).optional(),
  signalDbm: z.number().optional(),
});
export type HostWifi = z.infer<typeof HostWifi>;

export const HostDefaultRoute = z.strictObject({ family: z.union([z.literal(4), z.literal(6)]), gateway: Addr.optional(), dev: IfName.optional() });

export const HostData = z.strictObject({
  /** Every non-loopback interface. */
  interfaces: List(HostInterface, 256),
  /** The interface that should carry traffic; undefined when the host has no candidate at all. */
  primary: IfName.optional(),
  primaryReason: PrimaryReason.optional(),
  defaultRoutes: List(HostDefaultRoute),
  /** The IPv4 default gateway (else the IPv6 one); undefined = no default route with a gateway. */
  gateway: Addr.optional(),
  gatewayDev: IfName.optional(),
  /** Whether the IPv4 gateway lies in a local subnet of its device; undefined = not judged (no gateway, IPv6). */
  gatewayOnLink: z.boolean().optional(),
  /** resolv.conf nameservers. */
  resolvers: List(Addr),
  /** Wi-Fi links; undefined = not measured (no wireless interface, or no `iw`). */
  wifi: List(HostWifi).optional(),
  /**
   * The first broken link of the chain interface → admin → carrier → address → route → gateway, as
   * the segment it points at: "host" (the device's own configuration) or "lan" (admin up, no carrier).
   * undefined = the host can reach its gateway by construction.
   */
  faultSegment: z.enum(["host", "lan"]).optional(),
  /** The finding code that decided faultSegment. */
  blockedBy: HostFindingCode.optional(),
  /** Where the agent runs (agent config `targets.placement`); undefined = on the customer's PC. */
  placement: z.enum(["pc", "router"]).optional(),
});
export type HostData = z.infer<typeof HostData>;
