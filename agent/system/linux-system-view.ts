// The real SystemView on Linux, from `ip -j` (iproute2's JSON output: stable, non-blocking, and
// namespace-aware, unlike systeminformation's blocking calls) plus /sys and resolv.conf.
import { readdir, readFile } from "node:fs/promises";
import type { Spawner } from "./spawn.js";
import type { InterfaceInfo, NeighbourInfo, RouteInfo, SystemView, WifiInfo } from "./system-view.js";
import { readWifi } from "./wifi.js";

const IP_TIMEOUT_MS = 3000;

interface IpAddrJson {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  link_type?: string;
  address?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

/** Pure: `ip -j addr show` output to interfaces (carrier/speed filled in separately from /sys). */
export function parseIpAddrJson(stdout: string): InterfaceInfo[] {
  const rows = JSON.parse(stdout || "[]") as IpAddrJson[];
  return rows.map((r) => {
    const flags = r.flags ?? [];
    const loopback = r.link_type === "loopback" || flags.includes("LOOPBACK");
    const info: InterfaceInfo = {
      name: r.ifname ?? "?",
      adminUp: flags.includes("UP"),
      operState: (r.operstate ?? "UNKNOWN").toLowerCase(),
      ipv4: [],
      ipv6: [],
      loopback,
    };
    if (r.ifindex !== undefined) info.index = r.ifindex;
    if (r.address && !loopback) info.mac = r.address;
    if (r.mtu !== undefined) info.mtu = r.mtu;
    // LOWER_UP is the kernel's carrier bit; NO-CARRIER is shown when admin-up without carrier.
    if (!loopback) info.carrier = flags.includes("LOWER_UP") ? true : flags.includes("UP") ? false : undefined;
    for (const a of r.addr_info ?? []) {
      if (!a.local || a.prefixlen === undefined) continue;
      if (a.family === "inet") info.ipv4.push({ address: a.local, prefixLength: a.prefixlen });
      else if (a.family === "inet6") info.ipv6.push({ address: a.local, prefixLength: a.prefixlen });
    }
    return info;
  });
}

interface IpRouteJson {
  dst?: string;
  gateway?: string;
  dev?: string;
}

/** Pure: `ip -j route show` (one family) to routes. */
export function parseIpRouteJson(stdout: string, family: 4 | 6): RouteInfo[] {
  const rows = JSON.parse(stdout || "[]") as IpRouteJson[];
  return rows.map((r) => {
    const route: RouteInfo = { destination: r.dst ?? "default", family };
    if (r.gateway) route.gateway = r.gateway;
    if (r.dev) route.dev = r.dev;
    return route;
  });
}

interface IpNeighJson {
  dst?: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

/** Pure: `ip -j neigh show` to neighbour entries. */
export function parseIpNeighJson(stdout: string): NeighbourInfo[] {
  const rows = JSON.parse(stdout || "[]") as IpNeighJson[];
  return rows
    .filter((r) => r.dst && r.dev)
    .map((r) => {
      const n: NeighbourInfo = { address: r.dst!, dev: r.dev!, state: (r.state ?? ["NONE"]).join(",") };
      if (r.lladdr) n.mac = r.lladdr;
      return n;
    });
}

/** Pure: nameserver lines of resolv.conf. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1]) out.push(m[1].replace(/%.*$/, ""));
  }
  return out;
}

export class LinuxSystemView implements SystemView {
  constructor(
    private readonly spawn: Spawner,
    private readonly resolvConfPath = "/etc/resolv.conf",
    private readonly sysClassNet = "/sys/class/net",
  ) {}

  private async ipJson(args: string[], signal: AbortSignal): Promise<string> {
    const r = await this.spawn("ip", ["-j", ...args], { signal, timeoutMs: IP_TIMEOUT_MS });
    if (r.spawnError) throw Object.assign(new Error(`ip: ${r.spawnError} (is iproute2 installed?)`), { code: "IP_BINARY_MISSING" });
    if (r.code !== 0) throw Object.assign(new Error(`ip ${args.join(" ")} failed: ${r.stderr.trim()}`), { code: "IP_COMMAND_FAILED" });
    return r.stdout;
  }

  async interfaces(signal: AbortSignal): Promise<InterfaceInfo[]> {
    const list = parseIpAddrJson(await this.ipJson(["addr", "show"], signal));
    await Promise.all(
      list.map(async (i) => {
        if (i.loopback) return;
        const speed = await readSys(`${this.sysClassNet}/${i.name}/speed`);
        if (speed && Number(speed) > 0) i.speedMbps = Number(speed);
        const duplex = await readSys(`${this.sysClassNet}/${i.name}/duplex`);
        if (duplex && duplex !== "unknown") i.duplex = duplex;
        const wireless = await this.isWireless(i.name);
        if (wireless !== undefined) i.wireless = wireless;
      }),
    );
    return list;
  }

  async routes(signal: AbortSignal): Promise<RouteInfo[]> {
    const [v4, v6] = await Promise.all([
      this.ipJson(["-4", "route", "show"], signal),
      this.ipJson(["-6", "route", "show"], signal),
    ]);
    return [...parseIpRouteJson(v4, 4), ...parseIpRouteJson(v6, 6)];
  }

  async resolvers(): Promise<string[]> {
    try {
      return parseResolvConf(await readFile(this.resolvConfPath, "utf8"));
    } catch {
      return [];
    }
  }

  async neighbours(signal: AbortSignal): Promise<NeighbourInfo[]> {
    return parseIpNeighJson(await this.ipJson(["neigh", "show"], signal));
  }

  /** Wireless per the kernel's uevent (DEVTYPE=wlan); undefined when /sys cannot say. */
  private async isWireless(name: string): Promise<boolean | undefined> {
    const uevent = await readSys(`${this.sysClassNet}/${name}/uevent`);
    return uevent === undefined ? undefined : /^DEVTYPE=wlan$/m.test(uevent);
  }

  async wifi(signal: AbortSignal): Promise<WifiInfo[]> {
    // `iw`, not systeminformation.wifiConnections(): the latter blocks the event loop (LIBRARIES.md).
    let names: string[];
    try {
      names = await readdir(this.sysClassNet);
    } catch {
      return [];
    }
    const wireless: string[] = [];
    for (const n of names) if (await this.isWireless(n)) wireless.push(n);
    return wireless.length ? readWifi(this.spawn, wireless, signal) : [];
  }
}

async function readSys(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}
