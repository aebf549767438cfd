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
});
export type NsLookupResult = z.infer<typeof NsLookupResult>;

export const ResolverRole = z.enum(["configured", "public"]);
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

export const ResolverReport = z.strictObject({
  server: Addr,
  role: ResolverRole,
  state: ResolverState,
  results: List(NsLookupResult, 32),
  /** Median / max ResponseTime of replies in ms; undefined when the server never replied. */
  medianResponseMs: Ms.optional(),
  maxResponseMs: Ms.optional(),
});
export type ResolverReport = z.infer<typeof ResolverReport>;

export const DnsSummary = z.strictObject({
  configured: GroupState,
  public: GroupState,
  /** At least one resolver (any role) replied: DNS packets get through, so IP works at least that far. */
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
  summary: DnsSummary,
});
export type DnsData = z.infer<typeof DnsData>;
