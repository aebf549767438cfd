// IPv4 + UDP headers for the DHCP probe's packet-socket path: pure functions on Buffers. A packet
// socket (AF_PACKET, SOCK_DGRAM) hands us whole IP packets and takes whole IP packets, so the probe
// builds the headers the kernel's UDP stack would otherwise add (RFC 791, RFC 768).
import { isIPv4 } from "node:net";

const IPV4_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;
const PROTO_UDP = 17;
/** RFC 1700 default TTL; a DISCOVER never leaves the segment anyway (relays rewrite it). */
const TTL = 64;

export interface UdpDatagram {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

function ipBytes(ip: string): Buffer {
  if (!isIPv4(ip)) throw new TypeError(`not an IPv4 address: ${ip}`);
  return Buffer.from(ip.split(".").map(Number));
}

/** RFC 1071 ones' complement sum of 16-bit words, folded and inverted. */
export function internetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 2) sum += (part[i]! << 8) | (part[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Pure: one IPv4 packet carrying `d`, both checksums filled in. Throws on bad addresses or ports (bugs). */
export function encodeIpv4Udp(d: UdpDatagram, id: number): Buffer {
  const udpLen = UDP_HEADER_BYTES + d.payload.length;
  const total = IPV4_HEADER_BYTES + udpLen;
  if (total > 0xffff) throw new RangeError("datagram too large");
  const src = ipBytes(d.src);
  const dst = ipBytes(d.dst);
  const ip = Buffer.alloc(IPV4_HEADER_BYTES);
  ip[0] = 0x45; // version 4, header length 5 words
  ip.writeUInt16BE(total, 2);
  ip.writeUInt16BE(id & 0xffff, 4);
  ip[8] = TTL;
  ip[9] = PROTO_UDP;
  src.copy(ip, 12);
  dst.copy(ip, 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);

  const udp = Buffer.alloc(UDP_HEADER_BYTES);
  udp.writeUInt16BE(d.srcPort, 0);
  udp.writeUInt16BE(d.dstPort, 2);
  udp.writeUInt16BE(udpLen, 4);
  const pseudo = Buffer.concat([src, dst, Buffer.from([0, PROTO_UDP, udpLen >> 8, udpLen & 0xff])]);
  // RFC 768: a computed checksum of 0 is sent as all ones (0 means "no checksum").
  udp.writeUInt16BE(internetChecksum(pseudo, udp, d.payload) || 0xffff, 6);
  return Buffer.concat([ip, udp, d.payload]);
}

/**
 * Pure: the UDP datagram inside an IPv4 packet, or undefined when it is not one (other protocol,
 * fragment, truncated). Checksums are not verified: a packet socket on a veth or with checksum
 * offload sees locally generated packets before the checksum is filled in; the DHCP parser and the
 * xid/chaddr match are what reject garbage.
 */
export function parseIpv4Udp(buf: Buffer): UdpDatagram | undefined {
  if (buf.length < IPV4_HEADER_BYTES || buf[0]! >> 4 !== 4) return undefined;
  const ihl = (buf[0]! & 0x0f) * 4;
  if (ihl < IPV4_HEADER_BYTES || buf.length < ihl + UDP_HEADER_BYTES || buf[9] !== PROTO_UDP) return undefined;
  const total = buf.readUInt16BE(2);
  // More-fragments set or a fragment offset: DHCP replies are never fragmented on a LAN.
  if ((buf.readUInt16BE(6) & 0x3fff) !== 0 || total > buf.length || total < ihl + UDP_HEADER_BYTES) return undefined;
  const udpLen = buf.readUInt16BE(ihl + 4);
  if (udpLen < UDP_HEADER_BYTES || ihl + udpLen > total) return undefined;
  const addr = (o: number) => `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
  return {
    src: addr(12),
    dst: addr(16),
    srcPort: buf.readUInt16BE(ihl),
    dstPort: buf.readUInt16BE(ihl + 2),
    payload: buf.subarray(ihl + UDP_HEADER_BYTES, ihl + udpLen),
  };
}
