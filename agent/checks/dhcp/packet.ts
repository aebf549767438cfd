// BOOTP/DHCP message codec (RFC 2131 layout, RFC 2132 options): pure functions on Buffers. Parsing
// never throws: the bytes come off the wire from any host on the segment, so bad input is a value.
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

/** RFC 2132 §9.6 message types. */
export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type DhcpMessageTypeName = keyof typeof DhcpMessageType;

/** RFC 2132 option codes this codec decodes; anything else is kept raw in `unknown`. */
export const Opt = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS: 6,
  DOMAIN_NAME: 15,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAM_REQUEST_LIST: 55,
  CLIENT_ID: 61,
  END: 255,
} as const;

export interface DhcpOptions {
  messageType?: number;
  serverId?: string;
  /** Option 51, seconds; 0xffffffff means infinite. */
  leaseTimeSec?: number;
  subnetMask?: string;
  routers?: string[];
  dnsServers?: string[];
  domainName?: string;
  requestedIp?: string;
  paramRequestList?: number[];
  clientId?: Buffer;
  /** Options this codec does not decode, in wire order (tolerated, never an error). */
  unknown?: { code: number; data: Buffer }[];
}

export interface DhcpMessage {
  /** 1 BOOTREQUEST, 2 BOOTREPLY. */
  op: 1 | 2;
  htype: number;
  hops: number;
  xid: number;
  secs: number;
  /** Bit 15 is the BROADCAST flag (RFC 2131 §2). */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Client hardware address, hlen bytes, as aa:bb:cc:dd:ee:ff. */
  chaddr: string;
  options: DhcpOptions;
}

export type ParseResult = { ok: true; message: DhcpMessage } | { ok: false; error: string };

export const BROADCAST_FLAG = 0x8000;
const MAGIC_COOKIE = 0x63825363;
/** Fixed header (236) + magic cookie (4). */
const HEADER_LEN = 240;
/** RFC 1542 §3.2.1: relay agents and old servers drop BOOTP messages shorter than 300 bytes. */
const MIN_MESSAGE_LEN = 300;

function ipToBytes(ip: string): number[] {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) {
    throw new TypeError(`not an IPv4 address: ${ip}`);
  }
  return parts;
}

function bytesToIp(b: Buffer, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

function macToBytes(mac: string): Buffer {
  const hex = mac.replace(/[:-]/g, "");
  if (!/^([0-9a-fA-F]{2}){1,16}$/.test(hex)) throw new TypeError(`not a hardware address: ${mac}`);
  return Buffer.from(hex, "hex");
}

/** Encodes a message; throws TypeError on bad input (a bug in the caller, not the network). */
export function encodeDhcpMessage(m: DhcpMessage): Buffer {
  const opts: Buffer[] = [];
  const put = (code: number, data: Buffer | number[]) => {
    const d = Buffer.from(data);
    if (d.length > 255) throw new TypeError(`option ${code} longer than 255 bytes`);
    opts.push(Buffer.from([code, d.length]), d);
  };
  const o = m.options;
  // Message type first: RFC 2131 does not require it, but some servers only look there.
  if (o.messageType !== undefined) put(Opt.MESSAGE_TYPE, [o.messageType]);
  if (o.clientId) put(Opt.CLIENT_ID, o.clientId);
  if (o.requestedIp) put(Opt.REQUESTED_IP, ipToBytes(o.requestedIp));
  if (o.serverId) put(Opt.SERVER_ID, ipToBytes(o.serverId));
  if (o.leaseTimeSec !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(o.leaseTimeSec);
    put(Opt.LEASE_TIME, b);
  }
  if (o.subnetMask) put(Opt.SUBNET_MASK, ipToBytes(o.subnetMask));
  if (o.routers?.length) put(Opt.ROUTER, o.routers.flatMap(ipToBytes));
  if (o.dnsServers?.length) put(Opt.DNS, o.dnsServers.flatMap(ipToBytes));
  if (o.domainName !== undefined) put(Opt.DOMAIN_NAME, Buffer.from(o.domainName, "ascii"));
  if (o.paramRequestList?.length) put(Opt.PARAM_REQUEST_LIST, o.paramRequestList);
  for (const u of o.unknown ?? []) put(u.code, u.data);
  opts.push(Buffer.from([Opt.END]));

  const chaddr = macToBytes(m.chaddr);
  const head = Buffer.alloc(HEADER_LEN);
  head[0] = m.op;
  head[1] = m.htype;
  head[2] = chaddr.length;
  head[3] = m.hops;
  head.writeUInt32BE(m.xid >>> 0, 4);
  head.writeUInt16BE(m.secs, 8);
  head.writeUInt16BE(m.flags, 10);
  Buffer.from(ipToBytes(m.ciaddr)).copy(head, 12);
  Buffer.from(ipToBytes(m.yiaddr)).copy(head, 16);
  Buffer.from(ipToBytes(m.siaddr)).copy(head, 20);
  Buffer.from(ipToBytes(m.giaddr)).copy(head, 24);
  chaddr.copy(head, 28);
  // sname (64) and file (128) stay zero.
  head.writeUInt32BE(MAGIC_COOKIE, 236);
  const body = Buffer.concat([head, ...opts]);
  return body.length >= MIN_MESSAGE_LEN ? body : Buffer.concat([body, Buffer.alloc(MIN_MESSAGE_LEN - body.length)]);
}

/** Decodes one message; every malformation is returned as `{ ok: false, error }`. */
export function parseDhcpMessage(buf: Buffer): ParseResult {
  if (buf.length < HEADER_LEN) return { ok: false, error: `too short: ${buf.length} bytes, need at least ${HEADER_LEN}` };
  const op = buf[0];
  if (op !== 1 && op !== 2) return { ok: false, error: `bad op ${op}` };
  const hlen = buf[2]!;
  if (hlen > 16) return { ok: false, error: `bad hlen ${hlen}` };
  if (buf.readUInt32BE(236) !== MAGIC_COOKIE) return { ok: false, error: "no DHCP magic cookie (plain BOOTP or garbage)" };

  // Collect raw options first; a code seen twice is concatenated (RFC 3396 long options).
  const raw = new Map<number, Buffer[]>();
  const order: number[] = [];
  let i = HEADER_LEN;
  while (i < buf.length) {
    const code = buf[i]!;
    if (code === Opt.PAD) {
      i += 1;
      continue;
    }
    if (code === Opt.END) break;
    if (i + 1 >= buf.length) return { ok: false, error: `option ${code} truncated: no length byte` };
    const len = buf[i + 1]!;
    if (i + 2 + len > buf.length) return { ok: false, error: `option ${code} truncated: length ${len} past end of packet` };
    if (!raw.has(code)) {
      raw.set(code, []);
      order.push(code);
    }
    raw.get(code)!.push(buf.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  // A missing END at the very end of the buffer is tolerated (liberal in what we accept); a
  // truncated option inside is not (handled above).

  const options: DhcpOptions = {};
  const unknown: { code: number; data: Buffer }[] = [];
  for (const code of order) {
    const data = Buffer.concat(raw.get(code)!);
    const bad = decodeOption(options, code, data);
    if (bad === "unknown") unknown.push({ code, data: Buffer.from(data) });
    else if (bad) return { ok: false, error: bad };
  }
  if (unknown.length) options.unknown = unknown;

  return {
    ok: true,
    message: {
      op,
      htype: buf[1]!,
      hops: buf[3]!,
      xid: buf.readUInt32BE(4),
      secs: buf.readUInt16BE(8),
      flags: buf.readUInt16BE(10),
      ciaddr: bytesToIp(buf, 12),
      yiaddr: bytesToIp(buf, 16),
      siaddr: bytesToIp(buf, 20),
      giaddr: bytesToIp(buf, 24),
      chaddr: [...buf.subarray(28, 28 + hlen)].map((b) => b.toString(16).padStart(2, "0")).join(":"),
      options,
    },
  };
}

/** Fills one known option into `o`; returns an error text, "unknown", or undefined when fine. */
function decodeOption(o: DhcpOptions, code: number, d: Buffer): string | "unknown" | undefined {
  const ip = () => (d.length === 4 ? bytesToIp(d) : undefined);
  const ipList = () => (d.length > 0 && d.length % 4 === 0 ? Array.from({ length: d.length / 4 }, (_, k) => bytesToIp(d, k * 4)) : undefined);
  switch (code) {
    case Opt.MESSAGE_TYPE:
      if (d.length !== 1) return `option 53 (message type) has length ${d.length}, expected 1`;
      o.messageType = d[0]!;
      return;
    case Opt.SERVER_ID:
      if (!(o.serverId = ip())) return `option 54 (server id) has length ${d.length}, expected 4`;
      return;
    case Opt.REQUESTED_IP:
      if (!(o.requestedIp = ip())) return `option 50 (requested ip) has length ${d.length}, expected 4`;
      return;
    case Opt.SUBNET_MASK:
      if (!(o.subnetMask = ip())) return `option 1 (subnet mask) has length ${d.length}, expected 4`;
      return;
    case Opt.LEASE_TIME:
      if (d.length !== 4) return `option 51 (lease time) has length ${d.length}, expected 4`;
      o.leaseTimeSec = d.readUInt32BE(0);
      return;
    case Opt.ROUTER:
      if (!(o.routers = ipList())) return `option 3 (router) has length ${d.length}, not a multiple of 4`;
      return;
    case Opt.DNS:
      if (!(o.dnsServers = ipList())) return `option 6 (DNS) has length ${d.length}, not a multiple of 4`;
      return;
    case Opt.DOMAIN_NAME:
      // Some servers NUL-terminate the name; strip that rather than report it.
      o.domainName = d.toString("latin1").replace(/\0+$/, "");
      return;
    case Opt.PARAM_REQUEST_LIST:
      o.paramRequestList = [...d];
      return;
    case Opt.CLIENT_ID:
      o.clientId = Buffer.from(d);
      return;
    default:
      return "unknown";
  }
}

/** The name of a message type for reports, e.g. "OFFER"; "TYPE_n" for values outside RFC 2132. */
export function messageTypeName(t: number | undefined): string {
  const hit = Object.entries(DhcpMessageType).find(([, v]) => v === t);
  return hit ? hit[0] : `TYPE_${t ?? "NONE"}`;
}
