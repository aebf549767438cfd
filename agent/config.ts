// The agent's one config schema: parsed once at start (defaults applied here, nowhere else) and
// passed down. It holds the customer's device secrets, so it is written 0600 and never sent anywhere.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { ControlHost, HostTarget, ServiceTarget } from "../shared/targets.js";

/**
 * Real-world defaults: well-known public anchors and resolvers. Every one is overridable, and every
 * test, benchmark and lab run overrides them (network safety: nothing here is ever probed in tests).
 */
export const PUBLIC_ANCHORS = ["1.1.1.1", "8.8.8.8", "9.9.9.9"] as const;
export const PUBLIC_RESOLVERS = ["1.1.1.1", "8.8.8.8"] as const;
export const DEFAULT_NAMES = ["example.com", "www.google.com"] as const;
/** Hosts the service check connects to on the service's own port when that connect fails: large,
 * well-run hosts that answer (SYN-ACK or RST) from everywhere on at least 80 and 443. */
export const PUBLIC_CONTROL_HOSTS = ["1.1.1.1", "8.8.8.8"] as const;

const SnmpV2Device = z.object({
  host: HostTarget,
  port: z.number().int().min(1).max(65535).default(161),
  version: z.literal("2c"),
  community: z.string().min(1).max(200),
  /** ifIndex of the WAN interface; undefined = find it automatically. */
  wanIfIndex: z.number().int().positive().optional(),
});
const SnmpV3Device = z.object({
  host: HostTarget,
  port: z.number().int().min(1).max(65535).default(161),
  version: z.literal("3"),
  user: z.string().min(1).max(200),
  authProtocol: z.enum(["sha", "sha256", "md5"]).default("sha"),
  authKey: z.string().min(8).max(200),
  privProtocol: z.enum(["aes", "des"]).default("aes"),
  privKey: z.string().min(8).max(200),
  wanIfIndex: z.number().int().positive().optional(),
});
export const SnmpDevice = z.discriminatedUnion("version", [SnmpV2Device, SnmpV3Device]);
export type SnmpDevice = z.infer<typeof SnmpDevice>;

export const RouterOsDevice = z.object({
  host: HostTarget,
  /** api: 8728 plain, api-ssl: 8729 TLS. */
  tls: z.boolean().default(false),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).max(200),
  password: z.string().max(200),
  /** For api-ssl with the router's self-signed certificate: its SHA-256 fingerprint to pin. */
  fingerprint256: z.string().max(200).optional(),
  wanInterface: z.string().max(100).optional(),
});
export type RouterOsDevice = z.infer<typeof RouterOsDevice>;

/** A DNS server: "IP" (port 53) or "IP:PORT" / "[IPv6]:PORT" (loopback stubs in tests). */
export const DnsServer = z.string().refine(
  (s) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(s);
    if (m) return Number(m[3]) >= 1 && Number(m[3]) <= 65535 && z.union([z.ipv4(), z.ipv6()]).safeParse(m[1] ?? m[2]).success;
    return z.union([z.ipv4(), z.ipv6()]).safeParse(s).success;
  },
  { message: "DNS server must be an IP address, IP:PORT or [IPv6]:PORT" },
);

export const DhcpOptions = z.object({
  /** Interface to probe; undefined = the one holding the default route. */
  interface: z.string().max(15).optional(),
  /** Extra lease files to read besides the OS's standard locations. */
  leaseFiles: z.array(z.string().max(500)).max(10).default([]),
  /** inform: ask the server we have a lease from; discover: find every server (rogue detection). */
  mode: z.enum(["inform", "discover", "both"]).default("both"),
  /** Wait the whole collection window for offers (thorough rogue-server sweep) instead of stopping
   * shortly after the first offer. */
  fullSweep: z.boolean().default(false),
});

export const PathOptions = z.object({
  /** TTL ceiling for the hop list. */
  maxHops: z.number().int().min(1).max(30).default(10),
  /** Probe the path MTU with don't-fragment pings. */
  mtuProbe: z.boolean().default(true),
});

export const AgentTargets = z.object({
  /** Internet anchors pinged by `path` and `ping`. */
  anchors: z.array(HostTarget).min(1).max(10).default([...PUBLIC_ANCHORS]),
  /** Public resolvers asked directly by `dns`, beside the configured ones. */
  publicResolvers: z.array(DnsServer).max(5).default([...PUBLIC_RESOLVERS]),
  /** Override the OS resolvers (normally read from resolv.conf). */
  resolvers: z.array(DnsServer).max(5).optional(),
  /** Names `dns` resolves. */
  names: z.array(HostTarget).min(1).max(10).default([...DEFAULT_NAMES]),
  /** First ISP hop; undefined = discover it with TTL-limited probes. */
  ispHop: HostTarget.optional(),
  /** The service the customer names (URL or host:port). */
  service: ServiceTarget.optional(),
  /**
   * Where the agent runs: on the customer's PC (or a box beside the router), or on the home router
   * itself. On the router its own WAN is the first link and its gateway is the ISP edge, so the verdict
   * names a dead link or address `wan`, not `lan`/`host` (docs/verdict.md).
   */
  placement: z.enum(["pc", "router"]).default("pc"),
  /** Known-good hosts `service` connects to on the same port when the service's connect fails, and
   * shakes hands with over TLS (port 443, or the host:PORT given) when the service's certificate is
   * not trusted (docs/checks/service.md). */
  controlHosts: z.array(ControlHost).max(5).default([...PUBLIC_CONTROL_HOSTS]),
  dhcp: DhcpOptions.default(DhcpOptions.parse({})),
  path: PathOptions.default(PathOptions.parse({})),
  snmp: z.array(SnmpDevice).max(5).default([]),
  routeros: z.array(RouterOsDevice).max(5).default([]),
});
export type AgentTargets = z.infer<typeof AgentTargets>;

export const AgentIdentity = z.object({
  collectorUrl: z.url({ protocol: /^wss?$|^https?$/ }),
  agentId: z.string(),
  secret: z.string(),
  /** PEM of the collector's certificate or CA, pinned at enrollment (wss only). */
  caPem: z.string().optional(),
  /** Allow plain ws:// to a non-loopback collector (logs a warning each connect). */
  insecure: z.boolean().default(false),
  /** The ticket the enrollment code was made for: `authorize` warns about a different one (a typo). */
  ticketId: z.string().max(64).optional(),
});
export type AgentIdentity = z.infer<typeof AgentIdentity>;

export const AgentConfig = z.object({
  identity: AgentIdentity.optional(),
  targets: AgentTargets.default(AgentTargets.parse({})),
  /** Per-check timeout overrides in ms. */
  timeouts: z.record(z.string(), z.number().int().min(100).max(120000)).default({}),
  /** Where grants, the outbox and logs live; default: beside the config file. */
  stateDir: z.string().optional(),
  locale: z.enum(["en", "zh-CN"]).optional(),
  /** Undelivered results kept on disk before new runs are refused (docs/delivery.md). */
  outboxMaxBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The config holds no identity: the agent was never enrolled. */
export class NotEnrolledError extends Error {
  readonly code = "NOT_ENROLLED";
}

export async function loadAgentConfig(path: string): Promise<AgentConfig> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return AgentConfig.parse({});
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = AgentConfig.safeParse(json);
  if (!parsed.success) throw new ConfigError(`config ${path} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Atomic write with mode 0600: the file holds the agent secret and device credentials. */
export async function saveAgentConfig(path: string, cfg: AgentConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(cfg, null, 2) + "\n", { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
