// Step data of the `dns` check: every name asked of every configured and public resolver, one resolver
// at a time, with per-resolver states and group summaries. Produced by agent/checks/dns.ts.
import { z } from "zod";
import { Addr, List, Ms, Str } from "./common.js";

export const DnsFindingCode = z.enum([
  "NO_RESOLVER_CONFIGURED",
  "CONFIGURED_RESOLVER_DEAD",
  "ALL_CONFIGURED_RESOLVERS_DEAD",
  "PUBLIC_RESOLVER_DEAD",
  "ALL_RESOLVERS_DEAD",
  "NAME_SERVFAIL",
  "NAME_NXDOMAIN",
  "NAME_NODATA",
  "NAME_TIMEOUT",
  "NAME_REFUSED",
  "NAME_LOOKUP_ERROR",
  "RESOLVERS_DISAGREE",
  "DNS_SLOW",
  "OFFERED_RESOLVER_DEAD",
  "RESOLVER_UPSTREAM_FAILING",
  "RESOLVERS_DIFFER_FROM_DHCP",
]);
export type DnsFindingCode = z.infer<typeof DnsFindingCode>;

/** TR-181 Device.DNS.Diagnostics.NSLookupDiagnostics.Result.{i}.Status. */
export const NsLookupStatus = z.enum(["Success", "Error_DNSServerNotAvailable", "Error_HostNameNotResolved", "Error_Timeout", "Error_Other"]);
export type NsLookupStatus = z.infer<typeof NsLookupStatus>;

/**
 * What happened to one query. answer/nxdomain/nodata/servfail are replies from a working server;
 * refused (REFUSED rcode), unreachable (ICMP port unreachable) and timeout mean it did not serve us.
 */
export const DnsOutcome = z.enum(["answer", "nxdomain", "nodata", "servfail", "refused", "unreachable", "timeout", "cancelled", "other"]);
export type DnsOutcome = z.infer<typeof DnsOutcome>;

/** The RCODE of a reply (RFC 1035 §4.1.1; OTHER = any code above 5). */
export const DnsRcode = z.enum(["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "OTHER"]);
export type DnsRcode = z.infer<typeof DnsRcode>;

/** One name asked of one server: TR-181 NSLookupDiagnostics.Result.{i}, camelCased. */
export const NsLookupResult = z.strictObject({
  hostName: Str(253),
  /** The server asked, as configured ("IP" or "IP:PORT"). TR-181 DNSServerIP. */
  dnsServerIP: Addr,
  status: NsLookupStatus,
  outcome: DnsOutcome,
  /** node:dns code of the A query (ENOTFOUND, ESERVFAIL, EREFUSED, ENODATA, ETIMEOUT, ECONNREFUSED…); undefined on success. */
  rawCode: Str(64).optional(),
  /** TR-181 IPAddresses: the A records; empty when none. */
  ipAddresses: List(Addr, 64),
  /** AAAA records; undefined = the AAAA query failed or was not answered (not a fault by itself). */
  ipv6Addresses: List(Addr, 64).optional(),
  /** TR-181 ResponseTime of the A query in ms; undefined when the server never replied. */
  responseTimeMs: Ms.optional(),
  /**
   * RCODE of the server's reply to the A query: REFUSED, SERVFAIL and NXDOMAIN are replies (the server
   * is alive) and distinct from each other; undefined = no reply at all (timeout, ICMP port
   * unreachable, cancelled), which `outcome` tells apart.
   */
  rcode: DnsRcode.optional(),
});
export type NsLookupResult = z.infer<typeof NsLookupResult>;

/**
 * configured: what the host uses (config override or resolv.conf); offered: handed out by DHCP (the
 * lease, an OFFER or the INFORM ACK of the dhcp check) but not configured; public: targets.publicResolvers.
 */
export const ResolverRole = z.enum(["configured", "offered", "public"]);
export type ResolverRole = z.infer<typeof ResolverRole>;

/**
 * answering: every name resolved; name_failures: the server replies but some names fail (a problem
 * beyond it: upstream, the zone, DNSSEC); dead: it never served us (timeouts, REFUSED, port unreachable).
 */
export const ResolverState = z.enum(["answering", "name_failures", "dead"]);
export type ResolverState = z.infer<typeof ResolverState>;

/** none: no resolver of this kind to ask; ok: all alive; partial: some dead; dead: all dead. */
export const GroupState = z.enum(["none", "ok", "partial", "dead"]);
export type GroupState = z.infer<typeof GroupState>;

/** The control questions a resolver answers by itself (agent/checks/dns/control.ts). */
export const DnsControlQuery = z.enum(["localhost. IN A", "version.bind. CH TXT"]);
export type DnsControlQuery = z.infer<typeof DnsControlQuery>;

export const DnsControlProbe = z.strictObject({
  query: DnsControlQuery,
  /** reply: any answer (rcode says which); timeout: none; unreachable: ICMP port unreachable; error: could not send. */
  outcome: z.enum(["reply", "timeout", "unreachable", "error"]),
  rcode: DnsRcode.optional(),
  responseTimeMs: Ms.optional(),
  /** errno for unreachable/error (ECONNREFUSED, ENETUNREACH …). */
  errorCode: Str(64).optional(),
});
export type DnsControlProbe = z.infer<typeof DnsControlProbe>;

export const DhcpResolverSource = z.enum(["lease", "offer", "ack"]);
export type DhcpResolverSource = z.infer<typeof DhcpResolverSource>;

export const ResolverReport = z.strictObject({
  server: Addr,
  role: ResolverRole,
  /** Whether it resolves the names (see ResolverState): what an application gets from it. */
  state: ResolverState,
  results: List(NsLookupResult, 32),
  /** Median / max ResponseTime of replies in ms; undefined when the server never replied. */
  medianResponseMs: Ms.optional(),
  maxResponseMs: Ms.optional(),
  /**
   * Whether the server itself is alive, apart from whether it resolves: true = it replied to anything
   * (a name or a control question, any rcode, REFUSED included); false = nothing came back (timeouts,
   * port unreachable); undefined = not measured (cancelled before any answer could come).
   */
  alive: z.boolean().optional(),
  /** The control questions it answers by itself (configured and offered resolvers); undefined = not asked (public). */
  control: List(DnsControlProbe, 4).optional(),
  /** Where DHCP named this server (role offered, or a configured one DHCP also hands out); undefined = DHCP did not. */
  offeredBy: List(DhcpResolverSource, 3).optional(),
});
export type ResolverReport = z.infer<typeof ResolverReport>;

export const DnsSummary = z.strictObject({
  configured: GroupState,
  public: GroupState,
  /** Resolvers DHCP hands out that the host does not use; undefined = DHCP not measured in this run. */
  offered: GroupState.optional(),
  /**
   * At least one resolver (any role) served a query (an answer, NXDOMAIN, NODATA or SERVFAIL). A server
   * that only REFUSES does not count here; its ResolverReport.alive says it replied.
   */
  anyResolverReplied: z.boolean(),
  /** Names no resolver resolved although some resolver replied: the `dns` segment's evidence. */
  namesFailingEverywhere: List(Str(253), 32),
  /** Names that failed on at least one live resolver but resolved on another. */
  namesFailingSomewhere: List(Str(253), 32),
});
export type DnsSummary = z.infer<typeof DnsSummary>;

export const DnsData = z.strictObject({
  names: List(Str(253), 32),
  /** Where the configured resolvers came from: the agent config override, or the OS (resolv.conf). */
  configuredSource: z.enum(["config", "system"]),
  /** One entry per server asked, configured ones first. */
  resolvers: List(ResolverReport, 32),
  /** OS resolvers that node:dns cannot address (e.g. "fe80::1%eth0"), not asked. */
  ignoredResolvers: List(Addr, 32),
  /**
   * Every DNS server DHCP hands out on this link (the lease, the probe's OFFERs and INFORM ACK), whether
   * or not the host uses them; undefined = DHCP not measured in this run (dhcp not run, or it learnt nothing).
   */
  dhcpResolvers: List(Addr, 32).optional(),
  summary: DnsSummary,
});
export type DnsData = z.infer<typeof DnsData>;
