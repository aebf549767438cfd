// host check: table tests over injected SystemViews, built from real `ip -j` captures where they exist
// (test/fixtures/ip) and from small hand-made hosts for the remaining cases.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { hostCheck } from "../../../agent/checks/host.js";
import { assessHost, pickPrimary, type HostSnapshot } from "../../../agent/checks/host/assess-host.js";
import type { CheckContext } from "../../../agent/checks/types.js";
import { AgentTargets } from "../../../agent/config.js";
import { parseIpAddrJson, parseIpRouteJson } from "../../../agent/system/linux-system-view.js";
import type { InterfaceInfo, RouteInfo, SystemView, WifiInfo } from "../../../agent/system/system-view.js";
import { memoryLogger } from "../../../shared/log.js";

const fx = (name: string) => readFileSync(new URL(`../../fixtures/ip/${name}`, import.meta.url), "utf8");
const mixedIfs = parseIpAddrJson(fx("linux-mixed-addr.txt"));
const mixedRoutes = [...parseIpRouteJson(fx("linux-mixed-route4.txt"), 4), ...parseIpRouteJson(fx("linux-mixed-route6.txt"), 6)];
const apipaIfs = parseIpAddrJson(fx("linux-apipa-addr.txt"));
const apipaRoutes = [...parseIpRouteJson(fx("linux-apipa-route4.txt"), 4), ...parseIpRouteJson(fx("linux-apipa-route6.txt"), 6)];

const lo: InterfaceInfo = { name: "lo", adminUp: true, operState: "unknown", ipv4: [{ address: "127.0.0.1", prefixLength: 8 }], ipv6: [], loopback: true };
function nic(name: string, over: Partial<InterfaceInfo> = {}): InterfaceInfo {
  return { name, adminUp: true, operState: "up", carrier: true, mtu: 1500, mac: "02:00:00:00:00:01", ipv4: [{ address: "10.1.0.5", prefixLength: 24 }], ipv6: [], loopback: false, ...over };
}
const defaultVia = (gateway: string, dev: string): RouteInfo => ({ destination: "default", gateway, dev, family: 4 });
const healthy = (over: Partial<InterfaceInfo> = {}, wifi?: WifiInfo[]): HostSnapshot => ({
  interfaces: [lo, nic("eth0", over)],
  routes: [defaultVia("10.1.0.1", "eth0"), { destination: "10.1.0.0/24", dev: "eth0", family: 4 }],
  resolvers: ["10.1.0.1"],
  ...(wifi ? { wifi } : {}),
});

describe("assessHost", () => {
  test.each<[string, HostSnapshot, string, string[], string | undefined, string | undefined]>([
    // name, snapshot, status, finding codes, primary, faultSegment
    ["healthy wired host", healthy(), "ok", [], "eth0", undefined],
    ["captured pc: default route on eth0, other NICs broken but not primary", { interfaces: mixedIfs, routes: mixedRoutes, resolvers: ["10.77.0.1"] }, "ok", [], "eth0", undefined],
    ["captured DHCP failure: only APIPA, no default route", { interfaces: apipaIfs, routes: apipaRoutes, resolvers: [] }, "fail", ["APIPA_ADDRESS", "NO_DEFAULT_ROUTE", "NO_RESOLVERS"], "eth0", "host"],
    ["primary admin down", { ...healthy({ adminUp: false, operState: "down", carrier: undefined }), routes: [] }, "fail", ["NO_INTERFACE_UP", "NIC_ADMIN_DOWN", "NO_DEFAULT_ROUTE"], "eth0", "host"],
    ["admin up, no carrier (cable/peer): lan, not host", { ...healthy({ carrier: false, operState: "down" }) }, "fail", ["NO_INTERFACE_UP", "NO_CARRIER"], "eth0", "lan"],
    ["no carrier and the DHCP lease gone", { interfaces: [lo, nic("eth0", { carrier: false, operState: "down", ipv4: [] })], routes: [], resolvers: ["10.1.0.1"] }, "fail", ["NO_INTERFACE_UP", "NO_CARRIER", "NO_IPV4_ADDRESS", "NO_DEFAULT_ROUTE"], "eth0", "lan"],
    ["no IPv4 address, no route", { interfaces: [lo, nic("eth0", { ipv4: [] })], routes: [], resolvers: ["10.1.0.1"] }, "fail", ["NO_IPV4_ADDRESS", "NO_DEFAULT_ROUTE"], "eth0", "host"],
    ["gateway outside the subnet", { ...healthy(), routes: [defaultVia("10.9.9.1", "eth0")] }, "fail", ["GATEWAY_NOT_ON_LINK"], "eth0", "host"],
    ["no interface besides loopback", { interfaces: [lo], routes: [], resolvers: [] }, "fail", ["NO_INTERFACE_UP", "NO_DEFAULT_ROUTE", "NO_RESOLVERS"], undefined, "host"],
    ["no resolvers only", { ...healthy(), resolvers: [] }, "warn", ["NO_RESOLVERS"], "eth0", undefined],
    ["half duplex", healthy({ duplex: "half", speedMbps: 10 }), "warn", ["DUPLEX_HALF"], "eth0", undefined],
    ["weak Wi-Fi", healthy({ wireless: true }, [{ iface: "eth0", ssid: "home", quality: 24, signalDbm: -88 }]), "warn", ["WIFI_WEAK_SIGNAL"], "eth0", undefined],
    ["good Wi-Fi", healthy({ wireless: true }, [{ iface: "eth0", ssid: "home", quality: 80, signalDbm: -60 }]), "ok", [], "eth0", undefined],
    ["Wi-Fi signal not measured is not weak", healthy({ wireless: true }, [{ iface: "eth0" }]), "ok", [], "eth0", undefined],
    ["IPv6-only host", { interfaces: [lo, nic("eth0", { ipv4: [], ipv6: [{ address: "2001:db8::5", prefixLength: 64 }] })], routes: [{ destination: "default", gateway: "fe80::1", dev: "eth0", family: 6 }], resolvers: ["2001:db8::1"] }, "warn", ["NO_IPV4_ADDRESS", "NO_DEFAULT_ROUTE"], "eth0", undefined],
  ])("%s", (_name, snap, status, codes, primary, segment) => {
    const r = assessHost(snap);
    expect(r.findings.map((f) => f.code)).toEqual(codes);
    expect(r.status).toBe(status);
    expect(r.data.primary).toBe(primary);
    expect(r.data.faultSegment).toBe(segment);
  });

  test("data carries TR-181 names, the gateway and on-link judgement", () => {
    const r = assessHost({ ...healthy({ speedMbps: 1000, duplex: "full" }) });
    expect(r.data.interfaces).toEqual([
      expect.objectContaining({ name: "eth0", Status: "Up", CurrentBitRate: 1000, CurrentDuplexMode: "Full", MaxMTUSize: 1500, carrier: true }),
    ]);
    expect(r.data).toMatchObject({ gateway: "10.1.0.1", gatewayDev: "eth0", gatewayOnLink: true, primaryReason: "default-route", resolvers: ["10.1.0.1"] });
  });

  test("captured interfaces get TR-181 Status: Down (admin), LowerLayerDown (no carrier), APIPA flagged", () => {
    const ifs = new Map(assessHost({ interfaces: mixedIfs, routes: mixedRoutes, resolvers: [] }).data.interfaces.map((i) => [i.name, i]));
    expect(ifs.get("eth0")?.Status).toBe("Up");
    expect(ifs.get("eth1")?.Status).toBe("LowerLayerDown");
    expect(ifs.get("eth2")?.Status).toBe("Down");
    expect(ifs.get("eth3")?.ipv4).toEqual([{ address: "169.254.23.7", prefixLength: 16, apipa: true }]);
    expect(ifs.has("lo")).toBe(false);
  });
});

describe("pickPrimary without a default route", () => {
  const hi = (i: InterfaceInfo) => assessHost({ interfaces: [i], routes: [], resolvers: [] }).data.interfaces[0]!;
  test.each([
    ["carrier+address beats a docker bridge", [nic("docker0"), nic("enp3s0")], "enp3s0", "carrier-and-address"],
    ["the admin-down NIC with a configured address", [nic("eth0", { adminUp: false, carrier: undefined, operState: "down" }), nic("eth1", { adminUp: false, carrier: undefined, ipv4: [] })], "eth0", "configured-address"],
    ["the only physical interface even without address", [nic("wlan0", { adminUp: false, carrier: undefined, ipv4: [] }), nic("veth9", { adminUp: false, carrier: undefined, ipv4: [] })], "wlan0", "only-interface"],
    ["a real address beats APIPA", [nic("eth0", { ipv4: [{ address: "169.254.3.3", prefixLength: 16 }] }), nic("eth1")], "eth1", "carrier-and-address"],
  ] as const)("%s", (_n, ifs, name, reason) => {
    expect(pickPrimary(ifs.map(hi), [])).toEqual({ name, reason });
  });
});

function fakeSystem(snap: HostSnapshot, wifi: () => Promise<WifiInfo[]> = async () => snap.wifi ?? []): SystemView & { signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  const seen = <T>(v: T) => (s: AbortSignal) => {
    signals.push(s);
    return Promise.resolve(v);
  };
  return {
    signals,
    interfaces: seen(snap.interfaces),
    routes: seen(snap.routes),
    resolvers: seen(snap.resolvers),
    neighbours: seen([]),
    wifi: (s) => {
      signals.push(s);
      return wifi();
    },
  };
}

function ctxWith(system: SystemView): CheckContext {
  return {
    targets: AgentTargets.parse({ anchors: ["198.18.0.1"], controlHosts: ["198.18.0.1"], publicResolvers: ["198.18.0.53"], names: ["example.test"] }),
    params: {},
    system,
    spawn: async () => {
      throw new Error("host check must not spawn anything itself");
    },
    now: () => 0,
    log: memoryLogger(),
    earlier: {},
    privileged: false,
  };
}

describe("hostCheck.run", () => {
  test("reads the injected system view with the check's signal", async () => {
    const sys = fakeSystem(healthy({ carrier: false, operState: "down" }));
    const ac = new AbortController();
    const out = await hostCheck.run(ctxWith(sys), ac.signal);
    expect(out.status).toBe("fail");
    expect(out.data.faultSegment).toBe("lan");
    expect(sys.signals.length).toBe(4);
    expect(sys.signals.every((s) => s === ac.signal)).toBe(true);
  });

  test("a Wi-Fi reader failure is 'not measured', not an error", async () => {
    const out = await hostCheck.run(ctxWith(fakeSystem(healthy(), async () => Promise.reject(new Error("iw exploded")))), new AbortController().signal);
    expect(out.status).toBe("ok");
    expect(out.data.wifi).toBeUndefined();
  });

  test("an unreadable interface list is an error (thrown), not a broken network", async () => {
    const sys = fakeSystem(healthy());
    sys.interfaces = () => Promise.reject(Object.assign(new Error("ip: ENOENT"), { code: "IP_BINARY_MISSING" }));
    await expect(hostCheck.run(ctxWith(sys), new AbortController().signal)).rejects.toMatchObject({ code: "IP_BINARY_MISSING" });
  });
});
