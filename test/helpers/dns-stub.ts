// A real DNS server on loopback, port 0 (UDP, and TCP on the same port), answering A/AAAA from a table
// with per-name fault behaviours. Every DNS test in the project points its resolvers here, never at
// a real resolver (network safety).
import dgram from "node:dgram";
import net from "node:net";
import * as dnsPacket from "dns-packet";

export type DnsBehaviour =
  | "answer" // records from the table; NXDOMAIN when the name has none
  | "nxdomain"
  | "servfail"
  | "refused"
  | "empty" // NOERROR with no answer (NODATA)
  | "drop" // never answers
  | { delayMs: number; then?: Exclude<DnsBehaviour, { delayMs: number }> };

export interface DnsRecords {
  A?: string[];
  AAAA?: string[];
}

export interface DnsStubOptions {
  /** Lower-case names without the trailing dot. */
  records?: Record<string, DnsRecords>;
  /** Default behaviour (for names without their own); "answer" unless told. */
  behaviour?: DnsBehaviour;
  /** Per-name behaviours. */
  perName?: Record<string, DnsBehaviour>;
}

export interface DnsStub {
  host: "127.0.0.1";
  port: number;
  /** "127.0.0.1:PORT", the form agent/config.ts DnsServer accepts. */
  address: string;
  /** Queries received so far (UDP and TCP, including dropped ones). */
  readonly queries: number;
  /** Sets the behaviour for one name, or the default one with "default". */
  setBehaviour(name: string | "default", b: DnsBehaviour): void;
  close(): Promise<void>;
}

// RFC 1035 §4.1.1 RCODE values; dns-packet encodes only `flags`, so the rcode goes in its low 4 bits.
const RCODE = { nxdomain: 3, servfail: 2, refused: 5 } as const;

export async function startDnsStub(opts: DnsStubOptions = {}): Promise<DnsStub> {
  const records = new Map(Object.entries(opts.records ?? {}).map(([k, v]) => [norm(k), v]));
  const perName = new Map(Object.entries(opts.perName ?? {}).map(([k, v]) => [norm(k), v]));
  let defaultBehaviour: DnsBehaviour = opts.behaviour ?? "answer";
  let queries = 0;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();

  /** Builds the reply for one query; undefined = say nothing. */
  const respond = (query: dnsPacket.Packet, send: (buf: Buffer) => void): void => {
    queries++;
    const q = query.questions?.[0];
    const name = q ? norm(q.name) : "";
    let b = perName.get(name) ?? defaultBehaviour;
    let delayMs = 0;
    if (typeof b === "object") {
      delayMs = b.delayMs;
      b = b.then ?? "answer";
    }
    if (b === "drop") return;
    const reply = buildReply(query, b, records.get(name));
    if (delayMs <= 0) return send(reply);
    const t = setTimeout(() => {
      timers.delete(t);
      send(reply);
    }, delayMs);
    timers.add(t);
  };

  const { udp, tcp, port } = await bindBoth();

  udp.on("message", (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // garbage: a real server drops it too
    }
    respond(query, (buf) => udp.send(buf, rinfo.port, rinfo.address));
  });

  tcp.on("connection", (sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sock.destroy());
    let pending = Buffer.alloc(0);
    sock.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      // RFC 1035 §4.2.2: each TCP message is prefixed by a two-byte length.
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(0, 2 + len);
        pending = pending.subarray(2 + len);
        let query: dnsPacket.Packet;
        try {
          query = dnsPacket.streamDecode(msg);
        } catch {
          sock.destroy();
          return;
        }
        respond(query, (buf) => {
          const framed = Buffer.alloc(2 + buf.length);
          framed.writeUInt16BE(buf.length, 0);
          buf.copy(framed, 2);
          if (!sock.destroyed) sock.write(framed);
        });
      }
    });
  });

  return {
    host: "127.0.0.1",
    port,
    address: `127.0.0.1:${port}`,
    get queries() {
      return queries;
    },
    setBehaviour(name, b) {
      if (name === "default") defaultBehaviour = b;
      else perName.set(norm(name), b);
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((r) => udp.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
}

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function buildReply(query: dnsPacket.Packet, b: Exclude<DnsBehaviour, "drop" | { delayMs: number }>, rec: DnsRecords | undefined): Buffer {
  const q = query.questions?.[0];
  // RD and RA set: we pretend to be a recursive resolver, like a router's relay.
  const flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE;
  const base = { type: "response" as const, id: query.id ?? 0, flags, questions: query.questions ?? [] };
  if (b === "nxdomain" || b === "servfail" || b === "refused") return dnsPacket.encode({ ...base, flags: flags | RCODE[b] });
  if (b === "empty" || !q) return dnsPacket.encode({ ...base, answers: [] });
  if (!rec) return dnsPacket.encode({ ...base, flags: flags | RCODE.nxdomain });
  const data = q.type === "A" ? (rec.A ?? []) : q.type === "AAAA" ? (rec.AAAA ?? []) : [];
  const answers = data.map((d) => ({ type: q.type as "A" | "AAAA", name: q.name, ttl: 60, class: "IN" as const, data: d }));
  return dnsPacket.encode({ ...base, answers });
}

/** Binds UDP on port 0, then TCP on the same port; retries when TCP finds that port taken. */
async function bindBoth(): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, "127.0.0.1", () => {
        udp.off("error", reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once("error", () => resolve(false));
      tcp.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (ok) return { udp, tcp, port };
    await new Promise<void>((r) => udp.close(() => r()));
  }
  throw new Error("dns-stub: could not bind UDP and TCP on one loopback port");
}
