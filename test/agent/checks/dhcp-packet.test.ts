// The DHCP codec on raw bytes: real dnsmasq replies captured with tcpdump, round trips, and every
// malformation we can think of returning an error instead of throwing.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { BROADCAST_FLAG, DhcpMessageType, encodeDhcpMessage, messageTypeName, parseDhcpMessage, type DhcpMessage } from "../../../agent/checks/dhcp/packet.js";
import { buildDiscover, buildInform, randomLocalMac } from "../../../agent/checks/dhcp/probe.js";

const hex = (name: string) =>
  Buffer.from(
    readFileSync(new URL(`../../fixtures/dhcp/${name}`, import.meta.url), "utf8")
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("")
      .trim(),
    "hex",
  );

describe("parseDhcpMessage on captured dnsmasq 2.90 replies", () => {
  test.each([
    ["dnsmasq-2.90-offer-broadcast.hex", "OFFER", "10.77.0.104", BROADCAST_FLAG, 3600, "6a:d3:3f:75:26:8c"],
    ["dnsmasq-2.90-offer-unicast.hex", "OFFER", "10.77.0.126", 0, 3600, "aa:aa:6b:3a:f7:c9"],
    ["dnsmasq-2.90-inform-ack.hex", "ACK", "0.0.0.0", 0, undefined, "6a:d3:3f:75:26:8c"],
  ])("%s", (file, type, yiaddr, flags, lease, chaddr) => {
    const r = parseDhcpMessage(hex(file));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.message;
    expect(m.op).toBe(2);
    expect(messageTypeName(m.options.messageType)).toBe(type);
    expect(m.yiaddr).toBe(yiaddr);
    expect(m.flags).toBe(flags);
    expect(m.chaddr).toBe(chaddr);
    expect(m.options.serverId).toBe("10.77.0.1");
    expect(m.options.routers).toEqual(["10.77.0.1"]);
    expect(m.options.dnsServers).toEqual(["10.77.0.53"]);
    expect(m.options.subnetMask).toBe("255.255.255.0");
    expect(m.options.domainName).toBe("lab.test");
    expect(m.options.leaseTimeSec).toBe(lease);
  });

  test("keeps options it does not decode (T1 58, T2 59, broadcast 28) as unknown", () => {
    const r = parseDhcpMessage(hex("dnsmasq-2.90-offer-broadcast.hex"));
    expect(r.ok && r.message.options.unknown?.map((u) => u.code)).toEqual(expect.arrayContaining([58, 59, 28]));
  });

  test("our own DISCOVER as captured on the wire decodes to what buildDiscover makes", () => {
    const r = parseDhcpMessage(hex("netdiag-discover.hex"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const expected = buildDiscover(r.message.xid, "6a:d3:3f:75:26:8c");
    expect(encodeDhcpMessage(expected)).toEqual(hex("netdiag-discover.hex"));
  });
});

describe("encodeDhcpMessage round trip", () => {
  const full: DhcpMessage = {
    op: 2,
    htype: 1,
    hops: 1,
    xid: 0xdeadbeef,
    secs: 7,
    flags: BROADCAST_FLAG,
    ciaddr: "0.0.0.0",
    yiaddr: "10.1.2.3",
    siaddr: "10.1.2.1",
    giaddr: "10.1.0.1",
    chaddr: "02:00:5e:10:20:30",
    options: {
      messageType: DhcpMessageType.OFFER,
      serverId: "10.1.2.1",
      leaseTimeSec: 0xffffffff,
      subnetMask: "255.255.0.0",
      routers: ["10.1.0.1", "10.1.0.2"],
      dnsServers: ["10.1.0.53"],
      domainName: "example.test",
      requestedIp: "10.1.2.3",
      paramRequestList: [1, 3, 6],
      clientId: Buffer.from("0102005e102030", "hex"),
      unknown: [{ code: 200, data: Buffer.from("hi") }],
    },
  };
  test.each([
    ["every decoded option", full],
    ["DISCOVER built by the probe", buildDiscover(42, randomLocalMac())],
    ["INFORM built by the probe", buildInform(43, "02:11:22:33:44:55", "10.9.8.7")],
  ])("%s", (_name, msg) => {
    const buf = encodeDhcpMessage(msg);
    expect(buf.length).toBeGreaterThanOrEqual(300);
    const r = parseDhcpMessage(buf);
    expect(r).toEqual({ ok: true, message: msg });
  });

  test("randomLocalMac is unicast and locally administered", () => {
    for (let i = 0; i < 50; i++) {
      const first = parseInt(randomLocalMac().slice(0, 2), 16);
      expect(first & 0x03).toBe(0x02);
    }
  });

  test("refuses to encode a bad address (caller bug)", () => {
    expect(() => encodeDhcpMessage({ ...full, ciaddr: "10.0.0.256" })).toThrow(TypeError);
  });
});

describe("parseDhcpMessage on malformed input never throws", () => {
  const good = encodeDhcpMessage(buildDiscover(1, "02:00:00:00:00:01"));
  const at = (b: Buffer, off: number, bytes: number[]) => {
    const c = Buffer.from(b);
    Buffer.from(bytes).copy(c, off);
    return c;
  };
  // Options start at 240; buildDiscover's first option is 53 (type) len 1.
  test.each([
    ["empty", Buffer.alloc(0), /too short/],
    ["header only, 239 bytes", good.subarray(0, 239), /too short/],
    ["bad op", at(good, 0, [7]), /bad op/],
    ["hlen > 16", at(good, 2, [17]), /bad hlen/],
    ["no magic cookie", at(good, 236, [0, 0, 0, 0]), /magic cookie/],
    ["option length past the end", Buffer.concat([good.subarray(0, 240), Buffer.from([54, 4, 10, 0])]), /truncated/],
    ["option without length byte", Buffer.concat([good.subarray(0, 240), Buffer.from([54])]), /no length byte/],
    ["message type of length 2", Buffer.concat([good.subarray(0, 240), Buffer.from([53, 2, 1, 1, 255])]), /message type/],
    ["server id of length 3", Buffer.concat([good.subarray(0, 240), Buffer.from([54, 3, 1, 2, 3, 255])]), /server id/],
    ["router list of length 6", Buffer.concat([good.subarray(0, 240), Buffer.from([3, 6, 1, 2, 3, 4, 5, 6, 255])]), /router/],
    ["lease time of length 2", Buffer.concat([good.subarray(0, 240), Buffer.from([51, 2, 0, 1, 255])]), /lease time/],
  ])("%s", (_name, buf, err) => {
    const r = parseDhcpMessage(buf);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(err);
  });

  test.each([
    ["missing END at buffer end", Buffer.concat([good.subarray(0, 240), Buffer.from([53, 1, 2])])],
    ["only pads after the cookie", Buffer.concat([good.subarray(0, 240), Buffer.alloc(60)])],
  ])("tolerates %s", (_name, buf) => {
    expect(parseDhcpMessage(buf).ok).toBe(true);
  });

  test("a repeated option is concatenated (RFC 3396)", () => {
    const buf = Buffer.concat([good.subarray(0, 240), Buffer.from([6, 4, 10, 0, 0, 1, 6, 4, 10, 0, 0, 2, 255])]);
    const r = parseDhcpMessage(buf);
    expect(r.ok && r.message.options.dnsServers).toEqual(["10.0.0.1", "10.0.0.2"]);
  });

  test("random garbage: 2000 buffers, never a throw", () => {
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(good);
      const n = 1 + (i % 40);
      for (let k = 0; k < n; k++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      expect(() => parseDhcpMessage(b.subarray(0, 200 + (i % 120)))).not.toThrow();
    }
  });
});
