// The current DHCP lease, read where the OS keeps it: pure parsers for systemd-networkd, ISC dhclient
// and NetworkManager (nmcli) formats, and a thin reader that tries each source in turn.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Spawner } from "../../system/spawn.js";

export type LeaseSource = "networkd" | "dhclient" | "nmcli";

/** One lease, in TR-181 DHCPv4.Client terms where they fit. */
export interface LeaseRecord {
  source: LeaseSource;
  /** File the lease came from; undefined for nmcli. */
  path?: string;
  /** Interface the lease is for; undefined when the source does not say (networkd: keyed by ifindex). */
  interface?: string;
  IPAddress?: string;
  SubnetMask?: string;
  IPRouters: string[];
  DNSServers: string[];
  DHCPServer?: string;
  DomainName?: string;
  /** Lease length the server granted (option 51), seconds; undefined = not recorded. */
  leaseTimeSec?: number;
  /** Epoch ms when the lease expires; undefined = unknown. */
  expiresAtMs?: number;
}

const splitList = (s: string | undefined) => (s ? s.split(/[\s,]+/).filter(Boolean) : []);

/**
 * systemd-networkd /run/systemd/netif/leases/<ifindex> (KEY=VALUE, written by sd-dhcp-lease.c
 * dhcp_lease_save). It stores LIFETIME but no acquisition time; networkd rewrites the file on every
 * (re)acquisition, so the file's mtime stands in for it.
 */
export function parseNetworkdLease(text: string, mtimeMs: number | undefined): LeaseRecord | undefined {
  const kv = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!);
  }
  if (!kv.has("ADDRESS")) return undefined;
  const rec: LeaseRecord = { source: "networkd", IPAddress: kv.get("ADDRESS")!, IPRouters: splitList(kv.get("ROUTER")), DNSServers: splitList(kv.get("DNS")) };
  if (kv.has("NETMASK")) rec.SubnetMask = kv.get("NETMASK")!;
  if (kv.has("SERVER_ADDRESS")) rec.DHCPServer = kv.get("SERVER_ADDRESS")!;
  if (kv.has("DOMAINNAME")) rec.DomainName = kv.get("DOMAINNAME")!;
  const life = Number(kv.get("LIFETIME"));
  if (kv.has("LIFETIME") && Number.isFinite(life)) {
    rec.leaseTimeSec = life;
    if (mtimeMs !== undefined) rec.expiresAtMs = mtimeMs + life * 1000;
  }
  return rec;
}

/** dhclient date: "W YYYY/MM/DD HH:MM:SS" (UTC, the default db-time-format) or "epoch N". */
function parseDhclientTime(v: string): number | undefined {
  const e = /^epoch\s+(\d+)/.exec(v);
  if (e) return Number(e[1]) * 1000;
  const m = /^\d\s+(\d{4})\/(\d{2})\/(\d{2})\s+(\d{2}):(\d{2}):(\d{2})/.exec(v);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** ISC dhclient lease database: every `lease { ... }` block in file order (the last is the newest). */
export function parseDhclientLeases(text: string, path?: string): LeaseRecord[] {
  const out: LeaseRecord[] = [];
  for (const block of text.matchAll(/lease\s*\{([^}]*)\}/g)) {
    const rec: LeaseRecord = { source: "dhclient", IPRouters: [], DNSServers: [] };
    if (path) rec.path = path;
    for (const raw of block[1]!.split(";")) {
      const line = raw.replace(/#.*$/gm, "").trim();
      const m = /^(\S+)\s+(.*)$/s.exec(line);
      if (!m) continue;
      const [, key, rest] = m as unknown as [string, string, string];
      const val = rest.trim().replace(/^"(.*)"$/s, "$1");
      if (key === "interface") rec.interface = val;
      else if (key === "fixed-address") rec.IPAddress = val;
      else if (key === "expire") {
        const t = parseDhclientTime(val);
        if (t !== undefined) rec.expiresAtMs = t;
      } else if (key === "option") {
        const o = /^(\S+)\s+(.*)$/s.exec(val);
        if (!o) continue;
        const name = o[1]!;
        const ov = o[2]!.trim().replace(/^"(.*)"$/s, "$1");
        if (name === "subnet-mask") rec.SubnetMask = ov;
        else if (name === "routers") rec.IPRouters = splitList(ov);
        else if (name === "domain-name-servers") rec.DNSServers = splitList(ov);
        else if (name === "dhcp-server-identifier") rec.DHCPServer = ov;
        else if (name === "domain-name") rec.DomainName = ov;
        else if (name === "dhcp-lease-time" && /^\d+$/.test(ov)) rec.leaseTimeSec = Number(ov);
      }
    }
    if (rec.IPAddress) out.push(rec);
  }
  return out;
}

/** `nmcli -t -f DHCP4 device show IF`: lines `DHCP4.OPTION[n]:key = value`. */
export function parseNmcliDhcp4(stdout: string, iface?: string): LeaseRecord | undefined {
  const kv = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^DHCP4\.OPTION\[\d+\]:([a-z0-9_]+)\s*=\s*(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!.trim());
  }
  if (!kv.has("ip_address")) return undefined;
  const rec: LeaseRecord = { source: "nmcli", IPAddress: kv.get("ip_address")!, IPRouters: splitList(kv.get("routers")), DNSServers: splitList(kv.get("domain_name_servers")) };
  if (iface) rec.interface = iface;
  if (kv.has("subnet_mask")) rec.SubnetMask = kv.get("subnet_mask")!;
  if (kv.has("dhcp_server_identifier")) rec.DHCPServer = kv.get("dhcp_server_identifier")!;
  if (kv.has("domain_name")) rec.DomainName = kv.get("domain_name")!;
  const life = Number(kv.get("dhcp_lease_time"));
  if (kv.has("dhcp_lease_time") && Number.isFinite(life)) rec.leaseTimeSec = life;
  const expiry = Number(kv.get("expiry"));
  if (kv.has("expiry") && Number.isFinite(expiry)) rec.expiresAtMs = expiry * 1000;
  return rec;
}

export interface LeaseLocations {
  networkdDir: string;
  dhclientDir: string;
  extraFiles: readonly string[];
}

export const DEFAULT_LEASE_LOCATIONS: Omit<LeaseLocations, "extraFiles"> = {
  networkdDir: "/run/systemd/netif/leases",
  dhclientDir: "/var/lib/dhcp",
};

/** nmcli answers from NetworkManager's memory in milliseconds; 2 s means NM is stuck, not busy. */
const NMCLI_TIMEOUT_MS = 2000;

export interface LeaseLookup {
  lease?: LeaseRecord;
  /** Every place looked at, for the report ("where did you look?"). */
  looked: string[];
}

/** Finds the current lease for `iface`: networkd, then NetworkManager, then dhclient files (newest expiry). */
export async function findLease(
  iface: { name: string; index?: number },
  loc: LeaseLocations,
  spawn: Spawner,
  signal: AbortSignal,
): Promise<LeaseLookup> {
  const looked: string[] = [];
  if (iface.index !== undefined) {
    const p = join(loc.networkdDir, String(iface.index));
    looked.push(p);
    const text = await readFile(p, { encoding: "utf8", signal }).catch(() => undefined);
    if (text !== undefined) {
      const mtime = await stat(p).then((s) => s.mtimeMs, () => undefined);
      const rec = parseNetworkdLease(text, mtime);
      if (rec) return { lease: { ...rec, path: p, interface: iface.name }, looked };
    }
  }

  // Spawned blind: a missing nmcli (ENOENT) simply means NetworkManager is not in charge here.
  const nm = await spawn("nmcli", ["-t", "-f", "DHCP4", "device", "show", iface.name], { signal, timeoutMs: NMCLI_TIMEOUT_MS });
  if (nm.spawnError !== "ENOENT") looked.push(`nmcli -t -f DHCP4 device show ${iface.name}`);
  if (!nm.spawnError && nm.code === 0) {
    const rec = parseNmcliDhcp4(nm.stdout, iface.name);
    if (rec) return { lease: rec, looked };
  }

  const files = [...loc.extraFiles];
  const names = await readdir(loc.dhclientDir).catch(() => [] as string[]);
  for (const n of names) if (/^dhclient.*\.leases?$/.test(n)) files.push(join(loc.dhclientDir, n));
  let best: LeaseRecord | undefined;
  for (const f of files) {
    looked.push(f);
    const text = await readFile(f, { encoding: "utf8", signal }).catch(() => undefined);
    if (text === undefined) continue;
    for (const rec of parseDhclientLeases(text, f)) {
      if (rec.interface !== undefined && rec.interface !== iface.name) continue;
      if (!best || (rec.expiresAtMs ?? 0) >= (best.expiresAtMs ?? 0)) best = rec;
    }
  }
  return best ? { lease: best, looked } : { looked };
}
