// Parsers of `ip -j` output, on JSON captured from iproute2 6.1 in throwaway namespaces (see
// test/fixtures/ip: a pc with an up link, a no-carrier veth whose peer is down, an admin-down
// interface with an address, an APIPA interface; and a DHCP-failed host with only APIPA).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseIpAddrJson, parseIpNeighJson, parseIpRouteJson, parseResolvConf } from "../../../agent/system/linux-system-view.js";

const fx = (name: string) => readFileSync(new URL(`../../fixtures/ip/${name}`, import.meta.url), "utf8");

describe("parseIpAddrJson", () => {
  const mixed = parseIpAddrJson(fx("linux-mixed-addr.txt"));
  const byName = new Map(mixed.map((i) => [i.name, i]));

  test.each([
    // name, adminUp, operState, carrier, ipv4
    ["eth0", true, "up", true, ["10.77.0.10/24"]],
    ["eth1", true, "down", false, ["10.88.0.10/24"]],
    ["eth2", false, "down", undefined, ["10.99.0.10/24"]],
    ["eth3", true, "up", true, ["169.254.23.7/16"]],
  ] as const)("%s: adminUp=%s operState=%s carrier=%s", (name, adminUp, operState, carrier, v4) => {
    const i = byName.get(name)!;
    expect(i).toBeDefined();
    expect(i.adminUp).toBe(adminUp);
    expect(i.operState).toBe(operState);
    expect(i.carrier).toBe(carrier);
    expect(i.loopback).toBe(false);
    expect(i.mtu).toBe(1500);
    expect(i.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(i.ipv4.map((a) => `${a.address}/${a.prefixLength}`)).toEqual(v4);
  });

  test("loopback is flagged and has no MAC or carrier", () => {
    const lo = byName.get("lo")!;
    expect(lo).toMatchObject({ loopback: true, adminUp: true });
    expect(lo.mac).toBeUndefined();
    expect(lo.carrier).toBeUndefined();
  });

  test("IPv6 addresses include global and link-local", () => {
    expect(byName.get("eth0")!.ipv6.map((a) => a.address)).toEqual(["fd00:77::10", "fe80::f4e8:e9ff:fecd:d893"]);
  });
});

describe("parseIpRouteJson", () => {
  test.each([
    ["linux-mixed-route4.txt", 4, [{ destination: "default", gateway: "10.77.0.1", dev: "eth0", family: 4 }], 4],
    ["linux-mixed-route6.txt", 6, [{ destination: "default", gateway: "fd00:77::1", dev: "eth0", family: 6 }], 4],
    ["linux-apipa-route4.txt", 4, [], 1],
    ["linux-apipa-route6.txt", 6, [], 1],
  ] as const)("%s", (file, family, defaults, total) => {
    const routes = parseIpRouteJson(fx(file), family);
    expect(routes).toHaveLength(total);
    expect(routes.filter((r) => r.destination === "default")).toEqual(defaults);
    expect(routes.every((r) => r.family === family)).toBe(true);
  });
});

describe("parseIpNeighJson", () => {
  test.each([
    ["linux-mixed-neigh.txt", "10.77.0.1", "eth0", "REACHABLE", "56:b5:ec:82:63:e4"],
    ["linux-mixed-neigh.txt", "10.77.0.99", "eth0", "FAILED", undefined],
    ["linux-stale-neigh.txt", "10.77.0.1", "eth0", "STALE", "56:b5:ec:82:63:e4"],
    ["linux-stale-neigh.txt", "fd00:77::1", "eth0", "REACHABLE", "56:b5:ec:82:63:e4"],
  ] as const)("%s: %s on %s is %s", (file, address, dev, state, mac) => {
    const n = parseIpNeighJson(fx(file)).find((x) => x.address === address)!;
    expect(n).toEqual({ address, dev, state, ...(mac ? { mac } : {}) });
  });
});

test("parseResolvConf keeps nameserver lines and drops zone ids", () => {
  expect(parseResolvConf("# c\nnameserver 10.0.0.1\nsearch lan\n nameserver fe80::1%eth0\n")).toEqual(["10.0.0.1", "fe80::1"]);
  expect(parseResolvConf("# netdiag test namespace: no resolver\n")).toEqual([]);
});
