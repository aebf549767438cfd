// The agent's view of its own host: interfaces, routes, resolvers. Checks read it only through this
// interface so tests can inject a made-up host, and lab runs see the namespace's real one.
export interface InterfaceInfo {
  name: string;
  /** Interface index (for lease files keyed by ifindex); undefined when unknown. */
  index?: number;
  mac?: string;
  /** Administratively up (IFF_UP). */
  adminUp: boolean;
  /** Operational state as the kernel reports it: up, down, dormant, unknown, lowerlayerdown. */
  operState: string;
  /** Carrier present; undefined = not measured (e.g. loopback / virtual). */
  carrier?: boolean;
  mtu?: number;
  /** Link speed in Mbit/s; undefined when the driver does not say. */
  speedMbps?: number;
  duplex?: string;
  ipv4: { address: string; prefixLength: number }[];
  ipv6: { address: string; prefixLength: number }[];
  loopback: boolean;
  /** Wireless interface; undefined = not measured. */
  wireless?: boolean;
}

export interface RouteInfo {
  /** "default" or a CIDR. */
  destination: string;
  gateway?: string;
  dev?: string;
  family: 4 | 6;
}

export interface WifiInfo {
  iface: string;
  ssid?: string;
  /** 0..100 quality; undefined = not measured. */
  quality?: number;
  signalDbm?: number;
}

export interface NeighbourInfo {
  address: string;
  dev: string;
  mac?: string;
  /** Kernel NUD state: REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT, NOARP. */
  state: string;
}

export interface SystemView {
  interfaces(signal: AbortSignal): Promise<InterfaceInfo[]>;
  routes(signal: AbortSignal): Promise<RouteInfo[]>;
  /** Resolvers the OS is configured with (resolv.conf nameserver lines). */
  resolvers(signal: AbortSignal): Promise<string[]>;
  /** Neighbour (ARP/NDP) table. */
  neighbours(signal: AbortSignal): Promise<NeighbourInfo[]>;
  wifi(signal: AbortSignal): Promise<WifiInfo[]>;
}
