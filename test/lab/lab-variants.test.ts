// The lab's variants (scripts/lab.sh up --variant): each builds the network it claims, seen from inside
// the lab (raw effects, not the verdict): the DHCP client and its lease file, SNMP present or not, the
// RouterOS API reporting the router's real state, the ISP edge's ICMP behaviour, the NAT layouts, dual
// stack, HTTPS and TLS interception, the agent on the router. Needs root (network namespaces).
import { access } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AgentConfig } from "../../agent/config.js";
import { AGENT_BIN, labHandle, parseReport } from "../helpers/lab.js";
import { LAB_SKIP, titled } from "../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = LAB_SKIP;

const L = labHandle("ndw");

async function pc(args: string[]): Promise<string> {
  return (await L.run(["exec", ...args], 30_000)).stdout;
}
const pingReplies = async (target: string) => Number(/(\d+) received/.exec(await pc(["ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", "--", target]))?.[1] ?? 0);
const pingTtl = (target: string, ttl: number) => pc(["ping", "-n", "-c", "1", "-W", "1", "-t", String(ttl), "--", target]);
const config = async () => AgentConfig.parse(JSON.parse(await L.ok(["agent-config"])));
const exists = (p: string) => access(p).then(() => true, () => false);

describe.skipIf(!!NEEDS)(titled("lab variants (scripts/lab.sh up --variant)", NEEDS), () => {
  afterAll(async () => {
    await L.run(["down"], 60_000);
  }, 90_000);

  describe("client=udhcpc,snmp=off", () => {
    beforeAll(() => L.up("client=udhcpc,snmp=off"), 120_000);
    test("busybox udhcpc holds a lease with no lease file; no SNMP runs or is configured", async () => {
      expect(await pc(["ip", "-4", "-o", "addr", "show", "dev", "eth0"])).toMatch(/inet 10\.77\.0\.1\d\d\/24/);
      expect(await exists(`${L.state}/pc/dhclient.leases`)).toBe(false);
      expect((await L.ok(["status"]))).toMatch(/proc pc-udhcpc pid \d+ running/);
      expect((await L.ok(["ns", "home", "ss", "-Hlnu", "sport = :161"])).trim()).toBe("");
      const cfg = await config();
      expect(cfg.targets.snmp).toEqual([]);
      expect(cfg.targets.dhcp.leaseFiles).toEqual([]);
    });
  });

  describe("client=static", () => {
    beforeAll(() => L.up("client=static"), 120_000);
    test("the pc is configured by hand, no DHCP client runs", async () => {
      expect(await pc(["ip", "-4", "-o", "addr", "show", "dev", "eth0"])).toContain("inet 10.77.0.20/24");
      expect(await pc(["cat", "/etc/resolv.conf"])).toContain("nameserver 10.77.0.1");
      expect(await L.ok(["status"])).not.toMatch(/pc-dhclient|pc-udhcpc/);
      expect(await pingReplies("203.0.113.1")).toBe(2);
    });
  });

  describe("snmp=off,routeros=on", () => {
    beforeAll(() => L.up("snmp=off,routeros=on"), 120_000);
    test("the RouterOS API reports the router's real WAN, routes and own ping, before and after wan-down", async () => {
      const read = async () => {
        const r = await L.run(["agent-exec", process.execPath, AGENT_BIN, "check", "--checks", "routeros", "--json", "--config", `${L.state}/agent-config.json`], 60_000);
        const step = parseReport({ ...r, wallMs: 0, exitAfterOutputMs: 0 }).steps[0]!;
        return step.data as { devices: { wan?: { name?: string; running?: boolean }; defaultRoutes?: { active?: boolean }[]; ping?: { received?: number } }[] };
      };
      const healthy = (await read()).devices[0]!;
      expect(healthy.wan).toMatchObject({ name: "wan0", running: true });
      expect(healthy.defaultRoutes?.[0]?.active).toBe(true);
      expect(healthy.ping?.received).toBeGreaterThan(0);
      await L.ok(["fault", "wan-down"], 60_000);
      const down = (await read()).devices[0]!;
      expect(down.wan).toMatchObject({ name: "wan0", running: false });
      expect(down.ping?.received ?? 0).toBe(0);
    });
  });

  describe("snmp=silent", () => {
    beforeAll(() => L.up("snmp=silent"), 120_000);
    test("SNMP is configured in the agent but nothing answers on the router", async () => {
      expect((await config()).targets.snmp[0]).toMatchObject({ host: "10.77.0.1" });
      expect((await L.ok(["ns", "home", "ss", "-Hlnu", "sport = :161"])).trim()).toBe("");
    });
  });

  describe("lan-dns=isp", () => {
    beforeAll(() => L.up("lan-dns=isp"), 120_000);
    test("the router's DHCP hands out the ISP resolver", async () => {
      expect(await pc(["cat", "/etc/resolv.conf"])).toContain("nameserver 100.64.0.53");
    });
  });

  describe("edge=blackhole,edge-icmp=no-echo", () => {
    beforeAll(() => L.up("edge=blackhole,edge-icmp=no-echo"), 120_000);
    test("the edge ignores ping but forwards and sends Time Exceeded; without its uplink it goes silent", async () => {
      expect(await pingReplies("100.64.7.1")).toBe(0);
      expect(await pingReplies("203.0.113.1")).toBe(2);
      expect(await pingTtl("203.0.113.1", 2)).toMatch(/From 100\.64\.7\.1 .*Time to live exceeded/);
      await L.ok(["fault", "isp-uplink-down"], 60_000);
      const out = await pingTtl("203.0.113.1", 64);
      expect(out).toContain("1 packets transmitted, 0 received");
      expect(out).not.toMatch(/Unreachable/);
    });
  });

  describe("edge-icmp=no-ttl-exceeded", () => {
    beforeAll(() => L.up("edge-icmp=no-ttl-exceeded"), 120_000);
    test("traceroute sees the router at TTL 1 and nobody at TTL 2; the edge answers ping", async () => {
      expect(await pingTtl("203.0.113.1", 1)).toMatch(/From 10\.77\.0\.1 .*Time to live exceeded/);
      expect(await pingTtl("203.0.113.1", 2)).not.toMatch(/Time to live exceeded/);
      expect(await pingReplies("100.64.7.1")).toBe(2);
    });
  });

  describe("nat=off", () => {
    beforeAll(() => L.up("nat=off"), 120_000);
    test("a routed /29 without NAT: the pc's own address reaches the internet", async () => {
      expect(await pc(["ip", "-4", "-o", "addr", "show", "dev", "eth0"])).toMatch(/inet 198\.18\.10\.[23]\/29/);
      expect((await L.ok(["ns", "home", "iptables", "-t", "nat", "-S", "POSTROUTING"]))).not.toContain("MASQUERADE");
      expect(await pingReplies("203.0.113.1")).toBe(2);
    });
  });

  describe("nat=double", () => {
    beforeAll(() => L.up("nat=double"), 120_000);
    test("a second NAT box (the ISP's modem) answers at TTL 2, the ISP edge at TTL 3", async () => {
      expect(await pingTtl("203.0.113.1", 2)).toMatch(/From 192\.168\.100\.1 .*Time to live exceeded/);
      expect(await pingTtl("203.0.113.1", 3)).toMatch(/From 100\.64\.7\.1 .*Time to live exceeded/);
      expect(await pingReplies("203.0.113.1")).toBe(2);
    });
  });

  describe("nat=cgnat", () => {
    beforeAll(() => L.up("nat=cgnat"), 120_000);
    test("the internet has no route to shared address space; the edge's NAT makes it work", async () => {
      expect(await L.ok(["ns", "inet", "ip", "-4", "route"])).not.toContain("100.64.0.0/10");
      expect(await pingReplies("203.0.113.1")).toBe(2);
      await L.ok(["fault", "cgnat-down"], 60_000);
      expect(await pingReplies("100.64.7.1")).toBe(2);
      expect(await pingReplies("203.0.113.1")).toBe(0);
    });
  });

  describe("ipv6=on", () => {
    beforeAll(() => L.up("ipv6=on"), 120_000);
    test("dual stack with static addresses; ipv6-broken leaves IPv4 working and IPv6 unroutable at the edge", async () => {
      expect(await pingReplies("2001:db8:113::1")).toBe(2);
      expect(await pc(["curl", "-sS", "-6", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "http://www.shop.test/"])).toBe("200");
      await L.ok(["fault", "ipv6-broken"], 60_000);
      expect(await pingTtl("2001:db8:113::1", 64)).toMatch(/From 2001:db8:7::1 .*(No route|unreachable)/i);
      expect(await pingReplies("203.0.113.1")).toBe(2);
    });
  });

  describe("web=https", () => {
    beforeAll(() => L.up("web=https"), 120_000);
    test("the shop's certificate chains to the lab root; tls-intercepted swaps in the local proxy's", async () => {
      // About certificates only: the name is pinned to the shop's address (no cold DNS chain in the way),
      // and the time limit is a bound for a loaded machine, not a measurement.
      const fetch = (ca: string) => L.run(["exec", "curl", "-sS", "-m", "15", "--resolve", "www.shop.test:443:198.51.100.80", "-o", "/dev/null", "--cacert", `${L.state}/ca/${ca}.pem`, "--", "https://www.shop.test/"], 30_000);
      expect((await fetch("lab-ca")).code).toBe(0);
      expect(await L.ok(["agent-env"])).toContain(`NODE_EXTRA_CA_CERTS=${L.state}/ca/trust.pem`);
      await L.ok(["fault", "tls-intercepted"], 60_000);
      expect((await fetch("lab-ca")).code).toBe(60); // peer certificate cannot be authenticated
      expect((await fetch("proxy-ca")).code).toBe(0);
    });
  });

  describe("agent=router", () => {
    beforeAll(() => L.up("agent=router"), 120_000);
    test("the agent runs in the router's namespace, its WAN local and its gateway the ISP edge", async () => {
      expect(await L.ok(["agent-env"])).toContain(`NS=${L.prefix}-home`);
      const route = (await L.run(["agent-exec", "ip", "-4", "route", "show", "default"])).stdout;
      expect(route).toContain("via 100.64.7.1 dev wan0");
      expect((await config()).stateDir).toBe(`${L.state}/home/agent`);
    });
  });
});
