// The dhcp check for real: the built agent runs inside a client namespace on a bridged segment (a
// switch namespace) with Debian dnsmasq servers in their own namespaces, all created and destroyed here.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createNetns, linkNetns, sh, type Netns } from "../../helpers/netns.js";
import { NETNS_SKIP, requireAll, requireCommand, titled } from "../../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = requireAll(NETNS_SKIP, requireCommand("dnsmasq", "dnsmasq-base"), requireCommand("python3", "python3"));

interface Step {
  status: string;
  findings: { code: string; severity: string }[];
  skipReason?: string;
  data: {
    lease?: { DHCPServer?: string };
    probe?: {
      discoverSent: boolean;
      informSentTo?: string;
      servers: string[];
      offers: { DHCPServer: string; IPAddress?: string; IPRouters: string[]; DNSServers: string[]; leaseTimeSec?: number; SubnetMask?: string }[];
      informReply?: { type: string; DHCPServer: string; IPRouters: string[] };
      sendErrors: { what: string; code: string }[];
    };
  };
}

const ROOT = new URL("../../../", import.meta.url).pathname;

describe.skipIf(!!NEEDS)(titled("dhcp check in network namespaces", NEEDS), () => {
  let work: string;
  let build: string;
  let sw: Netns, cli: Netns, bare: Netns, srv1: Netns, srv2: Netns;
  const servers = new Map<string, ChildProcess>();

  /** Starts dnsmasq (DNS off) in `ns` and resolves once it says its DHCP socket is bound. */
  async function startDnsmasq(ns: Netns, tag: string, range: string, router: string): Promise<{ proc: ChildProcess; leaseFile: string }> {
    const leaseFile = join(work, `${tag}.leases`);
    await writeFile(leaseFile, "");
    const proc = spawn("ip", ["netns", "exec", ns.name, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--interface=eth0", "--bind-interfaces",
      `--dhcp-range=${range},255.255.255.0,1h`, `--dhcp-option=option:router,${router}`, "--dhcp-option=option:dns-server,10.77.0.53",
      `--dhcp-leasefile=${leaseFile}`, `--pid-file=${join(work, `${tag}.pid`)}`, "--port=0"], { stdio: ["ignore", "pipe", "pipe"] });
    servers.set(tag, proc);
    await new Promise<void>((resolve, reject) => {
      let log = "";
      const onData = (d: Buffer) => {
        log += d.toString();
        if (/DHCP, sockets bound exclusively to interface eth0/.test(log)) resolve();
      };
      proc.stderr!.on("data", onData);
      proc.stdout!.on("data", onData);
      proc.once("exit", (code) => reject(new Error(`dnsmasq ${tag} exited ${code}: ${log}`)));
    });
    return { proc, leaseFile };
  }

  async function stopDnsmasq(tag: string): Promise<void> {
    const proc = servers.get(tag);
    servers.delete(tag);
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGKILL");
    await exited;
  }

  /** Runs `netdiag-agent check --checks dhcp --json` in `ns` and returns its one step. */
  async function runCheck(ns: Netns, dhcp: object, opts: { uid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Step> {
    const cfg = join(work, `cfg-${Math.random().toString(36).slice(2)}.json`);
    // Every default target overridden with loopback (network safety); only dhcp runs anyway.
    await writeFile(cfg, JSON.stringify({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["127.0.0.1"], names: ["localhost"], dhcp } }));
    const cmd = ["netns", "exec", ns.name, ...(opts.uid !== undefined ? ["setpriv", `--reuid=${opts.uid}`, `--regid=${opts.uid}`, "--clear-groups"] : []), process.execPath, join(build, "agent/main.js"), "check", "--checks", "dhcp", "--json", "--config", cfg];
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile("ip", cmd, { timeout: 20_000, ...(opts.env ? { env: opts.env } : {}) }, (err, out, errOut) => {
        // Exit code 1 means "a fault was found": the JSON is still on stdout.
        if (err && !out) reject(new Error(`agent failed: ${err.message} ${errOut}`));
        else resolve(out);
      }),
    );
    const { steps } = JSON.parse(stdout) as { steps: Step[] };
    expect(steps).toHaveLength(1);
    return steps[0]!;
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "nd-dhcp-lab-"));
    await chmod(work, 0o755); // the "not root" run reads the build and its config as nobody
    // A private build of the agent from the current sources (dist/ is shared with other work in progress).
    build = join(work, "build");
    await sh("npx", ["tsc", "-p", join(ROOT, "tsconfig.build.json"), "--outDir", build], 120_000).catch(() => undefined); // emits despite others' type errors
    await symlink(join(ROOT, "node_modules"), join(build, "node_modules"));
    await writeFile(join(build, "package.json"), JSON.stringify({ type: "module" }));
    await readFile(join(build, "agent/checks/dhcp.js")); // fails the suite early if the build emitted nothing

    // One at a time so that, if one fails, every namespace already made is assigned and deleted in afterAll.
    sw = await createNetns("dsw");
    cli = await createNetns("dcli");
    bare = await createNetns("dbare");
    srv1 = await createNetns("dsrv1");
    srv2 = await createNetns("dsrv2");
    await sw.exec("ip", ["link", "add", "br0", "type", "bridge"]);
    await sw.exec("ip", ["link", "set", "br0", "up"]);
    for (const [ns, port] of [[cli, "p-cli"], [bare, "p-bare"], [srv1, "p-s1"], [srv2, "p-s2"]] as const) {
      const ifname = ns === cli || ns === bare ? "lan0" : "eth0";
      await linkNetns(ns, ifname, sw, port);
      await sw.exec("ip", ["link", "set", port, "master", "br0", "up"]);
      await ns.exec("ip", ["link", "set", ifname, "up"]);
    }
    await srv1.exec("ip", ["addr", "add", "10.77.0.1/24", "dev", "eth0"]);
    await srv2.exec("ip", ["addr", "add", "10.77.0.2/24", "dev", "eth0"]);
    // The client holds an address and a default route via srv1, like a host with a (static or old) lease.
    await cli.exec("ip", ["addr", "add", "10.77.0.50/24", "dev", "lan0"]);
    await cli.exec("ip", ["route", "add", "default", "via", "10.77.0.1"]);
    // `bare` has no address and no route at all.
  });

  afterAll(async () => {
    for (const tag of [...servers.keys()]) await stopDnsmasq(tag);
    await Promise.all([sw, cli, bare, srv1, srv2].filter(Boolean).map((n) => n.close()));
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("DISCOVER + INFORM: the offer is reported, INFORM is ACKed, and dnsmasq allocates nothing", async () => {
    const { leaseFile } = await startDnsmasq(srv1, "s1", "10.77.0.100,10.77.0.150", "10.77.0.1");
    // A dhclient-format lease naming srv1, so the INFORM goes unicast to the lease's server.
    const leasePath = join(work, "client.leases");
    const expire = Math.floor(Date.now() / 1000) + 3000;
    await writeFile(leasePath, `lease {\n  interface "lan0";\n  fixed-address 10.77.0.50;\n  option subnet-mask 255.255.255.0;\n  option routers 10.77.0.1;\n  option dhcp-lease-time 3600;\n  option dhcp-server-identifier 10.77.0.1;\n  expire epoch ${expire};\n}\n`);
    const step = await runCheck(cli, { mode: "both", leaseFiles: [leasePath] });
    expect(step.status).toBe("ok");
    expect(step.findings).toEqual([]);
    expect(step.data.lease?.DHCPServer).toBe("10.77.0.1");
    const probe = step.data.probe!;
    expect(probe.servers).toEqual(["10.77.0.1"]);
    expect(probe.offers).toHaveLength(1);
    expect(probe.offers[0]).toMatchObject({ DHCPServer: "10.77.0.1", IPRouters: ["10.77.0.1"], DNSServers: ["10.77.0.53"], leaseTimeSec: 3600, SubnetMask: "255.255.255.0" });
    expect(probe.offers[0]!.IPAddress).toMatch(/^10\.77\.0\.(1[0-4]\d|150)$/);
    expect(probe.informSentTo).toBe("10.77.0.1");
    expect(probe.informReply).toMatchObject({ type: "ACK", DHCPServer: "10.77.0.1", IPRouters: ["10.77.0.1"] });
    expect(await readFile(leaseFile, "utf8")).toBe("");
  });

  test("a second server on the segment: DHCP_ROGUE_SERVER naming both", async () => {
    const rogue = await startDnsmasq(srv2, "s2", "10.77.0.200,10.77.0.210", "10.77.0.2");
    try {
      // Both servers ping the address before offering it (~3 s); on a loaded machine their offers were
      // seen up to 0.3 s apart, beyond what the default grace after the first offer promises to wait
      // for, so this sweeps the whole collection window (the option meant for such servers).
      const step = await runCheck(cli, { mode: "discover", fullSweep: true });
      expect(step.status).toBe("fail");
      expect(step.findings.map((f) => f.code)).toContain("DHCP_ROGUE_SERVER");
      expect([...step.data.probe!.servers].sort()).toEqual(["10.77.0.1", "10.77.0.2"]);
      expect(await readFile(rogue.leaseFile, "utf8")).toBe("");
    } finally {
      await stopDnsmasq("s2");
    }
  });

  test("a client that holds port 68 exclusively: the DISCOVER goes out through a packet socket instead", async () => {
    const holder = spawn("ip", ["netns", "exec", cli.name, process.execPath, "-e", "require('dgram').createSocket('udp4').bind(68, () => console.log('bound'))"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (d: Buffer) => d.toString().includes("bound") && resolve());
        holder.once("exit", (c) => reject(new Error(`port holder exited ${c}`)));
      });
      const step = await runCheck(cli, { mode: "both" });
      expect(step.status).toBe("ok");
      expect(step.data.probe?.servers).toEqual(["10.77.0.1"]);
      // The INFORM needs port 68 (its ACK is unicast there): recorded as not sent, not as a fault.
      expect(step.data.probe?.informSentTo).toBeUndefined();
      expect(step.data.probe?.sendErrors).toEqual([{ what: "inform", code: "EADDRINUSE" }]);
      expect(await readFile(join(work, "s1.leases"), "utf8")).toBe("");
    } finally {
      const exited = new Promise((r) => holder.once("exit", r));
      holder.kill("SIGKILL");
      await exited;
    }
  });

  test("not root: skipped with DHCP_BIND_DENIED, not fail", async () => {
    const step = await runCheck(cli, { mode: "discover" }, { uid: 65534 });
    expect(step.status).toBe("skipped");
    expect(step.findings.map((f) => f.code)).toContain("DHCP_BIND_DENIED");
  });

  test("no address and no route: the OFFER is captured through a packet socket, and nothing is allocated", async () => {
    // Reverse-path filtering as systemd sets it (loose): a UDP socket bound to the device would
    // never see the OFFER here (no route back to its sender); a packet socket does.
    await bare.exec("sysctl", ["-qw", "net.ipv4.conf.all.rp_filter=2", "net.ipv4.conf.lan0.rp_filter=2"]);
    const step = await runCheck(bare, { mode: "both" });
    expect(step.status).toBe("ok");
    expect(step.findings.map((f) => f.code)).toEqual(["DHCP_NO_LEASE"]);
    const probe = step.data.probe!;
    expect(probe.discoverSent).toBe(true);
    expect(probe.informSentTo).toBeUndefined();
    expect(probe.servers).toEqual(["10.77.0.1"]);
    expect(probe.offers[0]).toMatchObject({ DHCPServer: "10.77.0.1", IPRouters: ["10.77.0.1"], SubnetMask: "255.255.255.0" });
    expect(await readFile(join(work, "s1.leases"), "utf8")).toBe("");
  });

  test("no address and no python3 for the packet socket: not measured, naming what is missing", async () => {
    // A PATH with `ip` (the host view needs it) and no python3.
    const bin = join(work, "bin-no-python");
    await mkdir(bin, { recursive: true });
    await symlink((await sh("sh", ["-c", "command -v ip"])).stdout.trim(), join(bin, "ip"));
    const step = await runCheck(bare, { mode: "discover" }, { env: { PATH: bin, LC_ALL: "C" } });
    expect(step.status).toBe("skipped");
    expect(step.skipReason).toMatch(/lan0 has no IPv4 address.*packet socket \(AF_PACKET\).*python3 is not installed/);
  });

  test("every server gone: DHCP_NO_OFFER and the INFORM goes unanswered", async () => {
    await stopDnsmasq("s1");
    const step = await runCheck(cli, { mode: "both" });
    expect(step.status).toBe("warn"); // static address, no lease: the segment may not use DHCP at all
    expect(step.findings.map((f) => f.code)).toEqual(["DHCP_NO_LEASE", "DHCP_NO_OFFER", "DHCP_INFORM_NO_ACK"]);
    expect(step.data.probe?.discoverSent).toBe(true);
    expect(step.data.probe?.offers).toEqual([]);
  });

  test("no address and no server: DHCP_NO_OFFER is measured (router segment), not skipped", async () => {
    const step = await runCheck(bare, { mode: "both" });
    expect(step.status).toBe("fail");
    expect(step.findings.map((f) => f.code)).toEqual(["DHCP_NO_LEASE", "DHCP_NO_OFFER"]);
    expect(step.data.probe).toMatchObject({ discoverSent: true, offers: [], servers: [] });
  });
});
