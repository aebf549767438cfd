// Smoke test of the network lab (scripts/lab.sh): brings up a lab under a unique prefix, checks that
// the healthy lab works end to end from inside the pc, applies faults and asserts their raw effect,
// then tears it down. Everything runs inside the lab's own namespaces (network safety).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AgentConfig } from "../../agent/config.js";
import { labHandle, type LabRun } from "../helpers/lab.js";
import { LAB_SKIP, titled } from "../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = LAB_SKIP;

const pexec = promisify(execFile);
const L = labHandle();
const PREFIX = L.prefix;
const STATE = L.state;
const lab = L.run;
const labOk = L.ok;

/** Inside the pc: `ping` to TARGET, returns the number of replies. */
async function pcPingReplies(target: string, count = 2): Promise<number> {
  const r = await lab(["exec", "ping", "-n", "-c", String(count), "-i", "0.2", "-W", "1", "--", target]);
  const m = /(\d+) received/.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}

/** Inside the pc: one DNS query with node's resolver (no cache): addresses or the error code. */
async function pcResolve(name: string, server?: string): Promise<string> {
  const script = `
    const dns = require("node:dns");
    const r = new dns.promises.Resolver({ timeout: 3000, tries: 1 });
    r.setServers([process.argv[2] || require("node:fs").readFileSync("/etc/resolv.conf", "utf8").match(/nameserver\\s+(\\S+)/)[1]]);
    r.resolve4(process.argv[1]).then((a) => console.log(a.join(",")), (e) => console.log(e.code));`;
  const r = await lab(["exec", process.execPath, "-e", script, name, server ?? ""]);
  return r.stdout.trim();
}

/**
 * Inside the pc: curl exit code (0 ok, 7 refused, 28 timeout, 6 no name) and the body. The limit is
 * a bound that a cold lookup chain on a loaded machine stays well under, not a measurement.
 */
async function pcFetch(url: string): Promise<LabRun> {
  return lab(["exec", "curl", "-sS", "-m", "6", "--", url]);
}

/** Inside the pc: one echo with the given TTL; the raw ping output (who answered, with what). */
async function pcPingTtl(target: string, ttl: number): Promise<string> {
  return (await lab(["exec", "ping", "-n", "-c", "1", "-W", "1", "-t", String(ttl), "--", target])).stdout;
}

/**
 * Inside the pc: an A query for NAME to SERVER:53 from a fixed UDP source port, so two calls are the
 * same flow for connection tracking; the answer's first address or TIMEOUT.
 */
async function pcQueryFromPort(name: string, server: string, port: number): Promise<string> {
  const script = `
    const s = require("node:dgram").createSocket("udp4");
    const q = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      ...process.argv[1].split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
    const t = setTimeout(() => { console.log("TIMEOUT"); s.close(); }, 1500);
    s.on("message", (m) => { clearTimeout(t); console.log(m.length >= 4 ? [...m.subarray(m.length - 4)].join(".") : "SHORT"); s.close(); });
    s.bind(Number(process.argv[3]), () => s.send(q, 53, process.argv[2]));`;
  const r = await lab(["exec", process.execPath, "-e", script, name, server, String(port)]);
  return r.stdout.trim();
}

async function snmpGet(oid: string): Promise<string> {
  const r = await lab(["exec", "snmpget", "-v2c", "-c", "public", "-t", "1", "-r", "0", "-Oqv", "10.77.0.1", oid]);
  return r.stdout.trim();
}

/** A killed daemon may linger as a zombie until init reaps it: that counts as stopped. */
async function isRunning(pid: string): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return status !== "" && !/^State:\s+Z/m.test(status);
}

async function labNamespaces(): Promise<string[]> {
  const { stdout } = await pexec("ip", ["netns", "list"]);
  return stdout
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(`${PREFIX}-`));
}

describe.skipIf(!!NEEDS)(titled("network lab (scripts/lab.sh)", NEEDS), () => {
  beforeAll(async () => {
    await labOk(["up"]);
  });
  afterAll(async () => {
    await lab(["down"]);
  });

  test("up builds four namespaces and gives the pc a DHCP lease from the home router", async () => {
    expect((await labNamespaces()).sort()).toEqual([`${PREFIX}-home`, `${PREFIX}-inet`, `${PREFIX}-isp`, `${PREFIX}-pc`]);
    const lease = await readFile(`${STATE}/pc/dhclient.leases`, "utf8");
    expect(lease).toMatch(/fixed-address 10\.77\.0\.(1\d\d);/);
    expect(lease).toContain("option dhcp-server-identifier 10.77.0.1;");
    expect(await labOk(["exec", "ip", "-4", "route", "show", "default"])).toContain("via 10.77.0.1");
  });

  test("healthy: gateway, ISP edge and anchors answer; the name resolves via the router; the page loads", async () => {
    expect(await pcPingReplies("10.77.0.1")).toBe(2);
    expect(await pcPingReplies("100.64.7.1")).toBe(2);
    expect(await pcPingReplies("203.0.113.1")).toBe(2);
    expect(await pcResolve("www.shop.test")).toBe("198.51.100.80"); // resolv.conf -> 10.77.0.1
    expect(await pcResolve("www.shop.test", "198.51.100.53")).toBe("198.51.100.80");
    const page = await pcFetch("http://www.shop.test/");
    expect(page.code).toBe(0);
    expect(page.stdout).toContain("netdiag lab shop");
    expect(await snmpGet("1.3.6.1.2.1.1.5.0")).toBe('"home-router"');
  });

  test("the agent config it writes is a valid AgentConfig pointing at the lab", async () => {
    const cfg = AgentConfig.parse(JSON.parse(await labOk(["agent-config"])));
    expect(cfg.targets.anchors).toContain("203.0.113.1");
    expect(cfg.targets.dhcp.leaseFiles).toEqual([`${STATE}/pc/dhclient.leases`]);
    expect(cfg.targets.snmp[0]).toMatchObject({ host: "10.77.0.1", version: "2c" });
  });

  test("wan-down: the gateway answers, the ISP edge does not, SNMP shows the WAN interface down", async () => {
    const wanIfIndex = (await labOk(["ns", "home", "cat", "/sys/class/net/wan0/ifindex"])).trim();
    expect(await snmpGet(`1.3.6.1.2.1.2.2.1.8.${wanIfIndex}`)).toBe("1");
    await labOk(["fault", "wan-down"]);
    expect(await pcPingReplies("10.77.0.1")).toBe(2);
    expect(await pcPingReplies("100.64.7.1")).toBe(0);
    // snmpd caches interface state for a few seconds: `fault` itself waits until SNMP reports it.
    expect(await snmpGet(`1.3.6.1.2.1.2.2.1.8.${wanIfIndex}`)).toBe("2");
    await labOk(["clear"]);
    expect(await snmpGet(`1.3.6.1.2.1.2.2.1.8.${wanIfIndex}`)).toBe("1");
  });

  test("router-dns-dead: the router's DNS refuses, the public resolver still answers, DHCP lease kept", async () => {
    await labOk(["fault", "router-dns-dead"]);
    expect(await pcResolve("www.shop.test")).toBe("ECONNREFUSED");
    expect(await pcResolve("www.shop.test", "198.51.100.53")).toBe("198.51.100.80");
    expect(await pcPingReplies("203.0.113.1")).toBe(2);
  });

  test("dns-servfail: anchors answer but the test zone gives SERVFAIL everywhere", async () => {
    await labOk(["fault", "dns-servfail"]);
    expect(await pcPingReplies("203.0.113.2")).toBe(2);
    expect(await pcResolve("www.shop.test")).toBe("ESERVFAIL");
    expect(await pcResolve("www.shop.test", "198.51.100.53")).toBe("ESERVFAIL");
  });

  test("service-down: the name resolves, TCP to the web server is refused", async () => {
    await labOk(["fault", "service-down"]);
    expect(await pcResolve("www.shop.test")).toBe("198.51.100.80");
    expect((await pcFetch("http://www.shop.test/")).code).toBe(7);
  });

  test("cable-unplugged: the pc's interface is up but has no carrier", async () => {
    await labOk(["fault", "cable-unplugged"]);
    const link = await labOk(["exec", "ip", "-o", "link", "show", "dev", "eth0"]);
    expect(link).toContain("NO-CARRIER");
    expect(link).toMatch(/[<,]UP[,>]/);
    expect(await pcPingReplies("10.77.0.1")).toBe(0);
  });

  // The six failures of issue 9, reproduced as reported.
  test("isp-uplink-down: the edge answers ping, sends Net Unreachable for the internet, its resolver refuses", async () => {
    await labOk(["fault", "isp-uplink-down"]);
    expect(await pcPingReplies("100.64.7.1")).toBe(2);
    expect(await pcPingTtl("203.0.113.1", 64)).toMatch(/From 100\.64\.7\.1 .*Destination Net Unreachable/);
    expect(await pcPingTtl("203.0.113.1", 2)).toMatch(/From 100\.64\.7\.1 .*Destination Net Unreachable/);
    expect(await pcResolve("www.shop.test")).toBe("EREFUSED"); // through the router's relay
    expect(await pcResolve("www.shop.test", "100.64.0.53")).toBe("EREFUSED");
  });

  test("nat-missing: the router resolves external names itself, SNMP says WAN up, nothing beyond it answers the pc", async () => {
    await labOk(["clear"]);
    // A flow made while NAT worked, then the same flow (same source port) after the rule is gone: it
    // must not ride on an old NAT mapping (the lab also flushes the router's connection tracking).
    expect(await pcQueryFromPort("www.shop.test", "198.51.100.53", 40053)).toBe("198.51.100.80");
    await labOk(["fault", "nat-missing"]);
    expect(await pcQueryFromPort("www.shop.test", "198.51.100.53", 40053)).toBe("TIMEOUT");
    expect(await pcResolve("www.shop.test")).toBe("198.51.100.80"); // the router's own relay works
    expect(await pcPingReplies("10.77.0.1")).toBe(2);
    expect(await pcPingReplies("100.64.7.1")).toBe(0);
    expect(await pcPingReplies("203.0.113.1")).toBe(0);
    expect(await pcPingTtl("203.0.113.1", 1)).toMatch(/From 10\.77\.0\.1 .*Time to live exceeded/);
    const wanIfIndex = (await labOk(["ns", "home", "cat", "/sys/class/net/wan0/ifindex"])).trim();
    expect(await snmpGet(`1.3.6.1.2.1.2.2.1.8.${wanIfIndex}`)).toBe("1");
  });

  test("dhcp-off-no-address: the router serves no DHCP and the restarted client leaves the pc without an address", async () => {
    await labOk(["fault", "dhcp-off-no-address"]);
    expect((await labOk(["exec", "ip", "-4", "-o", "addr", "show", "dev", "eth0"])).trim()).toBe("");
    expect((await labOk(["exec", "ip", "-4", "route", "show", "default"])).trim()).toBe("");
    expect((await labOk(["ns", "home", "ss", "-Hlnu", "sport = :67"])).trim()).toBe("");
    // The restarted client starts from an empty lease file (nothing to fall back on).
    expect(await readFile(`${STATE}/pc/dhclient.leases`, "utf8").catch(() => "")).not.toContain("fixed-address");
  });

  test("isp-resolver-down: the relay answers its own names but times out outside; the ISP resolver is port-unreachable", async () => {
    await labOk(["fault", "isp-resolver-down"]);
    expect(await pcPingReplies("203.0.113.1")).toBe(2); // clear restored the pc's address
    expect(await pcResolve("router.lan")).toBe("10.77.0.1");
    expect(await pcResolve("www.shop.test")).toBe("ETIMEOUT");
    expect(await pcResolve("www.shop.test", "100.64.0.53")).toBe("ECONNREFUSED");
    expect(await pcResolve("www.shop.test", "198.51.100.53")).toBe("198.51.100.80");
  });

  test("pc-resolver-misconfigured: the pc asks a resolver where nothing answers; the router still answers", async () => {
    await labOk(["fault", "pc-resolver-misconfigured"]);
    expect(await labOk(["exec", "cat", "/etc/resolv.conf"])).toContain("nameserver 10.77.0.53");
    expect(await pcResolve("www.shop.test")).toBe("ETIMEOUT");
    expect(await pcResolve("www.shop.test", "10.77.0.1")).toBe("198.51.100.80");
  });

  test("pc-firewall-drops-web: TCP 80 times out to every host from the pc; ping and DNS work", async () => {
    await labOk(["fault", "pc-firewall-drops-web"]);
    expect((await pcFetch("http://www.shop.test/")).code).toBe(28);
    expect((await pcFetch("http://203.0.113.2/")).code).toBe(28);
    expect(await pcPingReplies("198.51.100.80")).toBe(2);
    expect(await pcResolve("www.shop.test")).toBe("198.51.100.80");
  });

  test("captive-portal: the network's resolver gives the portal for every name, the public one the truth", async () => {
    await labOk(["fault", "captive-portal"]);
    expect(await pcResolve("www.shop.test")).toBe("100.64.0.80");
    expect(await pcResolve("www.shop.test", "198.51.100.53")).toBe("198.51.100.80");
    const r = await lab(["exec", "curl", "-sS", "-m", "10", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--", "http://www.shop.test/"]);
    expect(r.stdout).toBe("302 http://portal.isp.test/login");
  });

  test("lan-loss: exactly the odd-numbered echoes to the gateway are lost (deterministic loss figure)", async () => {
    await labOk(["fault", "lan-loss"]);
    expect(await pcPingReplies("10.77.0.1", 5)).toBe(2);
    expect(await labOk(["exec", "ip", "-o", "link", "show", "dev", "eth0"])).toContain("LOWER_UP");
  });

  test("router-hung: carrier up, the router answers neither ARP nor ping", async () => {
    await labOk(["fault", "router-hung"]);
    expect(await pcPingReplies("10.77.0.1")).toBe(0);
    expect(await labOk(["exec", "ip", "neigh", "show", "10.77.0.1"])).not.toMatch(/lladdr/);
  });

  test("service-timeout: SYN to the shop unanswered, the same port on an anchor answers", async () => {
    await labOk(["fault", "service-timeout"]);
    expect((await pcFetch("http://www.shop.test/")).code).toBe(28);
    expect((await pcFetch("http://203.0.113.2/")).code).toBe(0);
  });

  test("rogue-dhcp plugged in and out leaves the gateway's MAC as the pc knows it", async () => {
    await labOk(["clear"]);
    expect(await pcPingReplies("10.77.0.1")).toBe(2);
    const mac = async () => /lladdr (\S+)/.exec(await labOk(["exec", "ip", "neigh", "show", "10.77.0.1"]))?.[1];
    const before = await mac();
    await labOk(["fault", "rogue-dhcp"]);
    await labOk(["clear"]);
    expect(await pcPingReplies("10.77.0.1")).toBe(2);
    expect(await mac()).toBe(before);
  });

  test("a fault that does not fit the variant is refused with the reason", async () => {
    const r = await lab(["fault", "ipv6-broken"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("needs ipv6=on");
  });

  test("clear returns to healthy", async () => {
    await labOk(["clear"]);
    expect(await pcPingReplies("203.0.113.1")).toBe(2);
    expect((await pcFetch("http://www.shop.test/")).code).toBe(0);
    expect(await labOk(["status"])).toContain("fault healthy");
  });

  test("an unknown fault is refused", async () => {
    const r = await lab(["fault", "no-such-fault"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown fault");
  });

  test("down removes every namespace and process of the lab, and is idempotent", async () => {
    const { stdout: pids } = await pexec("ip", ["netns", "pids", `${PREFIX}-home`]);
    expect(pids.trim()).not.toBe(""); // dnsmasq and snmpd run there
    await labOk(["down"]);
    expect(await labNamespaces()).toEqual([]);
    await expect(readFile(`${STATE}/fault`, "utf8")).rejects.toThrow(/ENOENT/);
    for (const pid of pids.split(/\s+/).filter(Boolean)) expect(await isRunning(pid)).toBe(false);
    await labOk(["down"]);
  });
});
