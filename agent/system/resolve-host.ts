// Name resolution for checks that connect to a named host (service, snmp, routeros), done the way
// an application's getaddrinfo would (/etc/hosts first, then the system's DNS servers from
// resolv.conf) but cancellable. dns.lookup is getaddrinfo in libuv's thread pool: it cannot be
// cancelled and has no timeout of its own, so a check that gave up on it still left it running, and
// the process could not exit until the system resolver gave up too (issue 9: verdict after ~6 s,
// exit after ~13 s). Here the DNS part is a c-ares Resolver, cancelled on abort and always in
// `finally`, so an aborted check leaves nothing pending.
//
// Differences from glibc's getaddrinfo, accepted: no nsswitch modules beyond files + dns (mDNS,
// LDAP), no `search` domains for single-label names, and IPv4 addresses are listed before IPv6
// ones (RFC 6724 ordering needs the host's source addresses; the probes connect to the first).
import { promises as dns } from "node:dns";
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";

export const HOSTS_PATH = "/etc/hosts";

export interface ResolveOptions {
  /** One DNS attempt (c-ares doubles it on each retry). */
  attemptMs: number;
  tries: number;
  /** The whole resolution, hosts file and DNS included; past it the queries are cancelled. */
  deadlineMs: number;
  signal: AbortSignal;
  /** DNS servers ("IP" or "IP:PORT"); undefined = the system's (resolv.conf). Tests use loopback stubs. */
  servers?: readonly string[];
  /** Hosts file to consult; default /etc/hosts. */
  hostsPath?: string;
}

export type Resolution =
  | {
      ok: true;
      /** literal: the name was an address; hosts: the hosts file (or RFC 6761 localhost); dns: a DNS answer. */
      source: "literal" | "hosts" | "dns";
      /** IPv4 first, then IPv6, each in answer order; never empty. */
      addresses: string[];
    }
  | {
      ok: false;
      /** c-ares code (ENOTFOUND, ENODATA, ESERVFAIL, EREFUSED, ECONNREFUSED, ETIMEOUT…), LOOKUP_TIMEOUT or ABORTED. */
      code: string;
      message: string;
    };

/** Pure: the addresses /etc/hosts gives `name`, in file order (case-insensitive, aliases count). */
export function hostsFileLookup(text: string, name: string): string[] {
  const want = name.toLowerCase().replace(/\.$/, "");
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const [addr, ...names] = raw.replace(/#.*/, "").trim().split(/\s+/);
    if (!addr || !isIP(addr.replace(/%.*$/, ""))) continue;
    if (names.some((n) => n.toLowerCase().replace(/\.$/, "") === want) && !out.includes(addr)) out.push(addr);
  }
  return out;
}

/** RFC 6761 §6.3: "localhost" and names under it are loopback (what nss-myhostname answers too). */
function isLocalhost(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, "");
  return n === "localhost" || n.endsWith(".localhost");
}

/** Resolves `name`; never rejects. Nothing is left running when it returns. */
export async function resolveHost(name: string, o: ResolveOptions): Promise<Resolution> {
  if (isIP(name)) return { ok: true, source: "literal", addresses: [name] };
  if (o.signal.aborted) return { ok: false, code: "ABORTED", message: "cancelled" };

  const hosts = await readFile(o.hostsPath ?? HOSTS_PATH, { encoding: "utf8", signal: o.signal }).catch(() => "");
  const fromFile = hostsFileLookup(hosts, name);
  if (fromFile.length) return { ok: true, source: "hosts", addresses: ordered(fromFile) };
  if (isLocalhost(name)) return { ok: true, source: "hosts", addresses: ["127.0.0.1", "::1"] };

  const resolver = new dns.Resolver({ timeout: o.attemptMs, tries: o.tries });
  if (o.servers) resolver.setServers([...o.servers]);
  let why: "ABORTED" | "LOOKUP_TIMEOUT" | undefined;
  // cancel() fails every pending query with ECANCELLED at once: the work stops, not just the wait.
  const stop = (reason: "ABORTED" | "LOOKUP_TIMEOUT") => {
    why ??= reason;
    resolver.cancel();
  };
  const onAbort = () => stop("ABORTED");
  o.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => stop("LOOKUP_TIMEOUT"), o.deadlineMs);
  try {
    if (o.signal.aborted) stop("ABORTED");
    const aaaaP = settle(resolver.resolve6(name));
    const a = await settle(resolver.resolve4(name));
    // Some resolvers drop AAAA queries: with IPv4 answers in hand, the AAAA gets a moment more only.
    const aaaa = a.addresses?.length ? await within(aaaaP, AAAA_GRACE_MS) : await aaaaP;
    const addresses = [...(a.addresses ?? []), ...(aaaa.addresses ?? [])];
    if (addresses.length) return { ok: true, source: "dns", addresses };
    if (why) return { ok: false, code: why, message: why === "ABORTED" ? "cancelled" : `no answer within ${o.deadlineMs} ms` };
    // The A query's error speaks for the name (AAAA failing alone is common and harmless).
    const code = a.code ?? aaaa.code ?? "ENOTFOUND";
    return { ok: false, code, message: `${name}: ${code}` };
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener("abort", onAbort);
    resolver.cancel();
  }
}

function ordered(addresses: string[]): string[] {
  return [...addresses.filter((a) => isIP(a) === 4), ...addresses.filter((a) => isIP(a) !== 4)];
}

/** How long an AAAA answer may trail a successful A answer (same server, same round trip). */
const AAAA_GRACE_MS = 100;

type Settled = { addresses?: string[]; code?: string };

/** `p`, or "no answer" once `ms` have passed (the timer is cleared either way). */
async function within(p: Promise<Settled>, ms: number): Promise<Settled> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<Settled>((r) => (t = setTimeout(() => r({}), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

async function settle(p: Promise<string[]>): Promise<Settled> {
  try {
    return { addresses: await p };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { code: typeof code === "string" ? code : "EUNKNOWN" };
  }
}
