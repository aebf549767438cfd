// Relay-liveness control probe: asks a resolver two questions it answers by itself, without its
// upstream, so "the server is alive" can be told apart from "it resolves external names":
//   localhost. IN A     RFC 6761 §6.3: resolvers answer it themselves (dnsmasq from /etc/hosts)
//   version.bind. CH TXT  the CHAOS-class identity query BIND, Unbound, dnsmasq and Knot answer
// ANY reply (NOERROR, NXDOMAIN, REFUSED, NOTIMP …) proves the server alive. Raw packets, because
// node:dns can neither ask the CHAOS class nor say that a REFUSED was a reply rather than a failure.
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import type { DnsControlProbe, DnsControlQuery, DnsRcode } from "../../../shared/checks.js";

/** RFC 1035 §3.2.2 / §3.2.4 codes for the two questions. */
const TYPE = { A: 1, TXT: 16 } as const;
const CLASS = { IN: 1, CH: 3 } as const;

export const CONTROL_QUERIES: readonly { query: DnsControlQuery; name: string; type: number; klass: number }[] = [
  { query: "localhost. IN A", name: "localhost", type: TYPE.A, klass: CLASS.IN },
  { query: "version.bind. CH TXT", name: "version.bind", type: TYPE.TXT, klass: CLASS.CH },
];

/** RFC 1035 §4.1.1 RCODE values 0-5; anything else (RFC 2136, 6895 extended codes) is OTHER. */
const RCODES: readonly DnsRcode[] = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];
export const rcodeName = (n: number): DnsRcode => RCODES[n] ?? "OTHER";

/** Pure: one standard query, recursion desired (RFC 1035 §4.1). */
export function encodeQuery(id: number, name: string, type: number, klass: number): Buffer {
  const labels = name.split(".").filter(Boolean);
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, "ascii")])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(klass, 2);
  return Buffer.concat([header, qname, tail]);
}

/** Pure: the header of a reply (id, rcode); undefined when it is not a DNS response at all. */
export function parseReplyHeader(buf: Buffer): { id: number; rcode: DnsRcode } | undefined {
  if (buf.length < 12) return undefined;
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return undefined; // QR clear: a query, not a reply
  return { id: buf.readUInt16BE(0), rcode: rcodeName(flags & 0x000f) };
}

/** "IP", "IP:PORT" or "[IPv6]:PORT" (agent/config.ts DnsServer) → host and port. */
export function splitServer(server: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(server);
  if (bracket) return { host: bracket[1]!, port: Number(bracket[2]) };
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(server);
  if (v4) return { host: v4[1]!, port: Number(v4[2]) };
  return { host: server, port: 53 };
}

export interface ControlOptions {
  /** Each question is sent again once after this long without a reply, and given up after twice it. */
  resendMs: number;
}

/**
 * Sends both questions at once to `server` on one connected UDP socket (so an ICMP port unreachable
 * surfaces as ECONNREFUSED) and waits until both are answered, or 2 × resendMs. Never rejects.
 */
export async function probeControl(server: string, opts: ControlOptions, signal: AbortSignal): Promise<DnsControlProbe[]> {
  const { host, port } = splitServer(server);
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 10) / 10;
  const pending = CONTROL_QUERIES.map((q) => ({ ...q, id: randomInt(1, 0xffff), result: undefined as DnsControlProbe | undefined }));
  const sock = dgram.createSocket(isIPv6(host) ? "udp6" : "udp4");
  const timers: NodeJS.Timeout[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  const settle = (p: (typeof pending)[number], r: DnsControlProbe) => {
    p.result ??= r;
    if (pending.every((x) => x.result)) finish();
  };
  const failAll = (outcome: DnsControlProbe["outcome"], errorCode?: string) => {
    for (const p of pending) settle(p, { query: p.query, outcome, ...(errorCode ? { errorCode } : {}) });
  };
  const failed = (e: NodeJS.ErrnoException) => (e.code === "ECONNREFUSED" ? failAll("unreachable", e.code) : failAll("error", e.code ?? "EUNKNOWN"));
  let connected = false;
  const send = () => {
    if (!connected) return;
    for (const p of pending) {
      if (p.result) continue;
      try {
        sock.send(encodeQuery(p.id, p.name, p.type, p.klass), (e) => e && failed(e));
      } catch (e) {
        // A socket closed under us (abort) throws instead of calling back: a broken network is data.
        failed(e as NodeJS.ErrnoException);
      }
    }
  };
  sock.on("message", (buf) => {
    const h = parseReplyHeader(buf);
    const p = h && pending.find((x) => x.id === h.id);
    if (p && h) settle(p, { query: p.query, outcome: "reply", rcode: h.rcode, responseTimeMs: ms() });
  });
  // ICMP port unreachable from an earlier datagram surfaces on the next send or as an 'error' event.
  sock.on("error", (e) => failed(e));
  const onAbort = () => failAll("timeout");
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal.aborted) return pending.map((p) => ({ query: p.query, outcome: "timeout" }));
    // The callback also runs when connect fails (ENETUNREACH without a route): then nothing is sent.
    sock.connect(port, host, (e?: Error) => {
      if (e) return failed(e as NodeJS.ErrnoException);
      connected = true;
      send();
    });
    timers.push(setTimeout(send, opts.resendMs), setTimeout(() => failAll("timeout"), 2 * opts.resendMs));
    await done;
    return pending.map((p) => p.result!);
  } finally {
    for (const t of timers) clearTimeout(t);
    signal.removeEventListener("abort", onAbort);
    sock.close();
  }
}
