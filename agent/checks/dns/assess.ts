// Pure judgement of the dns check: per-resolver states, group summaries and findings from the raw
// lookup results. Kept apart from the I/O so every rule is table-tested.
import type { DhcpResolverSource, DnsControlProbe, DnsFindingCode, DnsOutcome, DnsSummary, FindingOf, GroupState, NsLookupResult, ResolverReport, ResolverRole, Severity } from "../../../shared/checks.js";
import { SERVER_REPLIED } from "./nslookup-status.js";

export type { DnsFindingCode, DnsSummary, GroupState, ResolverReport, ResolverRole, ResolverState } from "../../../shared/checks.js";

/** DOMAIN.md §3: DNS resolution above 400 ms is slightly high, above 500 ms significantly high. */
export const DNS_SLIGHTLY_SLOW_MS = 400;
export const DNS_SLOW_MS = 500;

const NAME_CODE: Partial<Record<DnsOutcome, DnsFindingCode>> = {
  servfail: "NAME_SERVFAIL",
  nxdomain: "NAME_NXDOMAIN",
  nodata: "NAME_NODATA",
  timeout: "NAME_TIMEOUT",
  refused: "NAME_REFUSED",
  unreachable: "NAME_LOOKUP_ERROR",
  other: "NAME_LOOKUP_ERROR",
};

export interface ResolverExtras {
  /** Answers to the control questions (undefined = not asked). */
  control?: DnsControlProbe[];
  /** Where DHCP named this server (undefined = it did not). */
  offeredBy?: DhcpResolverSource[];
}

/**
 * alive: anything came back, to a name or a control question, whatever its rcode (REFUSED included);
 * undefined only when every query was cancelled before an answer could come.
 */
export function isAlive(results: readonly NsLookupResult[], control?: readonly DnsControlProbe[]): boolean | undefined {
  if (results.some((r) => r.rcode !== undefined) || control?.some((c) => c.outcome === "reply")) return true;
  if (results.length > 0 && results.every((r) => r.outcome === "cancelled")) return undefined;
  return false;
}

export function resolverReport(server: string, role: ResolverRole, results: NsLookupResult[], extras: ResolverExtras = {}): ResolverReport {
  const replied = results.some((r) => SERVER_REPLIED.has(r.outcome));
  const allOk = results.every((r) => r.outcome === "answer");
  const times = results.filter((r) => SERVER_REPLIED.has(r.outcome) && r.responseTimeMs !== undefined).map((r) => r.responseTimeMs as number);
  const alive = isAlive(results, extras.control);
  return {
    server,
    role,
    state: !replied ? "dead" : allOk ? "answering" : "name_failures",
    results,
    ...(times.length ? { medianResponseMs: median(times), maxResponseMs: Math.max(...times) } : {}),
    ...(alive !== undefined ? { alive } : {}),
    ...(extras.control ? { control: extras.control } : {}),
    ...(extras.offeredBy?.length ? { offeredBy: extras.offeredBy } : {}),
  };
}

/** Outcomes that mean the server could not get an answer from upstream (not that the name is wrong). */
const UPSTREAM_FAILURES: ReadonlySet<DnsOutcome> = new Set(["timeout", "servfail", "refused"]);

/**
 * @param dhcpResolvers every DNS server DHCP hands out on this link; undefined = DHCP not measured.
 */
export function assessDns(resolvers: ResolverReport[], names: readonly string[], dhcpResolvers?: readonly string[]): { summary: DnsSummary; findings: FindingOf<"dns">[] } {
  const findings: FindingOf<"dns">[] = [];
  const add = (code: DnsFindingCode, severity: Severity, message: string, subject?: string) =>
    findings.push({ code, severity, message, ...(subject ? { subject } : {}) });

  const configured = resolvers.filter((r) => r.role === "configured");
  const publics = resolvers.filter((r) => r.role === "public");
  const offered = resolvers.filter((r) => r.role === "offered");
  const live = resolvers.filter((r) => r.state !== "dead");
  const summary: DnsSummary = {
    configured: groupState(configured),
    public: groupState(publics),
    ...(dhcpResolvers !== undefined ? { offered: groupState(offered) } : {}),
    anyResolverReplied: live.length > 0,
    namesFailingEverywhere: [],
    namesFailingSomewhere: [],
  };

  if (configured.length === 0) add("NO_RESOLVER_CONFIGURED", "fail", "the system has no DNS resolver configured");
  for (const r of configured.filter((r) => r.state === "dead")) {
    add("CONFIGURED_RESOLVER_DEAD", summary.configured === "dead" ? "fail" : "warn", `configured resolver ${r.server} did not serve any query (${codes(r)})`, r.server);
  }
  if (summary.configured === "dead") {
    const why =
      summary.public === "ok" || summary.public === "partial"
        ? "while public resolvers answer: the router's DNS relay or the ISP resolver is down"
        : "and no public resolver answered either";
    add("ALL_CONFIGURED_RESOLVERS_DEAD", "fail", `no configured resolver answered ${why}`);
  }
  for (const r of offered.filter((r) => r.state === "dead")) {
    add("OFFERED_RESOLVER_DEAD", "warn", `resolver ${r.server} that DHCP hands out did not serve any query (${codes(r)})`, r.server);
  }
  // The control questions answered but no name resolved, for want of an upstream answer: the server
  // (a router's relay) is up and its upstream is not.
  for (const r of [...configured, ...offered]) {
    const selfAnswered = r.control?.some((c) => c.outcome === "reply") === true;
    const upstreamFailed = r.results.length > 0 && r.results.every((x) => UPSTREAM_FAILURES.has(x.outcome));
    if (selfAnswered && upstreamFailed) {
      add("RESOLVER_UPSTREAM_FAILING", "warn", `${r.server} answers what it knows itself (${r.control!.filter((c) => c.outcome === "reply").map((c) => c.query).join(", ")}) but resolved no name (${codes(r)}): its upstream fails`, r.server);
    }
  }
  if (dhcpResolvers?.length && configured.length && !configured.some((r) => dhcpResolvers.includes(r.server))) {
    add("RESOLVERS_DIFFER_FROM_DHCP", "info", `the host uses ${configured.map((r) => r.server).join(", ")} but DHCP hands out ${dhcpResolvers.join(", ")}`);
  }
  for (const r of publics.filter((r) => r.state === "dead")) {
    add("PUBLIC_RESOLVER_DEAD", "warn", `public resolver ${r.server} did not serve any query (${codes(r)})`, r.server);
  }
  if (resolvers.length > 0 && live.length === 0) {
    add("ALL_RESOLVERS_DEAD", "fail", "no resolver answered at all: check IP connectivity (path/ping) before blaming DNS");
  }

  // Name failures are judged only on live resolvers: a dead server's timeouts are reported above.
  for (const name of names) {
    const onLive = live.flatMap((r) => r.results.filter((x) => x.hostName === name));
    if (onLive.length === 0) continue;
    const resolvedSomewhere = onLive.some((x) => x.outcome === "answer");
    const failed = onLive.filter((x) => x.outcome !== "answer" && x.outcome !== "cancelled");
    if (failed.length === 0) continue;
    (resolvedSomewhere ? summary.namesFailingSomewhere : summary.namesFailingEverywhere).push(name);
    const byCode = new Map<DnsFindingCode, string[]>();
    for (const f of failed) {
      const code = NAME_CODE[f.outcome] ?? "NAME_LOOKUP_ERROR";
      byCode.set(code, [...(byCode.get(code) ?? []), f.dnsServerIP]);
    }
    for (const [code, servers] of byCode) {
      const where = resolvedSomewhere ? "though another resolver resolved it" : "and no resolver resolved it";
      add(code, resolvedSomewhere ? "warn" : "fail", `${name}: ${code.slice(5).toLowerCase()} from ${servers.join(", ")} ${where}`, name);
    }
  }
  for (const name of names) {
    const answered = live.flatMap((r) => r.results.filter((x) => x.hostName === name && x.ipAddresses.length > 0));
    const first = answered[0];
    const other = answered.find((b) => first && !first.ipAddresses.some((ip) => b.ipAddresses.includes(ip)));
    // CDNs legitimately answer differently per resolver: information, not a fault.
    if (first && other) add("RESOLVERS_DISAGREE", "info", `${name}: ${first.dnsServerIP} says ${first.ipAddresses.join(",")} but ${other.dnsServerIP} says ${other.ipAddresses.join(",")}`, name);
  }

  for (const r of live) {
    const ms = r.medianResponseMs;
    if (ms === undefined || ms <= DNS_SLIGHTLY_SLOW_MS) continue;
    const significantly = ms > DNS_SLOW_MS;
    add("DNS_SLOW", significantly ? "warn" : "info", `${r.server} answers in ${ms} ms (median), ${significantly ? "significantly" : "slightly"} high`, r.server);
  }
  return { summary, findings };
}

function groupState(group: ResolverReport[]): GroupState {
  if (group.length === 0) return "none";
  const dead = group.filter((r) => r.state === "dead").length;
  return dead === 0 ? "ok" : dead === group.length ? "dead" : "partial";
}

function codes(r: ResolverReport): string {
  return [...new Set(r.results.map((x) => x.rawCode ?? "OK"))].join(", ");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : Math.round(((s[mid - 1]! + s[mid]!) / 2) * 10) / 10;
}
