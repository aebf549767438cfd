// The active DHCP probe: DISCOVER (collect every OFFER) and/or INFORM (expect an ACK), and never a
// REQUEST, so no server ever allocates anything (RFC 2131 §3.1: an address is only committed on REQUEST).
// Two ways onto the wire, tried in this order:
//   1. a UDP socket on port 68 (node:dgram), when the interface has an IPv4 address to send from;
//   2. a packet socket on the interface (./packet-socket.ts), when it has none (exactly when DHCP is
//      broken), or when another DHCP client holds port 68 exclusively.
// When neither can run, the result says which capability is missing, and the step is "not measured".
import { randomBytes, randomInt } from "node:crypto";
import dgram from "node:dgram";
import { encodeIpv4Udp, parseIpv4Udp } from "./ip-udp.js";
import { openPacketChannel } from "./packet-socket.js";
import {
  BROADCAST_FLAG,
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DhcpMessageType,
  encodeDhcpMessage,
  Opt,
  parseDhcpMessage,
  type DhcpMessage,
} from "./packet.js";

export const LIMITED_BROADCAST = "255.255.255.255";

export interface ProbeRequest {
  discover: boolean;
  /** INFORM from `ciaddr` (our own address) to `to` (the lease's server, or the limited broadcast). */
  inform?: { ciaddr: string; to: string };
  /**
   * The interface's IPv4 address. A socket bound to it makes Linux send the limited broadcast out of
   * that interface even with no default route (ip_route_output_key: lbcast with saddr set).
   * undefined = the interface has none: the probe goes through a packet socket on `interface`.
   */
  sourceAddress?: string;
  /** The interface to probe (validated name); needed for the packet-socket path. */
  interface?: string;
  /** How long the packet-socket helper may take to start. */
  helperStartMs: number;
  /** Client hardware address to put in chaddr: random and locally administered, never the host's MAC. */
  chaddr: string;
  collectMs: number;
  /**
   * Stop collecting this long after the first OFFER instead of waiting the whole collectMs: a healthy
   * diagnosis should take about a second. A rogue server answering later than this is missed
   * (config dhcp.collectAllMs turns the full sweep back on). undefined = always wait collectMs.
   */
  graceAfterFirstOfferMs?: number;
  signal: AbortSignal;
}

export interface ProbeReply {
  type: "OFFER" | "ACK" | "NAK";
  /** The UDP source address of the reply (a relay or the server itself). */
  from: string;
  receivedAfterMs: number;
  message: DhcpMessage;
}

export type ProbeResult =
  | {
      ran: true;
      /** How the probe reached the wire: a UDP socket on port 68, or a packet socket on the interface. */
      via: "udp-socket" | "packet-socket";
      discoverSent: boolean;
      informSent: boolean;
      offers: ProbeReply[];
      /** The ACK (or NAK) to our INFORM; undefined = none came. */
      informReply?: ProbeReply;
      /** Sends the kernel refused (e.g. ENETUNREACH: no route for the broadcast). */
      sendErrors: { what: "discover" | "inform"; code: string }[];
      /** Datagrams on port 68 that were not valid DHCP (counted, never thrown). */
      malformed: number;
    }
  | { ran: false; code: string; reason: string };

/** A random unicast, locally administered MAC (IEEE 802: bit 1 of the first octet set, bit 0 clear). */
export function randomLocalMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfc) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Pure: the DHCPDISCOVER we send (broadcast flag set: we have no address to receive a unicast on). */
export function buildDiscover(xid: number, chaddr: string): DhcpMessage {
  return baseRequest(xid, chaddr, BROADCAST_FLAG, "0.0.0.0", DhcpMessageType.DISCOVER);
}

/** Pure: the DHCPINFORM we send (RFC 2131 §3.4: ciaddr set, the server unicasts the ACK to it). */
export function buildInform(xid: number, chaddr: string, ciaddr: string): DhcpMessage {
  return baseRequest(xid, chaddr, 0, ciaddr, DhcpMessageType.INFORM);
}

function baseRequest(xid: number, chaddr: string, flags: number, ciaddr: string, type: number): DhcpMessage {
  return {
    op: 1,
    htype: 1,
    hops: 0,
    xid,
    secs: 0,
    flags,
    ciaddr,
    yiaddr: "0.0.0.0",
    siaddr: "0.0.0.0",
    giaddr: "0.0.0.0",
    chaddr,
    options: {
      messageType: type,
      clientId: Buffer.concat([Buffer.from([1]), Buffer.from(chaddr.replace(/:/g, ""), "hex")]),
      paramRequestList: [Opt.SUBNET_MASK, Opt.ROUTER, Opt.DNS, Opt.DOMAIN_NAME, Opt.LEASE_TIME, Opt.SERVER_ID],
    },
  };
}


/** One way onto the wire: sends a DHCP message, hands every datagram to port 68 to `onReply`. */
interface Transport {
  via: "udp-socket" | "packet-socket";
  send(payload: Buffer, to: string): Promise<string | undefined>;
  onReply(cb: (payload: Buffer, from: string) => void): void;
  close(): void;
}

type Opened = { ok: true; transport: Transport } | { ok: false; code: string; reason: string };

const BIND_REASONS: Record<string, string> = {
  EACCES: "binding UDP port 68 needs root or CAP_NET_BIND_SERVICE",
  EADDRINUSE: "UDP port 68 is held exclusively by another DHCP client",
  EADDRNOTAVAIL: "the interface address is not configured on this host",
};

function bindSocket(address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    // reuseAddr: a running DHCP client (dhclient) may hold port 68 with SO_REUSEADDR too; sharing is
    // fine because we only accept replies carrying our own xid and random chaddr.
    const s = dgram.createSocket({ type: "udp4", reuseAddr: true });
    const onError = (e: Error) => {
      s.close();
      reject(e);
    };
    s.once("error", onError);
    s.bind({ port: DHCP_CLIENT_PORT, address }, () => {
      s.off("error", onError);
      s.setBroadcast(true);
      resolve(s);
    });
  });
}

async function openUdp(sourceAddress: string | undefined): Promise<Opened> {
  const sockets: dgram.Socket[] = [];
  const closeAll = () => {
    for (const s of sockets) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  };
  try {
    // Always listen on the wildcard: broadcast replies (OFFER with the broadcast flag) are only
    // delivered to sockets bound to 0.0.0.0, unicast ones (ACK to ciaddr) may go to either.
    sockets.push(await bindSocket("0.0.0.0"));
    if (sourceAddress) sockets.push(await bindSocket(sourceAddress));
  } catch (e) {
    closeAll();
    const code = (e as NodeJS.ErrnoException).code ?? "EUNKNOWN";
    return { ok: false, code, reason: `${BIND_REASONS[code] ?? "cannot bind UDP port 68"} (${code})` };
  }
  const sender = sockets[sockets.length - 1]!;
  for (const s of sockets) s.on("error", () => undefined); // late ICMP errors: the timer still ends the probe
  return {
    ok: true,
    transport: {
      via: "udp-socket",
      send: (buf, to) =>
        new Promise((resolve) => sender.send(buf, DHCP_SERVER_PORT, to, (e) => resolve(e ? ((e as NodeJS.ErrnoException).code ?? e.message) : undefined))),
      onReply: (cb) => {
        for (const s of sockets) s.on("message", (buf: Buffer, rinfo: dgram.RemoteInfo) => cb(buf, rinfo.address));
      },
      close: closeAll,
    },
  };
}

async function openPacket(ifname: string, signal: AbortSignal, startMs: number): Promise<Opened> {
  const opened = await openPacketChannel(ifname, signal, { startMs });
  if (!opened.ok) return opened;
  const ch = opened.channel;
  let ipId = randomInt(0, 0x10000);
  return {
    ok: true,
    transport: {
      via: "packet-socket",
      // From 0.0.0.0 (RFC 2131 §4.1: a client without an address sends from 0.0.0.0) to the limited
      // broadcast; the helper puts it in a link-layer broadcast frame.
      send: (payload) => ch.send(encodeIpv4Udp({ src: "0.0.0.0", dst: LIMITED_BROADCAST, srcPort: DHCP_CLIENT_PORT, dstPort: DHCP_SERVER_PORT, payload }, ipId++)),
      onReply: (cb) =>
        ch.onPacket((pkt) => {
          const d = parseIpv4Udp(pkt);
          if (d && d.dstPort === DHCP_CLIENT_PORT && d.srcPort === DHCP_SERVER_PORT) cb(d.payload, d.src);
        }),
      close: () => ch.close(),
    },
  };
}

/** Runs the probe; resolves with what came back. Never rejects for network reasons. */
export async function runDhcpProbe(req: ProbeRequest): Promise<ProbeResult> {
  let transport: Transport | undefined;
  let timer: NodeJS.Timeout | undefined;
  let graceUntil: number | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const sendErrors: { what: "discover" | "inform"; code: string }[] = [];
    let inform = req.inform;
    if (req.sourceAddress || !req.interface) {
      const udp = await openUdp(req.sourceAddress);
      if (udp.ok) transport = udp.transport;
      else if (udp.code === "EADDRINUSE" && req.interface && req.discover) {
        // Another client holds port 68 exclusively: DISCOVER still works from a packet socket. The
        // INFORM cannot (its ACK is unicast to our address and port 68, and we cannot unicast from
        // a packet socket without resolving the server's MAC), so it is recorded as not sent.
        const packet = await openPacket(req.interface, req.signal, req.helperStartMs);
        if (!packet.ok) return { ran: false, code: udp.code, reason: `${udp.reason}; the packet-socket fallback failed too: ${packet.reason}` };
        transport = packet.transport;
        if (inform) sendErrors.push({ what: "inform", code: "EADDRINUSE" });
        inform = undefined;
      } else return { ran: false, code: udp.code, reason: udp.reason };
    } else {
      if (!req.discover) return { ran: false, code: "NO_ADDRESS", reason: `an INFORM needs an IPv4 address on ${req.interface}` };
      const packet = await openPacket(req.interface, req.signal, req.helperStartMs);
      if (!packet.ok) return { ran: false, code: packet.code, reason: `${req.interface} has no IPv4 address; ${packet.reason}` };
      transport = packet.transport;
      inform = undefined;
    }
    if (req.signal.aborted) return { ran: false, code: "ABORTED", reason: "cancelled before sending" };

    const t0 = performance.now();
    const discoverXid = randomInt(1, 0xffffffff);
    const informXid = randomInt(1, 0xffffffff);
    const offers: ProbeReply[] = [];
    let informReply: ProbeReply | undefined;
    let malformed = 0;
    let finish: () => void = () => undefined;
    const done = new Promise<void>((r) => (finish = r));

    transport.onReply((buf, from) => {
      const parsed = parseDhcpMessage(buf);
      if (!parsed.ok) {
        malformed++;
        return;
      }
      const m = parsed.message;
      // Our own broadcast requests loop back to the wildcard socket on some setups: replies only.
      if (m.op !== 2 || m.chaddr !== req.chaddr.toLowerCase()) return;
      const reply = (type: ProbeReply["type"]): ProbeReply => ({ type, from, receivedAfterMs: Math.round(performance.now() - t0), message: m });
      if (m.xid === discoverXid && m.options.messageType === DhcpMessageType.OFFER) {
        offers.push(reply("OFFER"));
        if (offers.length === 1 && req.graceAfterFirstOfferMs !== undefined) {
          graceUntil = performance.now() + req.graceAfterFirstOfferMs;
          if (timer) {
            clearTimeout(timer);
            timer = setTimeout(finish, req.graceAfterFirstOfferMs);
          }
        }
      } else if (m.xid === informXid && (m.options.messageType === DhcpMessageType.ACK || m.options.messageType === DhcpMessageType.NAK)) {
        informReply ??= reply(m.options.messageType === DhcpMessageType.ACK ? "ACK" : "NAK");
        // INFORM alone has nothing left to wait for; DISCOVER keeps collecting (rogue detection).
        if (!req.discover) finish();
      }
    });

    let discoverSent = false;
    let informSent = false;
    if (req.discover) {
      const err = await transport.send(encodeDhcpMessage(buildDiscover(discoverXid, req.chaddr)), LIMITED_BROADCAST);
      if (err) sendErrors.push({ what: "discover", code: err });
      else discoverSent = true;
    }
    if (inform) {
      const err = await transport.send(encodeDhcpMessage(buildInform(informXid, req.chaddr, inform.ciaddr)), inform.to);
      if (err) sendErrors.push({ what: "inform", code: err });
      else informSent = true;
    }

    if (discoverSent || informSent) {
      timer = setTimeout(finish, graceUntil !== undefined ? Math.max(0, graceUntil - performance.now()) : req.collectMs);
      onAbort = finish;
      if (req.signal.aborted) finish();
      else req.signal.addEventListener("abort", onAbort, { once: true });
      await done;
    }
    return { ran: true, via: transport.via, discoverSent, informSent, offers, ...(informReply ? { informReply } : {}), sendErrors, malformed };
  } finally {
    clearTimeout(timer);
    if (onAbort) req.signal.removeEventListener("abort", onAbort);
    transport?.close();
  }
}
