// Step data of the `routeros` check: a MikroTik router's own view of its WAN over the RouterOS API
// (link, DHCP client, default route, a router-side ping). Produced by agent/checks/routeros.ts.
// Field names follow TR-181 where one fits; undefined = not measured.
import { z } from "zod";
import { Addr, Count, Counter, List, Ms, Pct, Str } from "./common.js";

export const RouterOsFindingCode = z.enum([
  "ROUTEROS_UNREACHABLE",
  "ROUTEROS_AUTH_FAILED",
  "WAN_LINK_DOWN",
  "WAN_DISABLED",
  "WAN_DHCP_NOT_BOUND",
  "NO_DEFAULT_ROUTE_ON_ROUTER",
  "ROUTER_PING_FAILED",
  "INTERFACE_ERRORS",
  "ROUTER_REBOOTED_RECENTLY",
]);
export type RouterOsFindingCode = z.infer<typeof RouterOsFindingCode>;

/** How a RouterOS API exchange failed (agent/checks/routeros/adapter.ts maps every error to one). */
export const RosErrorCode = z.enum(["ROUTEROS_UNREACHABLE", "ROUTEROS_AUTH_FAILED", "ROUTEROS_TRAP", "ROUTEROS_TIMEOUT", "ROUTEROS_FATAL"]);
export type RosErrorCode = z.infer<typeof RosErrorCode>;

export const RosError = z.strictObject({ code: RosErrorCode, message: Str(1000) });
export type RosError = z.infer<typeof RosError>;

const Name = Str(128);

export const RosSystem = z.strictObject({
  uptimeS: z.number().int().nonnegative().optional(),
  version: Str(100).optional(),
  boardName: Str(100).optional(),
  cpuLoadPct: Pct.optional(),
  freeMemoryBytes: Counter.optional(),
  totalMemoryBytes: Counter.optional(),
});
export type RosSystem = z.infer<typeof RosSystem>;

export const RosInterface = z.strictObject({
  name: Name,
  type: Str(64).optional(),
  running: z.boolean().optional(),
  disabled: z.boolean().optional(),
  rxError: Counter.optional(),
  txError: Counter.optional(),
  rxPacket: Counter.optional(),
  txPacket: Counter.optional(),
  linkDowns: Counter.optional(),
});
export type RosInterface = z.infer<typeof RosInterface>;

export const RosEthernet = z.strictObject({
  name: Name,
  /** RouterOS monitor status: link-ok, no-link, unknown. */
  status: Str(64).optional(),
  linkOk: z.boolean().optional(),
  rate: Str(32).optional(),
  fullDuplex: z.boolean().optional(),
});
export type RosEthernet = z.infer<typeof RosEthernet>;

export const RosDhcpClient = z.strictObject({
  interface: Name,
  /** RouterOS status (bound, searching..., requesting..., rebinding..., stopped); TR-181 DHCPStatus. */
  DHCPStatus: Str(64).optional(),
  disabled: z.boolean().optional(),
  IPAddress: Addr.optional(),
  IPRouters: Addr.optional(),
  LeaseTimeRemainingS: z.number().int().optional(),
});
export type RosDhcpClient = z.infer<typeof RosDhcpClient>;

export const RosDefaultRoute = z.strictObject({
  gateway: Addr.optional(),
  /** Outgoing interface when the router says (immediate-gw "a.b.c.d%ether1", gateway-status, or an interface gateway). */
  interface: Name.optional(),
  active: z.boolean().optional(),
  disabled: z.boolean().optional(),
});
export type RosDefaultRoute = z.infer<typeof RosDefaultRoute>;

/** Router-side ping (TR-181 IPPing naming with units). */
export const RosPing = z.strictObject({
  host: Addr,
  sent: Count,
  /** TR-181 SuccessCount. */
  received: Count,
  lossPct: Pct,
  rttMs: List(Ms, 100),
  minMs: Ms.optional(),
  avgMs: Ms.optional(),
  maxMs: Ms.optional(),
});
export type RosPing = z.infer<typeof RosPing>;

export const RosLogLine = z.strictObject({ time: Str(64), topics: Str(200), message: Str(1000) });
export type RosLogLine = z.infer<typeof RosLogLine>;

/** The router's next hop towards the ISP (the ISP edge), from its own tables. */
export const RosWanGateway = z.strictObject({
  /** The ISP edge's address; undefined = the default route names an interface only (PPPoE). */
  address: Addr.optional(),
  /** The interface it is reached by, when the router says. */
  interface: Name.optional(),
  /** default-route: the active 0.0.0.0/0 route; dhcp-client: the gateway the WAN DHCP lease names. */
  source: z.enum(["default-route", "dhcp-client"]),
});
export type RosWanGateway = z.infer<typeof RosWanGateway>;

export const WanSource = z.enum(["config", "dhcp-client", "default-route", "pppoe"]);
export type WanSource = z.infer<typeof WanSource>;

export const RouterOsDeviceReport = z.strictObject({
  host: Addr,
  port: z.number().int().min(1).max(65535),
  tls: z.boolean(),
  /** Set when connect/login failed; then every other field is undefined (not measured). */
  error: RosError.optional(),
  system: RosSystem.optional(),
  interfaces: List(RosInterface, 512).optional(),
  wan: z
    .strictObject({
      name: Name,
      source: WanSource,
      type: Str(64).optional(),
      running: z.boolean().optional(),
      disabled: z.boolean().optional(),
      ethernet: RosEthernet.optional(),
    })
    .optional(),
  /** The DHCP client on the WAN interface; undefined = none there or not measured. */
  dhcpClient: RosDhcpClient.optional(),
  /** Default routes (dst 0.0.0.0/0); [] = measured, none configured. */
  defaultRoutes: List(RosDefaultRoute, 64).optional(),
  /** The ISP edge's address (the active default route's gateway, else the WAN DHCP lease's); undefined = not measured. */
  wanGateway: RosWanGateway.optional(),
  /** The router's own ping to the first internet anchor (its traffic, not the PC's): RosPing; undefined = not measured. */
  ping: RosPing.optional(),
  log: List(RosLogLine, 100).optional(),
  /** Commands that did not answer (trap, timeout, lost connection): their fields stay undefined. */
  commandErrors: List(z.strictObject({ command: Str(200), code: RosErrorCode, message: Str(1000) }), 32),
});
export type RouterOsDeviceReport = z.infer<typeof RouterOsDeviceReport>;

export const RouterOsData = z.strictObject({
  devices: List(RouterOsDeviceReport, 5),
});
export type RouterOsData = z.infer<typeof RouterOsData>;
