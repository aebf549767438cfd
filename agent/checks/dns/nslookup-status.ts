// The one mapping from node:dns (c-ares) error codes to TR-181 NSLookupDiagnostics statuses, plus a
// finer outcome the assessment needs (TR-181 lumps NXDOMAIN, NODATA and SERVFAIL together).
import type { DnsOutcome, DnsRcode, NsLookupStatus } from "../../../shared/checks.js";

export type { DnsOutcome, NsLookupStatus };

/** Outcomes that prove the server is alive and resolving (even if this name failed upstream). */
export const SERVER_REPLIED: ReadonlySet<DnsOutcome> = new Set(["answer", "nxdomain", "nodata", "servfail"]);

const BY_CODE: Record<string, { status: NsLookupStatus; outcome: DnsOutcome }> = {
  ENOTFOUND: { status: "Error_HostNameNotResolved", outcome: "nxdomain" },
  ENODATA: { status: "Error_HostNameNotResolved", outcome: "nodata" },
  // SERVFAIL: the server is there but its recursion failed (upstream/DNSSEC): the name is not resolved.
  ESERVFAIL: { status: "Error_HostNameNotResolved", outcome: "servfail" },
  // REFUSED: the server will not serve this client, which for the client is the same as no server.
  EREFUSED: { status: "Error_DNSServerNotAvailable", outcome: "refused" },
  ECONNREFUSED: { status: "Error_DNSServerNotAvailable", outcome: "unreachable" },
  ETIMEOUT: { status: "Error_Timeout", outcome: "timeout" },
  ECANCELLED: { status: "Error_Other", outcome: "cancelled" },
};

/** Pure: node:dns error code (undefined = the query succeeded) → TR-181 status and outcome. */
export function classifyDnsError(code: string | undefined): { status: NsLookupStatus; outcome: DnsOutcome } {
  if (code === undefined) return { status: "Success", outcome: "answer" };
  return BY_CODE[code] ?? { status: "Error_Other", outcome: "other" };
}

/** node:dns (c-ares) codes that mean the server replied, with the RCODE of that reply (c-ares ares.h). */
const RCODE_BY_CODE: Record<string, DnsRcode> = {
  ENODATA: "NOERROR",
  ENOTFOUND: "NXDOMAIN",
  ESERVFAIL: "SERVFAIL",
  EREFUSED: "REFUSED",
  ENOTIMP: "NOTIMP",
  EFORMERR: "FORMERR",
  // A reply c-ares could not read: still a reply.
  EBADRESP: "OTHER",
};

/** Pure: the RCODE of the reply behind a node:dns result; undefined = no reply (timeout, port unreachable, cancelled). */
export function rcodeOf(code: string | undefined): DnsRcode | undefined {
  return code === undefined ? "NOERROR" : RCODE_BY_CODE[code];
}
