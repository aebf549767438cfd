// Pure judgement of the host's own network configuration: which interface should carry traffic, and
// whether it can reach its gateway by construction (admin state, carrier, address, route, on-link).
import type { FindingOf, HostData, HostFindingCode, HostInterface, PrimaryReason, Severity } from "../../../shared/checks.js";
import type { InterfaceInfo, RouteInfo, WifiInfo } from "../../system/system-view.js";
import { inSubnetV4, isApipa } from "./ipv4.js";

export type { HostData, HostFindingCode, HostInterface, PrimaryReason } from "../../../shared/checks.js";

/** DOMAIN.md §3: a Wi-Fi signal below 30/100 is weak. */
export const WIFI_WEAK_QUALITY = 30;

export interface HostSnapshot {
  interfaces: InterfaceInfo[];
  routes: RouteInfo[];
  resolvers: string[];
  /** undefined = not measured. */
  wifi?: WifiInfo[];
}

export interface HostAssessment {
  status: "ok" | "warn" | "fail";
  findings: FindingOf<"host">[];
  data: HostData;
}

// Interfaces a customer's traffic never leaves by: container bridges, VPN tunnels, VM networks. Used
// only to rank candidates for "primary" when there is no default route to say so.
const VIRTUAL_NAME = /^(docker|br-|virbr|veth|vnet|vmnet|tun|tap|wg|tailscale|zt|lxc|lxd|cni|flannel|cali|kube|dummy|sit|ip6tnl|gre|ipip)/;

function toHostInterface(i: InterfaceInfo): HostInterface {
  const Status: HostInterface["Status"] = !i.adminUp ? "Down" : i.carrier === false ? "LowerLayerDown" : i.carrier === true || i.operState === "up" ? "Up" : "Unknown";
  const out: HostInterface = {
    name: i.name,
    Status,
    adminUp: i.adminUp,
    operState: i.operState,
    ipv4: i.ipv4.map((a) => ({ ...a, apipa: isApipa(a.address) })),
    ipv6: i.ipv6.map((a) => ({ ...a })),
  };
  if (i.index !== undefined) out.index = i.index;
  if (i.mac !== undefined) out.mac = i.mac;
  if (i.carrier !== undefined) out.carrier = i.carrier;
  if (i.speedMbps !== undefined) out.CurrentBitRate = i.speedMbps;
  const duplex = i.duplex?.toLowerCase();
  if (duplex === "full") out.CurrentDuplexMode = "Full";
  else if (duplex === "half") out.CurrentDuplexMode = "Half";
  if (i.mtu !== undefined) out.MaxMTUSize = i.mtu;
  if (i.wireless !== undefined) out.wireless = i.wireless;
  return out;
}

/** Picks the interface that should carry traffic (see HostData.primary). */
export function pickPrimary(
  interfaces: HostInterface[],
  defaultRoutes: HostData["defaultRoutes"],
): { name: string; reason: PrimaryReason } | undefined {
  const byName = new Map(interfaces.map((i) => [i.name, i]));
  const routed = defaultRoutes.find((r) => r.family === 4 && r.dev && byName.has(r.dev)) ?? defaultRoutes.find((r) => r.dev && byName.has(r.dev));
  if (routed?.dev) return { name: routed.dev, reason: "default-route" };
  const physical = interfaces.filter((i) => !VIRTUAL_NAME.test(i.name));
  const pool = physical.length > 0 ? physical : interfaces;
  const hasV4 = (i: HostInterface) => i.ipv4.length > 0;
  const ranked: [PrimaryReason, (i: HostInterface) => boolean][] = [
    ["carrier-and-address", (i) => i.adminUp && i.carrier !== false && i.ipv4.some((a) => !a.apipa)],
    ["carrier-and-address", (i) => i.adminUp && i.carrier === true && hasV4(i)],
    ["carrier", (i) => i.adminUp && i.carrier === true],
    ["configured-address", (i) => hasV4(i)],
  ];
  for (const [reason, pred] of ranked) {
    const hit = pool.find(pred);
    if (hit) return { name: hit.name, reason };
  }
  if (pool.length === 1) return { name: pool[0]!.name, reason: "only-interface" };
  return undefined;
}

/**
 * The primary interface (HostData.primary) straight from the system view, for checks that probe it
 * without waiting for the host check (dhcp): the same choice from the same data.
 */
export function primaryInterface(interfaces: readonly InterfaceInfo[], routes: readonly RouteInfo[]): string | undefined {
  const hosts = interfaces.filter((i) => !i.loopback).map(toHostInterface);
  const defaults = routes.filter((r) => r.destination === "default").map((r) => ({ family: r.family, ...(r.dev ? { dev: r.dev } : {}) }));
  return pickPrimary(hosts, defaults)?.name;
}

/** Judges a host snapshot. Collects every problem; faultSegment names the first one in chain order. */
export function assessHost(snap: HostSnapshot): HostAssessment {
  const interfaces = snap.interfaces.filter((i) => !i.loopback).map(toHostInterface);
  const defaultRoutes = snap.routes
    .filter((r) => r.destination === "default")
    .map((r) => ({ family: r.family, ...(r.gateway ? { gateway: r.gateway } : {}), ...(r.dev ? { dev: r.dev } : {}) }));
  const data: HostData = { interfaces, defaultRoutes, resolvers: [...snap.resolvers] };
  if (snap.wifi !== undefined && snap.wifi.length > 0) data.wifi = snap.wifi.map((w) => ({ ...w }));

  const gw = defaultRoutes.find((r) => r.family === 4 && r.gateway) ?? defaultRoutes.find((r) => r.gateway);
  if (gw?.gateway) {
    data.gateway = gw.gateway;
    if (gw.dev) data.gatewayDev = gw.dev;
  }

  const findings: HostAssessment["findings"] = [];
  const add = (code: HostFindingCode, severity: Severity, message: string, subject?: string) =>
    findings.push({ code, severity, message, ...(subject ? { subject } : {}) });

  const primaryPick = pickPrimary(interfaces, defaultRoutes);
  const primary = primaryPick ? interfaces.find((i) => i.name === primaryPick.name) : undefined;
  if (primaryPick) {
    data.primary = primaryPick.name;
    data.primaryReason = primaryPick.reason;
  }

  // Chain order matters: the first failing link is the fault, later ones are its consequences.
  if (!interfaces.some((i) => i.adminUp && i.carrier !== false)) {
    add("NO_INTERFACE_UP", "fail", interfaces.length === 0 ? "no network interface besides loopback" : "no network interface is up with a link");
  }
  if (primary && !primary.adminUp) {
    add("NIC_ADMIN_DOWN", "fail", `interface ${primary.name} is administratively down (disabled)`, primary.name);
  } else if (primary && primary.carrier === false) {
    add("NO_CARRIER", "fail", `interface ${primary.name} is enabled but has no link (cable unplugged, peer off, Wi-Fi not associated)`, primary.name);
  }

  const hasV6Default = defaultRoutes.some((r) => r.family === 6);
  if (primary) {
    const v4 = primary.ipv4;
    if (v4.length === 0) {
      // An IPv6-only host with an IPv6 default route is unusual for a home line but not broken.
      add("NO_IPV4_ADDRESS", hasV6Default ? "warn" : "fail", `interface ${primary.name} has no IPv4 address`, primary.name);
    } else if (v4.every((a) => a.apipa)) {
      add("APIPA_ADDRESS", "fail", `interface ${primary.name} has only a self-assigned 169.254/16 address: DHCP got no answer`, primary.name);
    }
  } else if (interfaces.length > 0) {
    add("NO_IPV4_ADDRESS", "fail", "no interface has an IPv4 address");
  }

  const hasV4Default = defaultRoutes.some((r) => r.family === 4);
  if (!hasV4Default) {
    add("NO_DEFAULT_ROUTE", hasV6Default ? "warn" : "fail", hasV6Default ? "no IPv4 default route (IPv6 only)" : "no default route: the host does not know where to send internet traffic");
  }

  const gw4 = defaultRoutes.find((r) => r.family === 4 && r.gateway);
  if (gw4?.gateway) {
    const dev = interfaces.find((i) => i.name === gw4.dev);
    const onLink = (dev?.ipv4 ?? []).some((a) => inSubnetV4(gw4.gateway!, a.address, a.prefixLength));
    data.gatewayOnLink = onLink;
    if (!onLink) add("GATEWAY_NOT_ON_LINK", "fail", `gateway ${gw4.gateway} is outside every subnet of ${gw4.dev ?? "its interface"}`, gw4.gateway);
  }

  if (data.resolvers.length === 0) add("NO_RESOLVERS", "warn", "no DNS resolver configured: names cannot resolve");

  if (primary) {
    const wifi = data.wifi?.find((w) => w.iface === primary.name);
    if (wifi?.quality !== undefined && wifi.quality < WIFI_WEAK_QUALITY) {
      add("WIFI_WEAK_SIGNAL", "warn", `Wi-Fi signal on ${primary.name} is weak (${wifi.quality}/100${wifi.signalDbm !== undefined ? `, ${wifi.signalDbm} dBm` : ""})`, primary.name);
    }
    if (primary.CurrentDuplexMode === "Half" && primary.carrier !== false) {
      add("DUPLEX_HALF", "warn", `interface ${primary.name} runs half duplex (duplex mismatch with the router/switch likely)`, primary.name);
    }
  }

  const SEGMENT: Partial<Record<HostFindingCode, "host" | "lan">> = {
    NO_INTERFACE_UP: "host",
    NIC_ADMIN_DOWN: "host",
    NO_CARRIER: "lan",
    NO_IPV4_ADDRESS: "host",
    APIPA_ADDRESS: "host",
    NO_DEFAULT_ROUTE: "host",
    GATEWAY_NOT_ON_LINK: "host",
  };
  // NO_INTERFACE_UP is a summary: prefer the specific cause on the primary interface when there is one.
  const blocking = findings.filter((f) => f.severity === "fail" && SEGMENT[f.code]);
  const decisive = (primary ? blocking.find((f) => f.code !== "NO_INTERFACE_UP") : undefined) ?? blocking[0];
  if (decisive) {
    data.faultSegment = SEGMENT[decisive.code]!;
    data.blockedBy = decisive.code;
  }

  const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
  return { status, findings, data };
}
