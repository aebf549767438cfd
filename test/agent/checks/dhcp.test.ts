// The dhcp check's decisions: assessDhcp as a table, runDhcp with an injected host and probe (the real
// sockets are exercised in dhcp-lab.test.ts inside namespaces).
import { describe, expect, test } from "vitest";
import { assessDhcp, clientState, runDhcp, type AssessInput, type DhcpClientState } from "../../../agent/checks/dhcp.js";
import type { ProbeReply, ProbeRequest, ProbeResult } from "../../../agent/checks/dhcp/probe.js";
import type { CheckContext } from "../../../agent/checks/types.js";
import { AgentTargets } from "../../../agent/config.js";
import type { InterfaceInfo, RouteInfo } from "../../../agent/system/system-view.js";
import { memoryLogger } from "../../../shared/log.js";
import { TIMEOUTS } from "../../../agent/timeouts.js";
import { assessHost } from "../../../agent/checks/host/assess-host.js";

const reply = (type: ProbeReply["type"], serverId: string, yiaddr = "10.0.0.100"): ProbeReply => ({
  type,
  from: serverId,
  receivedAfterMs: 5,
  message: { op: 2, htype: 1, hops: 0, xid: 1, secs: 0, flags: 0, ciaddr: "0.0.0.0", yiaddr, siaddr: "0.0.0.0", giaddr: "0.0.0.0", chaddr: "02:00:00:00:00:01", options: { messageType: type === "OFFER" ? 2 : 5, serverId, routers: ["10.0.0.1"], dnsServers: ["10.0.0.53"], leaseTimeSec: 3600 } },
});
const ran = (p: Partial<Extract<ProbeResult, { ran: true }>>): ProbeResult => ({ ran: true, via: "udp-socket", discoverSent: true, informSent: false, offers: [], sendErrors: [], malformed: 0, ...p });
const lease = (remaining: number | undefined, leaseTimeSec = 3600): DhcpClientState => ({
  DHCPStatus: remaining !== undefined && remaining <= 0 ? "Init" : "Bound",
  IPRouters: [],
  DNSServers: [],
  source: "dhclient",
  leaseTimeSec,
  ...(remaining !== undefined ? { LeaseTimeRemaining: remaining } : {}),
});
const base: AssessInput = { iface: "eth0", hasAddress: true, lease: lease(3000), leaseLookedAt: [], chaddr: "02:00:00:00:00:01", informTo: "10.0.0.1", probe: ran({ offers: [reply("OFFER", "10.0.0.1")] }) };

describe("assessDhcp", () => {
  test.each<[string, Partial<AssessInput>, string, string[]]>([
    ["one server offers, lease healthy", {}, "ok", []],
    ["two server ids answer", { probe: ran({ offers: [reply("OFFER", "10.0.0.1"), reply("OFFER", "10.0.0.66")] }) }, "fail", ["DHCP_ROGUE_SERVER"]],
    ["same server offering twice is not rogue", { probe: ran({ offers: [reply("OFFER", "10.0.0.1"), reply("OFFER", "10.0.0.1")] }) }, "ok", []],
    ["INFORM ACK from another server than the offer", { probe: ran({ informSent: true, offers: [reply("OFFER", "10.0.0.1")], informReply: reply("ACK", "10.0.0.2") }) }, "fail", ["DHCP_ROGUE_SERVER"]],
    ["no offer with a lease", { probe: ran({}) }, "fail", ["DHCP_NO_OFFER"]],
    ["no offer, no lease, static address: warn only", { lease: undefined, probe: ran({}) }, "warn", ["DHCP_NO_LEASE", "DHCP_NO_OFFER"]],
    ["no offer, no lease, no address", { lease: undefined, hasAddress: false, probe: ran({}) }, "fail", ["DHCP_NO_LEASE", "DHCP_NO_OFFER"]],
    ["INFORM unanswered", { probe: ran({ informSent: true, offers: [reply("OFFER", "10.0.0.1")] }) }, "warn", ["DHCP_INFORM_NO_ACK"]],
    ["INFORM answered with NAK", { probe: ran({ informSent: true, offers: [reply("OFFER", "10.0.0.1")], informReply: reply("NAK", "10.0.0.1") }) }, "warn", ["DHCP_INFORM_NO_ACK"]],
    ["INFORM only, ACKed", { probe: ran({ discoverSent: false, informSent: true, informReply: reply("ACK", "10.0.0.1") }) }, "ok", []],
    ["lease past T2 (12.5% left)", { lease: lease(400) }, "warn", ["DHCP_LEASE_EXPIRING"]],
    ["lease expired", { lease: lease(-5) }, "warn", ["DHCP_LEASE_EXPIRING"]],
    ["infinite lease", { lease: lease(-1, 0xffffffff) }, "ok", []],
    ["lease remaining unknown", { lease: lease(undefined) }, "ok", []],
  ])("%s", (_name, over, status, codes) => {
    const out = assessDhcp({ ...base, ...over });
    expect(out.status).toBe(status);
    expect(out.findings.map((f) => f.code)).toEqual(codes);
  });

  test.each<[string, ProbeResult, RegExp, string[]]>([
    ["EACCES on port 68", { ran: false, code: "EACCES", reason: "binding UDP port 68 needs root (EACCES)" }, /needs root/, ["DHCP_BIND_DENIED"]],
    ["EADDRINUSE on port 68", { ran: false, code: "EADDRINUSE", reason: "held (EADDRINUSE)" }, /EADDRINUSE/, ["DHCP_BIND_DENIED"]],
    ["broadcast without a route", ran({ discoverSent: false, sendErrors: [{ what: "discover", code: "ENETUNREACH" }] }), /ENETUNREACH.*no route/, []],
  ])("not measured is skipped, never fail: %s", (_name, probe, why, codes) => {
    const out = assessDhcp({ ...base, probe });
    expect(out.status).toBe("skipped");
    expect(out.skipReason).toMatch(why);
    expect(out.findings.map((f) => f.code)).toEqual(codes);
    expect(out.data.probe).toBeUndefined();
  });

  test("data carries each server's offer in TR-181 names", () => {
    const out = assessDhcp(base);
    expect(out.data.probe?.offers[0]).toEqual({ type: "OFFER", DHCPServer: "10.0.0.1", from: "10.0.0.1", IPAddress: "10.0.0.100", IPRouters: ["10.0.0.1"], DNSServers: ["10.0.0.53"], leaseTimeSec: 3600, receivedAfterMs: 5 });
    expect(out.data.probe?.servers).toEqual(["10.0.0.1"]);
  });

  test("clientState: remaining seconds from the clock, Init once expired", () => {
    const rec = { source: "dhclient" as const, IPRouters: [], DNSServers: [], leaseTimeSec: 3600, expiresAtMs: 10_000_000 };
    expect(clientState(rec, 10_000_000 - 61_500)).toMatchObject({ DHCPStatus: "Bound", LeaseTimeRemaining: 61 });
    expect(clientState(rec, 10_000_000 + 1000)).toMatchObject({ DHCPStatus: "Init", LeaseTimeRemaining: -1 });
    expect(clientState({ ...rec, leaseTimeSec: 0xffffffff }, 0)).toMatchObject({ DHCPStatus: "Bound", LeaseTimeRemaining: -1 });
  });
});

describe("runDhcp with an injected host and probe", () => {
  const eth0: InterfaceInfo = { name: "eth0", index: 2, adminUp: true, operState: "up", ipv4: [{ address: "10.0.0.50", prefixLength: 24 }], ipv6: [], loopback: false };
  const ctx = (over: { privileged?: boolean; ifaces?: InterfaceInfo[]; routes?: RouteInfo[]; dhcp?: object } = {}): CheckContext => ({
    targets: AgentTargets.parse({ anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["127.0.0.1"], names: ["localhost"], dhcp: over.dhcp ?? {} }),
    params: {},
    system: {
      interfaces: async () => over.ifaces ?? [eth0],
      routes: async () => over.routes ?? [{ destination: "default", gateway: "10.0.0.1", dev: "eth0", family: 4 }],
      resolvers: async () => [],
      neighbours: async () => [],
      wifi: async () => [],
    },
    spawn: async () => ({ code: null, stdout: "", stderr: "", spawnError: "ENOENT", aborted: false }),
    now: () => 0,
    log: memoryLogger(),
    earlier: {},
    privileged: over.privileged ?? true,
  });
  const locations = { networkdDir: "/nonexistent/netdiag-test", dhclientDir: "/nonexistent/netdiag-test" };
  const signal = new AbortController().signal;

  test("mode both: DISCOVER + INFORM from the interface address, random local chaddr, collect budget", async () => {
    const seen: ProbeRequest[] = [];
    const out = await runDhcp(ctx(), signal, { locations, probe: async (r) => (seen.push(r), ran({ informSent: true, offers: [reply("OFFER", "10.0.0.1")], informReply: reply("ACK", "10.0.0.1") })) });
    expect(seen).toHaveLength(1);
    const r = seen[0]!;
    expect(r).toMatchObject({ discover: true, inform: { ciaddr: "10.0.0.50", to: "255.255.255.255" }, sourceAddress: "10.0.0.50", collectMs: TIMEOUTS.dhcpCollectMs });
    expect(parseInt(r.chaddr.slice(0, 2), 16) & 0x03).toBe(0x02);
    expect(out.status).toBe("ok");
    expect(out.data.interface).toBe("eth0");
    expect(out.findings.map((f) => f.code)).toEqual(["DHCP_NO_LEASE"]);
  });

  test("not privileged: skipped with DHCP_BIND_DENIED, the probe never runs", async () => {
    const out = await runDhcp(ctx({ privileged: false }), signal, { locations, probe: async () => expect.fail("probe must not run") });
    expect(out.status).toBe("skipped");
    expect(out.findings.map((f) => f.code)).toContain("DHCP_BIND_DENIED");
  });

  test("mode inform without an address: skipped", async () => {
    const bare = { ...eth0, ipv4: [] };
    const out = await runDhcp(ctx({ ifaces: [bare], dhcp: { mode: "inform" } }), signal, { locations, probe: async () => expect.fail("probe must not run") });
    expect(out.status).toBe("skipped");
    expect(out.skipReason).toMatch(/inform needs an IPv4 address/);
  });

  test("no default route, no address: DISCOVER still attempted, no INFORM, no source address", async () => {
    const seen: ProbeRequest[] = [];
    await runDhcp(ctx({ ifaces: [{ ...eth0, ipv4: [] }], routes: [] }), signal, { locations, probe: async (r) => (seen.push(r), ran({})) });
    expect(seen[0]).toMatchObject({ discover: true });
    expect(seen[0]?.inform).toBeUndefined();
    expect(seen[0]?.sourceAddress).toBeUndefined();
    // The one interface that is up: the packet-socket path needs to know where to send.
    expect(seen[0]?.interface).toBe("eth0");
  });

  test("the host check's primary interface is probed even with no address (carrier beats a down interface)", async () => {
    const seen: ProbeRequest[] = [];
    const wlan0: InterfaceInfo = { ...eth0, name: "wlan0", index: 3, adminUp: false, operState: "down", ipv4: [] };
    const bareEth0: InterfaceInfo = { ...eth0, ipv4: [], carrier: true };
    const ifaces = [wlan0, bareEth0];
    expect(assessHost({ interfaces: ifaces, routes: [], resolvers: [] }).data.primary).toBe("eth0");
    await runDhcp(ctx({ ifaces, routes: [] }), signal, { locations, probe: async (r) => (seen.push(r), ran({ via: "packet-socket" })) });
    expect(seen[0]).toMatchObject({ interface: "eth0", discover: true });
    expect(seen[0]?.sourceAddress).toBeUndefined();
  });

  test.each([
    ["administratively down", { adminUp: false, operState: "down" }, /administratively down/],
    ["without carrier", { carrier: false, operState: "lowerlayerdown" }, /up without carrier/],
  ])("interface %s: not measured (no DHCP_NO_OFFER from a link nothing can leave)", async (_name, over, reason) => {
    const out = await runDhcp(ctx({ ifaces: [{ ...eth0, ...over }] }), signal, { locations, probe: async () => expect.fail("probe must not run") });
    expect(out.status).toBe("skipped");
    expect(out.skipReason).toMatch(reason);
    expect(out.findings.map((f) => f.code)).not.toContain("DHCP_NO_OFFER");
  });

  test("not privileged and no address: the reason names the packet socket's capability", async () => {
    const out = await runDhcp(ctx({ privileged: false, ifaces: [{ ...eth0, ipv4: [] }], routes: [] }), signal, { locations, probe: async () => expect.fail("probe must not run") });
    expect(out.status).toBe("skipped");
    expect(out.skipReason).toMatch(/CAP_NET_RAW/);
  });

  test("configured interface missing: skipped; hostile interface name: thrown as bad input", async () => {
    const probe = async () => expect.fail("probe must not run");
    const out = await runDhcp(ctx({ dhcp: { interface: "wlan7" } }), signal, { locations, probe });
    expect(out).toMatchObject({ status: "skipped", skipReason: "interface wlan7 not found" });
    await expect(runDhcp(ctx({ dhcp: { interface: "-rf" } }), signal, { locations, probe })).rejects.toThrow(/invalid interface name/);
  });
});
