// Pure parts of the snmp check: varbind decoding, table parsing on varbinds captured from Debian's
// snmpd (test/fixtures/snmp), WAN selection and the finding rules.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { describeWan, evaluateDevice, type MeasuredDevice } from "../../../agent/checks/snmp/evaluate.js";
import { parseAdsl, parseDocsis, parseInterfaces, parseSystem, parseVdsl2, type SnmpInterface } from "../../../agent/checks/snmp/parse-device.js";
import { SnmpType, tableRows, varbindNumber, varbindText, xdsl2Tenths, type RawVarbind } from "../../../agent/checks/snmp/parse-values.js";
import { pickWan } from "../../../agent/checks/snmp/wan.js";
import { parseDefaultRoute, ROUTE_OIDS } from "../../../agent/checks/snmp/routes.js";

/** Fixtures store Buffers as { hex }; everything else exactly as net-snmp returned it. */
function fixture(name: string): Record<string, RawVarbind[]> {
  const raw = JSON.parse(readFileSync(new URL(`../../fixtures/snmp/${name}`, import.meta.url), "utf8")) as Record<string, { oid: string; type: number; value: unknown }[]>;
  const out: Record<string, RawVarbind[]> = {};
  for (const [k, vbs] of Object.entries(raw)) {
    out[k] = vbs.map((vb) => ({ ...vb, value: vb.value && typeof vb.value === "object" && "hex" in vb.value ? Buffer.from((vb.value as { hex: string }).hex, "hex") : vb.value }));
  }
  return out;
}

const vb = (type: number, value: unknown, oid = "1.3.6.1.2.1.1.1.0"): RawVarbind => ({ oid, type, value });

describe("varbindNumber", () => {
  test.each([
    ["Counter64 1 byte", vb(SnmpType.Counter64, Buffer.from("00", "hex")), 0],
    ["Counter64 2 bytes", vb(SnmpType.Counter64, Buffer.from("6c8a", "hex")), 27786],
    ["Counter64 8 bytes", vb(SnmpType.Counter64, Buffer.from("0000000100000000", "hex")), 4294967296],
    ["Counter64 9 bytes with sign pad", vb(SnmpType.Counter64, Buffer.from("00ffffffffffffffff", "hex")), Number(2n ** 64n - 1n)],
    ["Counter32", vb(SnmpType.Counter, 4294967295), 4294967295],
    ["Gauge", vb(SnmpType.Gauge, 52000000), 52000000],
    ["TimeTicks", vb(SnmpType.TimeTicks, 12345), 12345],
    ["negative Integer", vb(SnmpType.Integer, -35), -35],
    ["noSuchInstance", vb(SnmpType.NoSuchInstance, null), undefined],
    ["endOfMibView", vb(SnmpType.EndOfMibView, null), undefined],
    ["OctetString is not a number", vb(SnmpType.OctetString, Buffer.from("12")), undefined],
    ["missing", undefined, undefined],
  ])("%s", (_name, input, expected) => {
    expect(varbindNumber(input)).toBe(expected);
  });
});

describe("xdsl2Tenths (RFC 5650 special values)", () => {
  test.each([
    [45, { db: 4.5 }],
    [-35, { db: -3.5 }],
    [0, { db: 0 }],
    [2147483646, { special: "unavailable" }],
    [2147483647, { special: "outOfRange" }],
  ])("%d", (n, expected) => {
    expect(xdsl2Tenths(vb(SnmpType.Integer, n))).toEqual(expected);
  });
});

test("varbindText drops NUL padding and control characters", () => {
  expect(varbindText(vb(SnmpType.OctetString, Buffer.from("ptm0\0\0", "latin1")))).toBe("ptm0");
  expect(varbindText(vb(SnmpType.OctetString, Buffer.from("a\nb")))).toBe("a b");
  expect(varbindText(vb(SnmpType.OID, "1.3.6.1.4.1.8072.3.2.10"))).toBe("1.3.6.1.4.1.8072.3.2.10");
});

test("tableRows splits column and (multi-part) index", () => {
  const rows = tableRows("1.3.6.1.2.1.10.251.1.1.2.1", [vb(2, 45, "1.3.6.1.2.1.10.251.1.1.2.1.4.1000.2"), vb(2, 1, "1.3.6.1.2.1.2.2.1.3.1")]);
  expect([...rows.keys()]).toEqual(["1000.2"]);
  expect(rows.get("1000.2")?.get(4)?.value).toBe(45);
});

describe("on varbinds captured from snmpd", () => {
  const ifs = fixture("linux-snmpd-iftables-wan-down.json");
  const interfaces = parseInterfaces(ifs["1.3.6.1.2.1.2.2"]!, ifs["1.3.6.1.2.1.31.1.1"]!);

  test("system group: uptime in seconds, OID and name as text", () => {
    const sys = parseSystem(fixture("linux-snmpd-system.json")["1.3.6.1.2.1.1"]!);
    expect(sys.sysName).toBe("fake-vdsl-modem");
    expect(sys.sysObjectID).toMatch(/^1\.3\.6\.1\.4\.1\.8072\./);
    expect(sys.sysUpTimeS).toBeGreaterThanOrEqual(0);
    expect(sys.sysDescr).toMatch(/Linux/);
  });

  test("interfaces: loopback with Counter64 octets, the overridden WAN row down", () => {
    const lo = interfaces.find((i) => i.ifIndex === 1);
    expect(lo).toMatchObject({ ifDescr: "lo", ifName: "lo", ifType: 24, ifAdminStatus: "up", ifOperStatus: "up", ifHCInOctets: 27786 });
    expect(interfaces.find((i) => i.ifIndex === 1000)).toMatchObject({ ifName: "ptm0", ifType: 251, ifAdminStatus: "up", ifOperStatus: "down", ifInErrors: 1200, ifOutErrors: 3, inPkts: 50000, outPkts: 40000 });
    expect(interfaces.map((i) => i.ifIndex)).toEqual([...interfaces.map((i) => i.ifIndex)].sort((a, b) => a - b));
  });

  test("VDSL2 band table: whole-direction rows, special values listed not compared", () => {
    const v = fixture("linux-snmpd-vdsl2-override.json")["1.3.6.1.2.1.10.251"]!;
    const part = parseVdsl2(v, v);
    expect(part).toEqual({
      supported: true,
      lines: [{ ifIndex: 1000, attainableRateDownBps: 52000000, attainableRateUpBps: 11000000, snrMarginDownDb: 4.5, attenuationDownDb: 18.2, unavailable: ["snrMarginUpDb:outOfRange", "attenuationUpDb:unavailable"] }],
    });
  });

  test("a device without the line MIBs: unsupported, not failed", () => {
    const none = fixture("linux-snmpd-no-line-mibs.json");
    expect(parseAdsl(none["1.3.6.1.2.1.10.94"]!, [], [], [])).toEqual({ supported: false });
    expect(parseDocsis(none["1.3.6.1.2.1.10.127"]!, [])).toEqual({ supported: false });
    expect(parseVdsl2([], [])).toEqual({ supported: false });
  });

  test("WAN found by ifType and judged down with errors", () => {
    const wan = describeWan(interfaces, pickWan(interfaces));
    expect(wan).toMatchObject({ found: true, ifIndex: 1000, how: "ifType", ifOperStatus: "down" });
    const codes = evaluateDevice(device({ interfaces, wan })).map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(["WAN_LINK_DOWN", "WAN_ERRORS"]));
  });
});

const iface = (ifIndex: number, more: Partial<SnmpInterface>): SnmpInterface => ({ ifIndex, ifAdminStatus: "up", ifOperStatus: "up", ...more });

describe("pickWan", () => {
  test.each([
    ["configured wins over ifType", [iface(1, { ifType: 94 }), iface(7, { ifType: 6, ifName: "eth3" })], 7, { ifIndex: 7, how: "configured" }],
    ["vdsl2 before ppp", [iface(3, { ifType: 23, ifName: "ppp0" }), iface(4, { ifType: 251 })], undefined, { ifIndex: 4, how: "ifType" }],
    ["an up DSL port before an unused one", [iface(2, { ifType: 94, ifOperStatus: "down" }), iface(3, { ifType: 94 })], undefined, { ifIndex: 3, how: "ifType" }],
    ["docsis cable MAC", [iface(1, { ifType: 24, ifName: "lo" }), iface(2, { ifType: 127 })], undefined, { ifIndex: 2, how: "ifType" }],
    ["name 'wan'", [iface(1, { ifType: 6, ifName: "lan" }), iface(2, { ifType: 6, ifName: "wan" })], undefined, { ifIndex: 2, how: "name" }],
    ["MikroTik ether1", [iface(1, { ifType: 6, ifName: "ether2" }), iface(2, { ifType: 6, ifName: "ether1" })], undefined, { ifIndex: 2, how: "name" }],
    ["OpenWrt eth0.2 VLAN", [iface(1, { ifType: 6, ifDescr: "eth0.1" }), iface(2, { ifType: 135, ifDescr: "eth0.2" })], undefined, { ifIndex: 2, how: "name" }],
    ["pppoe-wan", [iface(5, { ifType: 1, ifName: "pppoe-wan" })], undefined, { ifIndex: 5, how: "name" }],
  ])("%s", (_n, list, configured, expected) => {
    expect(pickWan(list, configured)).toMatchObject(expected);
  });

  test("nothing WAN-like (loopback and LAN only)", () => {
    expect(pickWan([iface(1, { ifType: 24, ifName: "lo" }), iface(2, { ifType: 6, ifName: "br-lan" })])).toBeUndefined();
  });
});

function device(over: Partial<MeasuredDevice>): MeasuredDevice {
  return {
    subject: "10.0.0.1:161",
    system: { sysUpTimeS: 86400 },
    interfaces: [],
    wan: { found: false },
    adsl: { supported: false },
    vdsl2: { supported: false },
    docsis: { supported: false },
    ...over,
  };
}

describe("evaluateDevice", () => {
  const upWan = { found: true, ifIndex: 2, ifAdminStatus: "up", ifOperStatus: "up" } as const;
  test.each<[string, Partial<MeasuredDevice>, string[]]>([
    ["healthy", { wan: upWan }, []],
    ["no WAN identified is only info", {}, ["WAN_NOT_IDENTIFIED"]],
    ["recent reboot", { wan: upWan, system: { sysUpTimeS: 120 } }, ["DEVICE_REBOOTED_RECENTLY"]],
    ["admin down", { wan: { ...upWan, ifAdminStatus: "down", ifOperStatus: "down" } }, ["WAN_ADMIN_DOWN"]],
    ["link down", { wan: { ...upWan, ifOperStatus: "lowerLayerDown" } }, ["WAN_LINK_DOWN"]],
    ["dormant (PPP on demand) is not down", { wan: { ...upWan, ifOperStatus: "dormant" } }, []],
    ["ADSL SNR 5.9 dB", { wan: upWan, adsl: { supported: true, lines: [{ ifIndex: 2, snrMarginDownDb: 5.9, snrMarginUpDb: 9 }] } }, ["LINE_SNR_LOW"]],
    ["ADSL SNR exactly 6 dB is fine", { wan: upWan, adsl: { supported: true, lines: [{ ifIndex: 2, snrMarginDownDb: 6 }] } }, []],
    ["ADSL attenuation 62 dB", { wan: upWan, adsl: { supported: true, lines: [{ ifIndex: 2, attenuationDownDb: 62 }] } }, ["LINE_ATTENUATION_HIGH"]],
    ["ADSL CRC blocks", { wan: upWan, adsl: { supported: true, lines: [], errors: { receivedBlocks: 10000, uncorrectableBlocks: 50 } } }, ["LINE_ERRORS"]],
    ["ADSL errored seconds 2 % of uptime", { wan: upWan, adsl: { supported: true, lines: [], errors: { erroredSeconds: 1728 } } }, ["LINE_ERRORS"]],
    ["VDSL2 upstream margin low", { wan: upWan, vdsl2: { supported: true, lines: [{ ifIndex: 2, snrMarginUpDb: 2.1, unavailable: [] }] } }, ["LINE_SNR_LOW"]],
    ["VDSL2 all unavailable is not a fault", { wan: upWan, vdsl2: { supported: true, lines: [{ ifIndex: 2, unavailable: ["snrMarginDownDb:unavailable"] }] } }, []],
    ["DOCSIS SNR 28 dB, power 17 dBmV, uncorrectables", { wan: upWan, docsis: { supported: true, lines: [{ ifIndex: 3, snrDb: 28, powerDbmv: 17, unerroreds: 9000, uncorrectables: 100 }] } }, ["LINE_SNR_LOW", "LINE_POWER_OUT_OF_RANGE", "LINE_ERRORS"]],
  ])("%s", (_n, over, codes) => {
    expect(evaluateDevice(device(over)).map((f) => f.code)).toEqual(codes);
  });

  test("WAN errors need a meaningful ratio and count", () => {
    const interfaces = [iface(2, { ifInErrors: 5, inPkts: 10, outPkts: 0 })];
    const wan = describeWan(interfaces, { ifIndex: 2, how: "configured", matched: "" });
    expect(evaluateDevice(device({ interfaces, wan })).map((f) => f.code)).toEqual([]);
    const busy = [iface(2, { ifInErrors: 500, inPkts: 100000, outPkts: 100000 })];
    expect(evaluateDevice(device({ interfaces: busy, wan: describeWan(busy, { ifIndex: 2, how: "configured", matched: "" }) })).map((f) => f.code)).toEqual(["WAN_ERRORS"]);
  });

  test("a configured ifIndex the device does not have", () => {
    const wan = describeWan([iface(1, {})], { ifIndex: 9, how: "configured", matched: "" });
    expect(wan).toMatchObject({ found: false, ifIndex: 9 });
    expect(evaluateDevice(device({ wan }))[0]?.message).toMatch(/ifIndex 9/);
  });
});

describe("parseDefaultRoute (route tables captured from the lab router's snmpd: default via 100.64.7.1 dev wan0)", () => {
  const fx = fixture("linux-snmpd-routes.json");
  const under = (prefix: string, table: string) => (fx[table] ?? []).filter((v) => v.oid.startsWith(prefix + ".") || v.oid === prefix);
  const inet = under(ROUTE_OIDS.inetCidrDefault, "1.3.6.1.2.1.4.24.7.1");
  const cidr = under(ROUTE_OIDS.ipCidrDefault, "1.3.6.1.2.1.4.24.4.1");
  const ipRoute = (fx["1.3.6.1.2.1.4.21.1"] ?? []).filter((v) => v.oid === ROUTE_OIDS.ipRouteNextHop || v.oid === ROUTE_OIDS.ipRouteIfIndex);

  test("each MIB on its own names the ISP edge and the WAN ifIndex", () => {
    expect(parseDefaultRoute(inet, [], [])).toEqual({ source: "inetCidrRouteTable", address: "100.64.7.1", ifIndex: 3 });
    expect(parseDefaultRoute([], cidr, [])).toEqual({ source: "ipCidrRouteTable", address: "100.64.7.1", ifIndex: 3 });
    expect(parseDefaultRoute([], [], ipRoute)).toEqual({ source: "ipRouteTable", address: "100.64.7.1", ifIndex: 3 });
  });
  test("the newest MIB wins; nothing reported is not measured", () => {
    expect(parseDefaultRoute(inet, cidr, ipRoute)?.source).toBe("inetCidrRouteTable");
    expect(parseDefaultRoute([], [], [])).toBeUndefined();
    expect(parseDefaultRoute([], [], [vb(SnmpType.NoSuchInstance, null, ROUTE_OIDS.ipRouteNextHop)])).toBeUndefined();
  });
  test("a point-to-point default route (next hop 0.0.0.0, or an interface route) names no address", () => {
    expect(parseDefaultRoute([], [], [vb(SnmpType.IpAddress, "0.0.0.0", ROUTE_OIDS.ipRouteNextHop), vb(SnmpType.Integer, 7, ROUTE_OIDS.ipRouteIfIndex)])).toEqual({ source: "ipRouteTable", ifIndex: 7 });
    // inetCidrRouteNextHopType unknown(0) with length 0: PPP's "default dev ppp0".
    expect(parseDefaultRoute([vb(SnmpType.Integer, 9, `${ROUTE_OIDS.inetCidrDefault}.2.0.0.0.0`)], [], [])).toEqual({ source: "inetCidrRouteTable", ifIndex: 9 });
  });
});
