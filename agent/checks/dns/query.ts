// Asks one DNS server for a set of names through node:dns, one Resolver per server so every error is
// attributable to that server (a shared Resolver does not say which server failed: LIBRARIES.md).
import { promises as dns } from "node:dns";
import type { NsLookupResult } from "../../../shared/checks.js";
import { classifyDnsError, rcodeOf } from "./nslookup-status.js";

export type { NsLookupResult };

export interface QueryOptions {
  /** Per attempt; c-ares doubles it on each retry. */
  timeoutMs: number;
  tries: number;
}

/** Resolves every name at `server` in parallel (A and AAAA). Never rejects for network faults. */
export async function queryServer(server: string, names: readonly string[], opts: QueryOptions, signal: AbortSignal): Promise<NsLookupResult[]> {
  const resolver = new dns.Resolver({ timeout: opts.timeoutMs, tries: opts.tries });
  resolver.setServers([server]);
  // cancel() fails every pending query with ECANCELLED: the abort stops the work, not just the wait.
  const onAbort = () => resolver.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal.aborted) resolver.cancel();
    return await Promise.all(names.map((name) => queryName(resolver, server, name)));
  } finally {
    signal.removeEventListener("abort", onAbort);
    resolver.cancel();
  }
}

async function queryName(resolver: dns.Resolver, server: string, name: string): Promise<NsLookupResult> {
  const t0 = performance.now();
  const [a, aaaa] = await Promise.all([settle(resolver.resolve4(name), t0), settle(resolver.resolve6(name), performance.now())]);
  let { status, outcome } = classifyDnsError(a.code);
  // An IPv6-only name (no A, has AAAA) is resolved as far as an application is concerned.
  if (outcome === "nodata" && aaaa.addresses?.length) ({ status, outcome } = classifyDnsError(undefined));
  const rcode = rcodeOf(a.code);
  return {
    hostName: name,
    dnsServerIP: server,
    status,
    outcome,
    ...(a.code ? { rawCode: a.code } : {}),
    ipAddresses: a.addresses ?? [],
    ...(aaaa.addresses ? { ipv6Addresses: aaaa.addresses } : {}),
    ...(rcode ? { responseTimeMs: a.ms, rcode } : {}),
  };
}

async function settle(p: Promise<string[]>, t0: number): Promise<{ addresses?: string[]; code?: string; ms: number }> {
  try {
    const addresses = await p;
    return { addresses, ms: round(performance.now() - t0) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { code: typeof code === "string" ? code : "EUNKNOWN", ms: round(performance.now() - t0) };
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
