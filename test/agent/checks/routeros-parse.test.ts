// Table tests for the RouterOS value parsers, the row-to-state parsers and the finding rules.
import { describe, expect, test } from "vitest";
import { assessDevice, type RouterOsDeviceReport } from "../../../agent/checks/routeros/assess.js";
import { parseDefaultRoutes, parseLog, parsePing, pickWan, pickWanGateway } from "../../../agent/checks/routeros/parse-state.js";
import { parseRosBool, parseRosDurationS, parseRosInt, parseRosMs } from "../../../agent/checks/routeros/parse-values.js";

describe("parseRosDurationS", () => {
  test.each([
    ["1w2d3h4m5s", 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ["9m50s", 590],
    ["0s", 0],
    ["45m", 2700],
    ["1s500ms", 1],
    ["00:05:12", 312],
    ["1w2d03:04:05", 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ["", undefined],
    ["never", undefined],
    ["5x", undefined],
    [undefined, undefined],
  ])("%j -> %j", (v, want) => expect(parseRosDurationS(v)).toBe(want));
});

describe("parseRosMs", () => {
  test.each([
    ["12ms", 12],
    ["12ms345us", 12.345],
    ["345us", 0.345],
    ["1s12ms", 1012],
    ["7", 7],
    ["timeout", undefined],
    [undefined, undefined],
  ])("%j -> %j", (v, want) => expect(parseRosMs(v)).toBe(want));
});

describe("parseRosBool / parseRosInt", () => {
  test.each([["true", true], ["false", false], ["yes", true], ["no", false], ["", undefined], ["TRUE", undefined], [undefined, undefined]])(
    "bool %j -> %j",
    (v, want) => expect(parseRosBool(v)).toBe(want),
  );
  test.each([["0", 0], ["123456789", 123456789], ["-1", undefined], ["1.5", undefined], ["", undefined], ["99999999999999999999", undefined]])(
    "int %j -> %j",
    (v, want) => expect(parseRosInt(v)).toBe(want),
  );
});

describe("parseDefaultRoutes", () => {
  test.each([
    ["v7 immediate-gw", { "dst-address": "0.0.0.0/0", gateway: "203.0.113.1", "immediate-gw": "203.0.113.1%ether1", active: "true" }, { gateway: "203.0.113.1", interface: "ether1", active: true }],
    ["v6 gateway-status", { "dst-address": "0.0.0.0/0", gateway: "10.0.0.1", "gateway-status": "10.0.0.1 reachable via  ether1", active: "true" }, { gateway: "10.0.0.1", interface: "ether1", active: true }],
    ["interface gateway", { "dst-address": "0.0.0.0/0", gateway: "pppoe-out1", active: "false", disabled: "false" }, { gateway: "pppoe-out1", interface: "pppoe-out1", active: false, disabled: false }],
  ])("%s", (_n, row, want) => expect(parseDefaultRoutes([row as Record<string, string>])[0]).toMatchObject(want));

  test("non-default routes are ignored", () => {
    expect(parseDefaultRoutes([{ "dst-address": "10.0.0.0/24", gateway: "bridge" }])).toEqual([]);
  });
});

describe("pickWanGateway: the ISP edge as the router knows it", () => {
  const route = (gateway: string, over: object = {}) => ({ gateway, interface: "ether1", active: true, ...over });
  test.each([
    ["active default route via an address", [route("203.0.113.1")], undefined, { source: "default-route", address: "203.0.113.1", interface: "ether1" }],
    ["gateway with %interface", [route("203.0.113.1%ether1")], undefined, { source: "default-route", address: "203.0.113.1", interface: "ether1" }],
    ["inactive route: the DHCP lease's gateway", [route("203.0.113.1", { active: false })], { interface: "ether1", IPRouters: "203.0.113.9" }, { source: "dhcp-client", address: "203.0.113.9", interface: "ether1" }],
    ["PPPoE: an interface, no address", [route("pppoe-out1", { interface: "pppoe-out1" })], undefined, { source: "default-route", interface: "pppoe-out1" }],
    ["nothing known", [], { interface: "ether1", DHCPStatus: "searching..." }, undefined],
    ["routes not measured", undefined, undefined, undefined],
  ] as const)("%s", (_n, routes, dhcp, want) => expect(pickWanGateway(routes === undefined ? undefined : [...routes], dhcp)).toEqual(want));
});

describe("parsePing", () => {
  test("partial loss from the last row's counters, RTTs from the replies", () => {
    const rows: Record<string, string>[] = [
      { seq: "0", time: "10ms", sent: "1", received: "1" },
      { seq: "1", status: "timeout", sent: "2", received: "1" },
      { seq: "2", time: "14ms500us", sent: "3", received: "2" },
    ];
    expect(parsePing("198.18.0.10", rows)).toEqual({ host: "198.18.0.10", sent: 3, received: 2, lossPct: 33.333, rttMs: [10, 14.5], minMs: 10, avgMs: 12.25, maxMs: 14.5 });
  });
  test("all timeouts", () => {
    expect(parsePing("h", [{ status: "timeout", sent: "1", received: "0" }, { status: "timeout", sent: "2", received: "0" }])).toEqual({ host: "h", sent: 2, received: 0, lossPct: 100, rttMs: [] });
  });
  test("no rows is not measured", () => expect(parsePing("h", [])).toBeUndefined());
});

test("parseLog keeps the last lines of the WAN-related topics", () => {
  const rows = [
    { time: "1", topics: "system,info", message: "a" },
    { time: "2", topics: "interface,info", message: "ether1 link down" },
    { time: "3", topics: "dhcp,warning", message: "b" },
    { time: "4", topics: "pppoe,ppp,info", message: "c" },
  ];
  expect(parseLog(rows, 2).map((l) => l.time)).toEqual(["3", "4"]);
});

describe("pickWan", () => {
  const ifs = [{ name: "ether1", type: "ether" }, { name: "pppoe-out1", type: "pppoe-out" }];
  test.each([
    ["configured wins", "ether5", [{ interface: "ether1", DHCPStatus: "bound" }], [], { name: "ether5", source: "config" }],
    ["dhcp client", undefined, [{ interface: "ether1", DHCPStatus: "searching..." }], [], { name: "ether1", source: "dhcp-client" }],
    ["default route", undefined, [], [{ interface: "pppoe-out1" }], { name: "pppoe-out1", source: "default-route" }],
    ["pppoe fallback", undefined, [], [], { name: "pppoe-out1", source: "pppoe" }],
  ] as const)("%s", (_n, cfg, dhcp, routes, want) => expect(pickWan(cfg, ifs, [...dhcp], [...routes])).toEqual(want));
});

const healthy = (): RouterOsDeviceReport => ({
  host: "r1", port: 8728, tls: false, commandErrors: [],
  system: { uptimeS: 86400 },
  interfaces: [{ name: "ether1", type: "ether", running: true, disabled: false, rxError: 0, txError: 0, rxPacket: 1000, txPacket: 1000 }],
  wan: { name: "ether1", source: "dhcp-client", type: "ether", running: true, disabled: false, ethernet: { name: "ether1", status: "link-ok", linkOk: true } },
  dhcpClient: { interface: "ether1", DHCPStatus: "bound" },
  defaultRoutes: [{ gateway: "203.0.113.1", interface: "ether1", active: true }],
  ping: { host: "a", sent: 3, received: 3, lossPct: 0, rttMs: [1, 1, 1] },
});

describe("assessDevice", () => {
  test.each<[string, (r: RouterOsDeviceReport) => void, string[]]>([
    ["healthy", () => undefined, []],
    ["unreachable", (r) => void (r.error = { code: "ROUTEROS_TIMEOUT", message: "no login" }), ["ROUTEROS_UNREACHABLE"]],
    ["auth", (r) => void (r.error = { code: "ROUTEROS_AUTH_FAILED", message: "x" }), ["ROUTEROS_AUTH_FAILED"]],
    ["wan not running", (r) => void (r.wan!.running = false), ["WAN_LINK_DOWN"]],
    ["no ethernet link", (r) => void (r.wan!.ethernet = { name: "ether1", status: "no-link", linkOk: false }), ["WAN_LINK_DOWN"]],
    ["wan disabled", (r) => void (r.wan!.disabled = true), ["WAN_DISABLED"]],
    ["dhcp searching", (r) => void (r.dhcpClient!.DHCPStatus = "searching..."), ["WAN_DHCP_NOT_BOUND"]],
    ["no default route", (r) => void (r.defaultRoutes = []), ["NO_DEFAULT_ROUTE_ON_ROUTER"]],
    ["inactive default route", (r) => void (r.defaultRoutes![0]!.active = false), ["NO_DEFAULT_ROUTE_ON_ROUTER"]],
    ["routes not measured", (r) => void (r.defaultRoutes = undefined), []],
    ["ping dead", (r) => void (r.ping = { host: "a", sent: 3, received: 0, lossPct: 100, rttMs: [] }), ["ROUTER_PING_FAILED"]],
    ["errors", (r) => void (r.interfaces![0]!.rxError = 50), ["INTERFACE_ERRORS"]],
    ["a few old errors", (r) => void ((r.interfaces![0]!.rxError = 1), (r.interfaces![0]!.rxPacket = 10_000_000)), []],
    ["reboot", (r) => void (r.system = { uptimeS: 120 }), ["ROUTER_REBOOTED_RECENTLY"]],
  ])("%s", (_n, mutate, codes) => {
    const r = healthy();
    mutate(r);
    expect(assessDevice(r).map((f) => f.code)).toEqual(codes);
  });

  test("severity: a dead router ping fails, partial loss warns", () => {
    const r = healthy();
    r.ping = { host: "a", sent: 3, received: 2, lossPct: 33.3, rttMs: [1, 1] };
    expect(assessDevice(r)).toMatchObject([{ code: "ROUTER_PING_FAILED", severity: "warn" }]);
  });
});
