// The snmp check end to end against Debian's real snmpd on loopback (test/helpers/snmpd.ts): real
// IF-MIB, v2c and v3 authPriv, snmpd's real USM report PDUs, and made-up modem values via `override`.
import { testCheckContext } from "../../helpers/check-context.js";
import { createSocket, type Socket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { snmpCheck } from "../../../agent/checks/snmp.js";
import { type SnmpDevice } from "../../../agent/config.js";
import { startSnmpd, type Snmpd, type SnmpdOverride } from "../../helpers/snmpd.js";
import { NO_SNMPD, titled } from "../../helpers/system-deps.js";

const COMMUNITY = "s3cret-community";
const USER = { name: "tech", authKey: "auth-key-12345", privKey: "priv-key-67890" };
/** sysUpTime of one day (TimeTicks cannot be overridden; snmpd serves it as a Gauge, which the parser accepts). */
const UP_ONE_DAY: SnmpdOverride = { oid: "1.3.6.1.2.1.1.3.0", type: "uinteger", value: 8640000 };

function context(devices: unknown[]) {
  // No check here may look at the host: testCheckContext gives an empty made-up system view.
  return testCheckContext({ resolvers: ["127.0.0.1:1"], snmp: devices });
}

async function run(devices: unknown[], signal = new AbortController().signal) {
  const { ctx, log } = context(devices);
  const t0 = performance.now();
  const out = await snmpCheck.run(ctx, signal);
  return { out, log, ms: performance.now() - t0, device: out.data.devices?.[0] };
}

const v2 = (s: Snmpd, more: Partial<SnmpDevice> = {}) => ({ host: s.host, port: s.port, version: "2c", community: COMMUNITY, ...more });
const v3 = (s: Snmpd, more: Record<string, unknown> = {}) => ({ host: s.host, port: s.port, version: "3", user: USER.name, authKey: USER.authKey, privKey: USER.privKey, ...more });

test("no device configured: skipped with a reason", async () => {
  const { out } = await run([]);
  expect(out).toMatchObject({ status: "skipped", skipReason: "no SNMP device configured", findings: [] });
});

describe.skipIf(!!NO_SNMPD)(titled("plain snmpd (no line MIBs)", NO_SNMPD), () => {
  let snmpd: Snmpd;
  beforeAll(async () => {
    snmpd = await startSnmpd({ community: COMMUNITY, users: [USER], overrides: [UP_ONE_DAY] });
  });
  afterAll(async () => snmpd?.close());

  test("v2c: system group and the real IF-MIB; DSL/cable MIBs unsupported, not failed", async () => {
    const { out, device } = await run([v2(snmpd, { wanIfIndex: 1 })]);
    expect(out.status).toBe("ok");
    expect(out.findings).toEqual([]);
    expect(device).toMatchObject({ reach: "answered", version: "2c", system: { sysUpTimeS: 86400 } });
    expect(device?.system?.sysDescr).toMatch(/Linux/);
    expect(device?.interfaces?.find((i) => i.ifIndex === 1)).toMatchObject({ ifDescr: "lo", ifType: 24, ifOperStatus: "up" });
    expect(typeof device?.interfaces?.find((i) => i.ifIndex === 1)?.ifHCInOctets).toBe("number");
    expect(device?.wan).toMatchObject({ found: true, ifIndex: 1, how: "configured", ifOperStatus: "up" });
    expect(device).toMatchObject({ adsl: { supported: false }, vdsl2: { supported: false }, docsis: { supported: false } });
  });

  test("v3 authPriv (SHA/AES) reads the device", async () => {
    const { out, device } = await run([v3(snmpd, { wanIfIndex: 1 })]);
    expect(out.status).toBe("ok");
    expect(device).toMatchObject({ reach: "answered", version: "3" });
    expect(device?.interfaces?.length).toBeGreaterThan(0);
  });

  test.each([
    ["wrong auth key", { authKey: "wrong-auth-key-1" }, /Wrong Digest/],
    ["unknown user", { user: "nobody" }, /Unknown User Name/],
  ])("v3 %s: SNMP_AUTH_FAILED from snmpd's report PDU, not a timeout", async (_n, more, why) => {
    const { out, device, ms, log } = await run([v3(snmpd, more)]);
    expect(out.status).toBe("skipped");
    expect(out.findings).toMatchObject([{ code: "SNMP_AUTH_FAILED", severity: "warn" }]);
    expect(out.findings[0]?.message).toMatch(why);
    expect(device?.reach).toBe("authFailed");
    expect(ms).toBeLessThan(1000); // a report PDU comes back at once; a timeout would take 1.5 s+
    expect(JSON.stringify([out, log.lines])).not.toMatch(/wrong-auth-key|auth-key-12345|priv-key-67890/);
  });

  test("wrong community: SNMP_NO_RESPONSE within one request budget, step skipped (not failed)", async () => {
    const { out, device, ms, log } = await run([v2(snmpd, { community: "guess" })]);
    expect(out.status).toBe("skipped");
    expect(out.skipReason).toMatch(/SNMP_NO_RESPONSE/);
    expect(out.findings).toMatchObject([{ code: "SNMP_NO_RESPONSE", severity: "info" }]);
    expect(out.findings[0]?.message).toMatch(/wrong community/);
    expect(device?.reach).toBe("noResponse");
    expect(device?.interfaces).toBeUndefined();
    expect(ms).toBeLessThan(4500); // 1.5 s x (1 + 1 retry), not net-snmp's 10 s default
    expect(JSON.stringify([out, log.lines])).not.toContain("guess");
  });

  test("one dead device beside a good one: the good one decides the status", async () => {
    const { out } = await run([v2(snmpd, { wanIfIndex: 1 }), v2(snmpd, { community: "guess" })]);
    expect(out.status).toBe("ok");
    expect(out.data.devices?.map((d) => d.reach)).toEqual(["answered", "noResponse"]);
    expect(out.findings.map((f) => f.code)).toEqual(["SNMP_NO_RESPONSE"]);
  });

  test("community never appears in data, findings or logs", async () => {
    const { out, log } = await run([v2(snmpd, { wanIfIndex: 1 })]);
    expect(JSON.stringify([out, log.lines])).not.toContain(COMMUNITY);
  });
});

test.skipIf(!!NO_SNMPD)(titled("snmpd's real uptime (just started) → DEVICE_REBOOTED_RECENTLY", NO_SNMPD), async () => {
  const snmpd = await startSnmpd({ community: COMMUNITY });
  try {
    const { out, device } = await run([v2(snmpd, { wanIfIndex: 1 })]);
    expect(device?.system?.sysUpTimeS).toBeLessThan(900);
    expect(out.status).toBe("warn");
    expect(out.findings.map((f) => f.code)).toEqual(["DEVICE_REBOOTED_RECENTLY"]);
  } finally {
    await snmpd.close();
  }
});

/** A made-up VDSL2 modem interface at ifIndex 1000 ("ptm0"), served by snmpd's override lines. */
function wanRow(ifType: number, admin: 1 | 2, oper: 1 | 2): SnmpdOverride[] {
  const e = "1.3.6.1.2.1.2.2.1";
  return [
    { oid: `${e}.1.1000`, type: "integer", value: 1000 },
    { oid: `${e}.2.1000`, type: "octet_str", value: "ptm0" },
    { oid: `${e}.3.1000`, type: "integer", value: ifType },
    { oid: `${e}.7.1000`, type: "integer", value: admin },
    { oid: `${e}.8.1000`, type: "integer", value: oper },
  ];
}

describe.skipIf(!!NO_SNMPD)(titled("modem values via override", NO_SNMPD), () => {
  const started: Snmpd[] = [];
  const start = async (overrides: SnmpdOverride[]) => {
    const s = await startSnmpd({ community: COMMUNITY, overrides: [UP_ONE_DAY, ...overrides] });
    started.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
  });

  test("WAN (found by ifType vdsl2) admin up, oper down → WAN_LINK_DOWN, fail", async () => {
    const s = await start(wanRow(251, 1, 2));
    const { out, device } = await run([v2(s)]);
    expect(device?.wan).toMatchObject({ found: true, ifIndex: 1000, how: "ifType", ifName: "ptm0", ifOperStatus: "down" });
    expect(out.status).toBe("fail");
    expect(out.findings.map((f) => f.code)).toEqual(["WAN_LINK_DOWN"]);
  });

  test("WAN administratively down → WAN_ADMIN_DOWN", async () => {
    const s = await start(wanRow(94, 2, 2));
    const { out } = await run([v2(s)]);
    expect(out.findings.map((f) => f.code)).toEqual(["WAN_ADMIN_DOWN"]);
  });

  test("ADSL line with 4.5 dB downstream margin and 63.5 dB attenuation → LINE_SNR_LOW (fail)", async () => {
    const r = "1.3.6.1.2.1.10.94.1.1.3.1"; // adslAturPhysEntry
    const c = "1.3.6.1.2.1.10.94.1.1.2.1"; // adslAtucPhysEntry
    const s = await start([
      ...wanRow(94, 1, 1),
      { oid: `${r}.4.1000`, type: "integer", value: 45 },
      { oid: `${r}.5.1000`, type: "uinteger", value: 635 },
      { oid: `${r}.8.1000`, type: "uinteger", value: 8128000 },
      { oid: `${c}.4.1000`, type: "integer", value: 120 },
      { oid: `${c}.5.1000`, type: "uinteger", value: 310 },
    ]);
    const { out, device } = await run([v2(s)]);
    expect(device?.adsl).toEqual({ supported: true, lines: [{ ifIndex: 1000, snrMarginDownDb: 4.5, snrMarginUpDb: 12, attenuationDownDb: 63.5, attenuationUpDb: 31, attainableRateDownBps: 8128000 }] });
    expect(out.status).toBe("fail");
    expect(out.findings.map((f) => f.code)).toEqual(["LINE_SNR_LOW", "LINE_ATTENUATION_HIGH"]);
  });

  test("VDSL2 line: healthy margin ok, special values reported as unavailable", async () => {
    const b = "1.3.6.1.2.1.10.251.1.1.2.1"; // xdsl2LineBandEntry
    const s = await start([
      ...wanRow(251, 1, 1),
      { oid: `${b}.4.1000.2`, type: "integer", value: 95 },
      { oid: `${b}.4.1000.1`, type: "integer", value: 2147483646 },
    ]);
    const { out, device } = await run([v2(s)]);
    expect(device?.vdsl2).toEqual({ supported: true, lines: [{ ifIndex: 1000, snrMarginDownDb: 9.5, unavailable: ["snrMarginUpDb:unavailable"] }] });
    expect(out.status).toBe("ok");
  });

  test("DOCSIS downstream SNR 25 dB → LINE_SNR_LOW", async () => {
    const s = await start([
      ...wanRow(127, 1, 1),
      { oid: "1.3.6.1.2.1.10.127.1.1.1.1.6.1000", type: "integer", value: 32 },
      { oid: "1.3.6.1.2.1.10.127.1.1.4.1.5.1000", type: "integer", value: 250 },
    ]);
    const { out, device } = await run([v2(s)]);
    expect(device?.docsis).toEqual({ supported: true, lines: [{ ifIndex: 1000, powerDbmv: 3.2, snrDb: 25 }] });
    expect(out.findings.map((f) => f.code)).toEqual(["LINE_SNR_LOW"]);
  });
});

describe("cancellation", () => {
  let blackhole: Socket;
  beforeAll(async () => {
    // A UDP listener that never answers: the request is sent, and only the signal can end the wait.
    blackhole = createSocket("udp4");
    await new Promise<void>((resolve) => blackhole.bind(0, "127.0.0.1", () => resolve()));
  });
  afterAll(() => new Promise<void>((resolve) => blackhole.close(() => resolve())));

  test("aborting the signal ends the request at once (no waiting out the retries)", async () => {
    const ac = new AbortController();
    const arrived = new Promise<void>((resolve) => blackhole.once("message", () => resolve()));
    const { port } = blackhole.address();
    const t0 = performance.now();
    const pending = run([{ host: "127.0.0.1", port, version: "2c", community: COMMUNITY }], ac.signal);
    await arrived;
    ac.abort();
    const { out } = await pending;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(out.status).toBe("skipped");
  });
});
