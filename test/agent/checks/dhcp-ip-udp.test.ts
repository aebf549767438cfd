// The IPv4/UDP codec of the DHCP probe's packet-socket path, on a packet a packet socket really
// received (dnsmasq's OFFER to an interface with no address) and on what we build ourselves.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { encodeIpv4Udp, internetChecksum, parseIpv4Udp } from "../../../agent/checks/dhcp/ip-udp.js";
import { encodeDhcpMessage, parseDhcpMessage } from "../../../agent/checks/dhcp/packet.js";
import { buildDiscover } from "../../../agent/checks/dhcp/probe.js";
import { packetOpenFailure, openPacketChannel } from "../../../agent/checks/dhcp/packet-socket.js";

const hex = (name: string) =>
  Buffer.from(
    readFileSync(new URL(`../../fixtures/dhcp/${name}`, import.meta.url), "utf8")
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("")
      .trim(),
    "hex",
  );

describe("parseIpv4Udp", () => {
  test("a captured OFFER: addresses, ports, and the DHCP payload inside", () => {
    const d = parseIpv4Udp(hex("dnsmasq-2.90-offer-ip-packet.hex"));
    expect(d).toMatchObject({ src: "10.88.0.1", dst: "255.255.255.255", srcPort: 67, dstPort: 68 });
    const m = parseDhcpMessage(d!.payload);
    expect(m.ok && m.message).toMatchObject({ op: 2, xid: 0x01234567, yiaddr: "10.88.0.128", chaddr: "1e:bc:ae:67:30:7f" });
  });

  test.each<[string, (b: Buffer) => Buffer]>([
    ["truncated below the IP header", (b) => b.subarray(0, 19)],
    ["IPv6 version nibble", (b) => Buffer.concat([Buffer.from([0x65]), b.subarray(1)])],
    ["not UDP (TCP)", (b) => { const c = Buffer.from(b); c[9] = 6; return c; }],
    ["a fragment", (b) => { const c = Buffer.from(b); c.writeUInt16BE(0x2000, 6); return c; }],
    ["total length past the buffer", (b) => { const c = Buffer.from(b); c.writeUInt16BE(b.length + 1, 2); return c; }],
    ["UDP length past the packet", (b) => { const c = Buffer.from(b); c.writeUInt16BE(0xffff, 24); return c; }],
    ["UDP length under its header", (b) => { const c = Buffer.from(b); c.writeUInt16BE(4, 24); return c; }],
  ])("%s: undefined, never a throw", (_name, mangle) => {
    expect(parseIpv4Udp(mangle(hex("dnsmasq-2.90-offer-ip-packet.hex")))).toBeUndefined();
  });
});

describe("encodeIpv4Udp", () => {
  const payload = encodeDhcpMessage(buildDiscover(0x01234567, "1e:bc:ae:67:30:7f"));
  const pkt = encodeIpv4Udp({ src: "0.0.0.0", dst: "255.255.255.255", srcPort: 68, dstPort: 67, payload }, 0xbeef);

  test("round trip through the parser", () => {
    expect(parseIpv4Udp(pkt)).toEqual({ src: "0.0.0.0", dst: "255.255.255.255", srcPort: 68, dstPort: 67, payload });
  });

  test("IP header checksum verifies (RFC 1071: the sum over a correct header is 0)", () => {
    expect(pkt.readUInt16BE(10)).not.toBe(0);
    expect(internetChecksum(pkt.subarray(0, 20))).toBe(0);
  });

  test("UDP checksum verifies over the pseudo-header", () => {
    const udpLen = pkt.length - 20;
    const pseudo = Buffer.concat([pkt.subarray(12, 20), Buffer.from([0, 17, udpLen >> 8, udpLen & 0xff])]);
    expect(internetChecksum(pseudo, pkt.subarray(20))).toBe(0);
  });

  test("header fields: version/IHL, TTL, protocol, total length", () => {
    expect(pkt[0]).toBe(0x45);
    expect(pkt[8]).toBe(64);
    expect(pkt[9]).toBe(17);
    expect(pkt.readUInt16BE(2)).toBe(pkt.length);
  });

  test("a bad address is a bug, thrown", () => {
    expect(() => encodeIpv4Udp({ src: "0.0.0", dst: "255.255.255.255", srcPort: 68, dstPort: 67, payload }, 1)).toThrow(/not an IPv4 address/);
  });
});

describe("packet-socket helper: what it says when it cannot run", () => {
  test("python3 missing: not measured, naming the packet socket and python3", async () => {
    const r = await openPacketChannel("lo", new AbortController().signal, { python: "/nonexistent/netdiag-python3", startMs: 5000 });
    expect(r).toMatchObject({ ok: false, code: "ENOENT" });
    expect(!r.ok && r.reason).toMatch(/packet socket \(AF_PACKET\).*python3 is not installed/);
  });

  test.each([
    ["EPERM", /root or CAP_NET_RAW/],
    ["EACCES", /root or CAP_NET_RAW/],
    ["ENODEV", /interface eth9 does not exist/],
    ["HELPER_TIMEOUT", /did not start in time/],
  ])("%s", (code, reason) => {
    expect(packetOpenFailure(code, "eth9").reason).toMatch(reason);
  });
});
