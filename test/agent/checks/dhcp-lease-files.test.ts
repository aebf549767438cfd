// Lease parsers on fixtures (dhclient's file captured from a real dhclient/dnsmasq exchange in a
// namespace), and findLease's order of sources on a temporary directory.
import { mkdtemp, mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { findLease, parseDhclientLeases, parseNetworkdLease, parseNmcliDhcp4 } from "../../../agent/checks/dhcp/lease-files.js";
import type { Spawner } from "../../../agent/system/spawn.js";

const fixture = (name: string) => readFile(new URL(`../../fixtures/dhcp/${name}`, import.meta.url), "utf8");
const EXPIRE_MS = Date.UTC(2026, 10, 22, 10, 4, 25);

describe("lease parsers", () => {
  test("dhclient (ISC 4.4.3 lease file from a dnsmasq exchange)", async () => {
    const [rec] = parseDhclientLeases(await fixture("dhclient-debian-bound.txt"), "/x/dhclient.leases");
    expect(rec).toEqual({
      source: "dhclient",
      path: "/x/dhclient.leases",
      interface: "lan0",
      IPAddress: "10.77.0.126",
      SubnetMask: "255.255.255.0",
      IPRouters: ["10.77.0.1"],
      DNSServers: ["10.77.0.53"],
      DHCPServer: "10.77.0.1",
      DomainName: "lab.test",
      leaseTimeSec: 3600,
      expiresAtMs: EXPIRE_MS,
    });
  });

  test.each([
    ["epoch time format, two routers, comments", `lease {\n  interface "eth1";\n  fixed-address 10.0.0.9;\n  option routers 10.0.0.1,10.0.0.2;\n  option domain-name-servers 10.0.0.53;\n  expire epoch 1700000000; # Tue Nov 14 22:13:20 2023\n}\n`, { interface: "eth1", IPRouters: ["10.0.0.1", "10.0.0.2"], expiresAtMs: 1_700_000_000_000 }],
    ["a block without an address is ignored", `lease {\n  interface "eth1";\n}\n`, undefined],
  ])("dhclient: %s", (_n, text, expected) => {
    const recs = parseDhclientLeases(text);
    if (expected === undefined) expect(recs).toEqual([]);
    else expect(recs[0]).toMatchObject(expected);
  });

  test("dhclient: several blocks come back in file order (last = newest)", () => {
    const text = `lease {\n fixed-address 10.0.0.1;\n}\nlease {\n fixed-address 10.0.0.2;\n}\n`;
    expect(parseDhclientLeases(text).map((r) => r.IPAddress)).toEqual(["10.0.0.1", "10.0.0.2"]);
  });

  test("systemd-networkd (format of sd-dhcp-lease.c dhcp_lease_save); expiry from mtime + LIFETIME", async () => {
    const rec = parseNetworkdLease(await fixture("systemd-networkd-handwritten-bound.txt"), 1_000_000);
    expect(rec).toEqual({
      source: "networkd",
      IPAddress: "10.77.0.126",
      SubnetMask: "255.255.255.0",
      IPRouters: ["10.77.0.1"],
      DNSServers: ["10.77.0.53", "10.77.0.54"],
      DHCPServer: "10.77.0.1",
      DomainName: "lab.test",
      leaseTimeSec: 3600,
      expiresAtMs: 1_000_000 + 3_600_000,
    });
    expect(parseNetworkdLease("# nothing\nT1=5\n", 0)).toBeUndefined();
  });

  test("nmcli -t -f DHCP4 device show", async () => {
    const rec = parseNmcliDhcp4(await fixture("nmcli-handwritten-bound.txt"), "eth0");
    expect(rec).toEqual({
      source: "nmcli",
      interface: "eth0",
      IPAddress: "10.77.0.126",
      SubnetMask: "255.255.255.0",
      IPRouters: ["10.77.0.1"],
      DNSServers: ["10.77.0.53", "10.77.0.54"],
      DHCPServer: "10.77.0.1",
      DomainName: "lab.test",
      leaseTimeSec: 3600,
      expiresAtMs: 1_795_345_465_000,
    });
    expect(parseNmcliDhcp4("GENERAL.DEVICE:eth0\n")).toBeUndefined();
  });
});

describe("findLease", () => {
  let dir: string;
  const noNmcli: Spawner = async () => ({ code: null, stdout: "", stderr: "", spawnError: "ENOENT", aborted: false });
  const signal = new AbortController().signal;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "nd-dhcp-lease-"));
    await mkdir(join(dir, "networkd"));
    await mkdir(join(dir, "dhcp"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("networkd's file for the ifindex wins; mtime sets the expiry", async () => {
    const p = join(dir, "networkd", "7");
    await writeFile(p, await fixture("systemd-networkd-handwritten-bound.txt"));
    await utimes(p, 1000, 1000);
    const r = await findLease({ name: "eth0", index: 7 }, { networkdDir: join(dir, "networkd"), dhclientDir: join(dir, "dhcp"), extraFiles: [] }, noNmcli, signal);
    expect(r.lease).toMatchObject({ source: "networkd", path: p, interface: "eth0", expiresAtMs: 1_000_000 + 3_600_000 });
  });

  test("nmcli next, when it is installed and knows the device", async () => {
    const nm: Spawner = async (file, args) => {
      expect([file, ...args]).toEqual(["nmcli", "-t", "-f", "DHCP4", "device", "show", "wlan0"]);
      return { code: 0, stdout: await fixture("nmcli-handwritten-bound.txt"), stderr: "", aborted: false };
    };
    const r = await findLease({ name: "wlan0", index: 99 }, { networkdDir: join(dir, "networkd"), dhclientDir: join(dir, "dhcp"), extraFiles: [] }, nm, signal);
    expect(r.lease?.source).toBe("nmcli");
    expect(r.looked).toContain("nmcli -t -f DHCP4 device show wlan0");
  });

  test("dhclient files: standard dir and extra files, only the interface's, newest expiry", async () => {
    const lease = (ifname: string, ip: string, epoch: number) => `lease {\n  interface "${ifname}";\n  fixed-address ${ip};\n  expire epoch ${epoch};\n}\n`;
    await writeFile(join(dir, "dhcp", "dhclient.eth0.leases"), lease("eth0", "10.0.0.5", 100) + lease("eth1", "10.9.9.9", 900));
    await writeFile(join(dir, "dhcp", "unrelated.conf"), lease("eth0", "10.6.6.6", 999));
    const extra = join(dir, "custom.leases");
    await writeFile(extra, lease("eth0", "10.0.0.6", 200));
    const r = await findLease({ name: "eth0" }, { networkdDir: join(dir, "networkd"), dhclientDir: join(dir, "dhcp"), extraFiles: [extra, join(dir, "missing.leases")] }, noNmcli, signal);
    expect(r.lease).toMatchObject({ source: "dhclient", IPAddress: "10.0.0.6", path: extra });
    expect(r.looked).toEqual([extra, join(dir, "missing.leases"), join(dir, "dhcp", "dhclient.eth0.leases")]);
  });

  test("nothing anywhere: no lease, and the places looked at are listed", async () => {
    const r = await findLease({ name: "eth9", index: 42 }, { networkdDir: join(dir, "nope"), dhclientDir: join(dir, "nope"), extraFiles: [] }, noNmcli, signal);
    expect(r.lease).toBeUndefined();
    expect(r.looked).toEqual([join(dir, "nope", "42")]);
  });
});
