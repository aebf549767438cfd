// Pure parser for `ping` text (iputils and busybox, LC_ALL=C): raw output in, PingReport figures out.
// Figures come from the per-reply lines and the count we asked for, never from ping's summary, because
// busybox prints no mdev, iputils with -w sends more than -c, and both round the summary.
import type { IcmpErrorReply, IcmpErrorType } from "../../shared/checks.js";
import type { PingReport } from "./ping-types.js";

export type ParsedPing = Omit<PingReport, "host">;

// iputils: "PING h (1.2.3.4) 56(84) bytes", "PING ::1(::1) 56 data bytes"; busybox: "PING h (1.2.3.4): 56 data bytes".
const HEADER = /^PING \S+? ?\(([^)]+)\)/m;
// iputils: "64 bytes from 1.2.3.4: icmp_seq=1 ttl=62 time=0.063 ms"; busybox uses "seq=0".
// Without -n iputils writes "from name (1.2.3.4):"; older builds write "time<1 ms" for sub-ms replies.
const REPLY = /^\d+ bytes from (?:[^\s(]+ \()?([^\s()]+?)\)?: (?:icmp_)?seq=(\d+)\b.*?\btime[=<]([\d.]+) ms(.*)$/;
// iputils: "From 10.0.2.2 icmp_seq=1 Time to live exceeded" (also "From name (addr) icmp_seq=…").
const FROM = /^From (?:[^\s(]+ \()?([^\s()]+?)\)? icmp_seq=(\d+) (.+)$/;
const FRAG_NEEDED = /Frag needed and DF set \(mtu = (\d+)\)|Packet too big: mtu=(\d+)/;
const TTL_EXCEEDED = /Time to live exceeded|Time exceeded: Hop limit/;
// stderr, iputils: "ping: local error: message too long, mtu=1400" (the kernel already knows a smaller
// path MTU, or the interface's own MTU is smaller, and DF forbids fragmenting locally).
const LOCAL_MTU = /local error: message too long, mtu[= ](\d+)/;
const CANNOT_RESOLVE = /Temporary failure in name resolution|Name or service not known|No address associated|bad address|unknown host/i;
const NO_ROUTE = /Network is unreachable/i;

/**
 * ping's text for an ICMP error → what it says about the path. iputils prints the IPv4 texts of
 * ping4_common.c pr_icmph ("Destination Net Unreachable", "Packet filtered", …) and the IPv6 ones of
 * ping6_common.c ("Destination unreachable: No route", "…: Administratively prohibited", …).
 */
const ICMP_ERROR_TYPES: [RegExp, IcmpErrorType][] = [
  [/^Destination Net (Unreachable|Unknown)|^Destination unreachable: No route/i, "net_unreachable"],
  [/^Destination Host (Unreachable|Unknown)|^Destination unreachable: Address unreachable/i, "host_unreachable"],
  [/^Destination Protocol Unreachable/i, "protocol_unreachable"],
  [/^Destination Port Unreachable|^Destination unreachable: Port unreachable/i, "port_unreachable"],
  [/^Packet filtered|Prohibited|Administratively prohibited|ingress\/egress policy|Reject route/i, "admin_prohibited"],
];

export function classifyIcmpError(message: string): IcmpErrorType {
  return ICMP_ERROR_TYPES.find(([re]) => re.test(message))?.[1] ?? "other";
}

/**
 * @param sent how many echo requests were asked for (-c); loss is counted against it.
 * @param exitCode ping's exit code; null when it was killed.
 */
export function parsePingOutput(stdout: string, stderr: string, exitCode: number | null, sent: number): ParsedPing {
  if (!Number.isInteger(sent) || sent < 1) throw new RangeError(`sent must be a positive integer, got ${sent}`);
  const addressUsed = HEADER.exec(stdout)?.[1];
  const bySeq = new Map<number, number>();
  const rttMs: number[] = [];
  const ttlExceededFrom: string[] = [];
  const icmpErrors: IcmpErrorReply[] = [];
  let fragNeeded: ParsedPing["fragNeeded"];

  for (const raw of stdout.split("\n")) {
    const line = raw.trim();
    const r = REPLY.exec(line);
    if (r) {
      const seq = Number(r[2]);
      // A duplicate (DUP!) or a second reply for the same sequence is not a second success.
      if (/DUP!/.test(r[4] ?? "") || bySeq.has(seq)) continue;
      const t = Number(r[3]);
      bySeq.set(seq, t);
      rttMs.push(t);
      continue;
    }
    const f = FROM.exec(line);
    if (!f) continue;
    const from = f[1] as string;
    const message = (f[3] as string).trim();
    const frag = FRAG_NEEDED.exec(message);
    if (frag) {
      fragNeeded ??= { mtu: Number(frag[1] ?? frag[2]), from };
    } else if (TTL_EXCEEDED.test(message)) {
      if (!ttlExceededFrom.includes(from)) ttlExceededFrom.push(from);
    } else if (!icmpErrors.some((e) => e.from === from && e.message === message)) {
      icmpErrors.push({ from, type: classifyIcmpError(message), message: message.slice(0, 200) });
    }
  }

  const localMtu = LOCAL_MTU.exec(stderr);
  const errText = stderr.split("\n").map((l) => l.trim()).find(Boolean);
  let status: ParsedPing["status"] = "Complete";
  let errorCode: string | undefined;
  if (!addressUsed && CANNOT_RESOLVE.test(stderr)) status = "Error_CannotResolveHostName";
  else if (NO_ROUTE.test(stderr) && rttMs.length === 0) status = "Error_NoRoute";
  else if (!addressUsed && exitCode !== 0) {
    // No header means ping never started probing (bad option, no permission to open the socket).
    status = "Error_Internal";
    errorCode = "PING_FAILED";
  }

  const total = Math.max(sent, rttMs.length);
  const received = rttMs.length;
  const out: ParsedPing = {
    status,
    sent: total,
    received,
    failed: total - received,
    lossPct: round((100 * (total - received)) / total, 1),
    rttMs,
    ttlExceededFrom,
    icmpErrors,
    ...(addressUsed ? { addressUsed } : {}),
    ...(fragNeeded ? { fragNeeded } : {}),
    ...(localMtu ? { localError: errText ?? localMtu[0], localMtu: Number(localMtu[1]) } : {}),
    ...(!localMtu && errText && status !== "Complete" ? { localError: errText } : {}),
    ...(errorCode ? { errorCode } : {}),
    ...rttStats(rttMs),
  };
  return out;
}

/** min/avg/max and jitter (mean absolute difference of consecutive RTTs, RFC 3550 style) in ms. */
export function rttStats(rttMs: readonly number[]): Pick<ParsedPing, "minMs" | "avgMs" | "maxMs" | "jitterMs"> {
  if (rttMs.length === 0) return {};
  const sum = rttMs.reduce((a, b) => a + b, 0);
  const stats: Pick<ParsedPing, "minMs" | "avgMs" | "maxMs" | "jitterMs"> = {
    minMs: round(Math.min(...rttMs), 3),
    avgMs: round(sum / rttMs.length, 3),
    maxMs: round(Math.max(...rttMs), 3),
  };
  if (rttMs.length >= 2) {
    let d = 0;
    for (let i = 1; i < rttMs.length; i++) d += Math.abs((rttMs[i] as number) - (rttMs[i - 1] as number));
    stats.jitterMs = round(d / (rttMs.length - 1), 3);
  }
  return stats;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
