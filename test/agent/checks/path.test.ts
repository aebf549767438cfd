// The path check: pure rules on made-up data, then for real in a lab of namespaces
// pc (10.0.1.2) - r1 (10.0.1.1 | 10.0.2.1) - r2 (10.0.2.2 | 10.0.3.1) - far (10.0.3.2, anchors 198.18.0.1/.2 on lo).
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { routerEdge } from "../../../agent/checks/path/router-edge.js";
import type { CheckContext } from "../../../agent/checks/types.js";
import { testCheckContext } from "../../helpers/check-context.js";
import { assessPath, type PathData } from "../../../agent/checks/path/assess.js";
import { buildRoute, hopFromReport, pickIspHop, type RouteHop } from "../../../agent/checks/path/hops.js";
import type { PingReport } from "../../../agent/probes/ping-types.js";
import type { IpPingResult } from "../../../agent/checks/path/ip-ping.js";
import { bracket, refinePayloads, summarizeMtu, type MtuProbe } from "../../../agent/checks/path/mtu.js";
import type { CheckId, StepResult, StepResultOf } from "../../../shared/checks.js";
import { createNetns, linkNetns, type Netns } from "../../helpers/netns.js";
import { NETNS_SKIP, NO_PING, requireAll, requireCommand, titled } from "../../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = requireAll(NETNS_SKIP, NO_PING, requireCommand("iptables", "iptables"));

const pexec = promisify(execFile);

const hop = (ttl: number, reply: RouteHop["reply"], HostAddress?: string): RouteHop => ({ ttl, reply, RTTimes: [], ...(HostAddress ? { HostAddress } : {}) });
const pingResult = (Host: string, SuccessCount: number, over: Partial<IpPingResult> = {}): IpPingResult => ({
  Host, IPAddressUsed: Host, DiagnosticsState: "Complete", NumberOfRepetitions: 5, Timeout: 1000, DataBlockSize: 56,
  SuccessCount, FailureCount: 5 - SuccessCount, lossPct: ((5 - SuccessCount) / 5) * 100, rttMs: [], icmpErrors: [],
  ...(SuccessCount ? { MinimumResponseTime: 10, AverageResponseTime: 12, MaximumResponseTime: 15 } : {}), ...over,
});

describe("hop list and ISP hop", () => {
  const full = [hop(3, "echo_reply", "198.18.0.1"), hop(1, "time_exceeded", "10.0.1.1"), hop(2, "time_exceeded", "10.0.2.2"), hop(4, "echo_reply", "198.18.0.1")];
  test("sorts, stops at the destination, finds the first hop beyond the gateway", () => {
    const r = buildRoute("198.18.0.1", 4, 2, full);
    expect(r.RouteHops.map((h) => h.ttl)).toEqual([1, 2, 3]);
    expect(r).toMatchObject({ reached: true, silentTtls: [] });
    expect(pickIspHop(r, "10.0.1.1")).toEqual({ address: "10.0.2.2", ttl: 2 });
  });
  test.each([
    ["silent TTL 2: the next responder", [hop(1, "time_exceeded", "10.0.1.1"), hop(2, "none"), hop(3, "time_exceeded", "10.0.3.1"), hop(4, "echo_reply", "1.2.3.4")], { address: "10.0.3.1", ttl: 3 }],
    ["destination right behind the gateway", [hop(1, "time_exceeded", "10.0.1.1"), hop(2, "echo_reply", "1.2.3.4")], undefined],
    ["TTL 2 answers from the gateway address (double router)", [hop(1, "time_exceeded", "10.0.1.1"), hop(2, "time_exceeded", "10.0.1.1"), hop(3, "time_exceeded", "100.64.0.1")], { address: "100.64.0.1", ttl: 3 }],
    ["nothing answers", [hop(1, "none"), hop(2, "none")], undefined],
  ] as [string, RouteHop[], unknown][])("%s", (_n, hops, expected) => {
    expect(pickIspHop(buildRoute("x", 5, 2, hops), "10.0.1.1")).toEqual(expected);
  });
  test("a refusal ends the list; the router that refused is the first ISP hop (its error proves it alive)", () => {
    const r = buildRoute("x", 5, 2, [hop(1, "time_exceeded", "10.0.1.1"), { ...hop(2, "unreachable", "10.0.2.2"), icmpError: "net_unreachable" }, hop(3, "none")]);
    expect(r.RouteHops).toHaveLength(2);
    expect(r.reached).toBe(false);
    expect(pickIspHop(r, "10.0.1.1")).toEqual({ address: "10.0.2.2", ttl: 2 });
  });
  test("the gateway itself refusing is not an ISP hop", () => {
    const r = buildRoute("x", 5, 2, [hop(1, "unreachable", "10.0.1.1")]);
    expect(pickIspHop(r, "10.0.1.1")).toBeUndefined();
  });
  test.each([
    ["Net Unreachable from the ISP edge", { icmpErrors: [{ from: "100.64.7.1", type: "net_unreachable", message: "Destination Net Unreachable" }] }, { reply: "unreachable", HostAddress: "100.64.7.1", icmpError: "net_unreachable", ErrorMessage: "Destination Net Unreachable" }],
    ["Packet filtered", { icmpErrors: [{ from: "100.64.7.1", type: "admin_prohibited", message: "Packet filtered" }] }, { reply: "unreachable", icmpError: "admin_prohibited" }],
    ["Time Exceeded", { ttlExceededFrom: ["10.0.2.2"] }, { reply: "time_exceeded", HostAddress: "10.0.2.2" }],
  ] as [string, Partial<PingReport>, Partial<RouteHop>][])("hopFromReport: %s", (_n, over, expected) => {
    const report: PingReport = { host: "198.18.0.1", status: "Complete", sent: 2, received: 0, failed: 2, lossPct: 100, rttMs: [], ttlExceededFrom: [], icmpErrors: [], ...over };
    const h = hopFromReport(2, report);
    expect(h).toMatchObject(expected);
    if (expected.reply === "time_exceeded") expect(h.icmpError).toBeUndefined();
  });
});

describe("routerEdge: the ISP edge the router reports, waited for a bounded time", () => {
  const snmpStep = (address?: string): StepResultOf<"snmp"> => ({
    check: "snmp", status: "ok", startedAt: 0, durationMs: 1, findings: [],
    data: { devices: [{ host: "10.0.1.1", port: 161, version: "2c", reach: "answered", ...(address ? { wanGateway: { source: "ipRouteTable", address } } : {}) }] },
  });
  const ctxWith = (waitFor: CheckContext["waitFor"]) => ({ ...testCheckContext().ctx, waitFor });
  afterEach(() => vi.useRealTimers());

  test("the first check to report one wins", async () => {
    const ctx = ctxWith(async <C extends CheckId>(id: C) => (id === "snmp" ? snmpStep("100.64.7.1") : undefined) as StepResultOf<C> | undefined);
    expect(await routerEdge(ctx, 2000, new AbortController().signal)).toEqual({ address: "100.64.7.1", from: "snmp" });
  });
  test("neither check in the run, or neither reports one: undefined at once", async () => {
    expect(await routerEdge(ctxWith(async () => undefined), 2000, new AbortController().signal)).toBeUndefined();
    const ctx = ctxWith(async <C extends CheckId>(id: C) => (id === "snmp" ? snmpStep() : undefined) as StepResultOf<C> | undefined);
    expect(await routerEdge(ctx, 2000, new AbortController().signal)).toBeUndefined();
  });
  test("a device that never answers is given up on after the cap", async () => {
    vi.useFakeTimers();
    const p = routerEdge(ctxWith(() => new Promise(() => undefined)), 2000, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await p).toBeUndefined();
  });
  test("without waitFor (tests, benches) it reads earlier steps", async () => {
    const { ctx } = testCheckContext();
    ctx.earlier.snmp = snmpStep("100.64.7.9");
    expect(await routerEdge(ctx, 2000, new AbortController().signal)).toEqual({ address: "100.64.7.9", from: "snmp" });
  });
});

describe("MTU reading", () => {
  const p = (payloadBytes: number, outcome: MtuProbe["outcome"], mtu?: number, from?: string): MtuProbe => ({ payloadBytes, packetBytes: payloadBytes + 28, outcome, ...(mtu ? { mtu } : {}), ...(from ? { from } : {}) });
  test.each([
    ["all pass", [p(1472, "reply"), p(56, "reply")], { pathMtu: 1500, blackHole: false }],
    ["frag needed", [p(1472, "frag_needed", 1400, "10.0.2.2"), p(1372, "reply"), p(56, "reply")], { pathMtu: 1400, blackHole: false, reportedMtu: { mtu: 1400, from: "10.0.2.2" } }],
    ["kernel cache only", [p(1472, "local_too_big", 1400), p(1372, "reply")], { pathMtu: 1400, blackHole: false, reportedMtu: { mtu: 1400 } }],
    ["black hole", [p(1472, "silent"), p(1392, "silent"), p(1372, "reply"), p(56, "reply")], { pathMtu: 1400, blackHole: true }],
    ["nothing passes: not measured", [p(1472, "silent"), p(56, "silent")], { blackHole: false }],
  ] as [string, MtuProbe[], object][])("%s", (_n, probes, expected) => {
    const m = summarizeMtu("h", false, probes);
    expect(m).toMatchObject(expected);
    if (!("pathMtu" in expected)) expect(m.pathMtu).toBeUndefined();
  });
  test("refinement sizes stay strictly inside the bracket", () => {
    expect(refinePayloads(1372, 1392, 8).every((s) => s > 1372 && s < 1392)).toBe(true);
    expect(refinePayloads(1372, 1376, 8)).toEqual([1373, 1374, 1375]);
    expect(refinePayloads(1372, 1373, 8)).toEqual([]);
    expect(bracket([p(1472, "silent"), p(1392, "silent"), p(1372, "reply"), p(56, "silent")])).toEqual({ pass: 1372, fail: 1392 });
  });
});

describe("assessPath", () => {
  const route = buildRoute("a1", 5, 2, [hop(1, "time_exceeded", "gw"), hop(2, "time_exceeded", "isp"), hop(3, "echo_reply", "a1")]);
  const base = (over: Partial<PathData> = {}): PathData => ({
    gateway: { address: "gw", ping: pingResult("gw", 5) },
    ispHop: { source: "discovered", address: "isp", ttl: 2, ping: pingResult("isp", 5) },
    anchors: [pingResult("a1", 5), pingResult("a2", 5)],
    route,
    ...over,
  });
  test.each([
    ["healthy", base(), "ok", []],
    ["all anchors down", base({ anchors: [pingResult("a1", 0), pingResult("a2", 0)] }), "fail", ["ANCHORS_UNREACHABLE"]],
    ["one anchor down", base({ anchors: [pingResult("a1", 5), pingResult("a2", 0)] }), "warn", ["ANCHOR_UNREACHABLE"]],
    ["anchor lossy and slow", base({ anchors: [pingResult("a1", 3, { AverageResponseTime: 400 }), pingResult("a2", 5)] }), "warn", ["ANCHOR_LOSS", "ANCHOR_SLOW"]],
    ["one lost of five is not loss", base({ anchors: [pingResult("a1", 4), pingResult("a2", 5)] }), "ok", []],
    ["ISP hop silent but anchors fine", base({ ispHop: { source: "discovered", address: "isp", ttl: 2, ping: pingResult("isp", 0) } }), "warn", ["ISP_HOP_UNREACHABLE"]],
    ["ISP hop lossy", base({ ispHop: { source: "config", address: "isp", ping: pingResult("isp", 2) } }), "warn", ["ISP_HOP_LOSS"]],
    ["ISP hop not found", base({ ispHop: { source: "not_found" } }), "ok", ["ISP_HOP_NOT_FOUND"]],
    ["black hole", base({ mtu: { Host: "a1", probes: [], largestPayloadBytes: 1372, pathMtu: 1400, blackHole: true } }), "fail", ["PMTU_BLACKHOLE"]],
    ["reduced", base({ mtu: { Host: "a1", probes: [], largestPayloadBytes: 1372, pathMtu: 1400, reportedMtu: { mtu: 1400, from: "isp" }, blackHole: false } }), "ok", ["PMTU_REDUCED"]],
    ["silent hop", base({ route: buildRoute("a1", 5, 2, [hop(1, "time_exceeded", "gw"), hop(2, "none"), hop(3, "echo_reply", "a1")]) }), "ok", ["HOP_LIST_INCOMPLETE"]],
  ] as [string, PathData, string, string[]][])("%s", (_n, data, status, codes) => {
    const out = assessPath(data);
    expect(out.status).toBe(status);
    expect(out.findings.map((f) => f.code)).toEqual(codes);
  });
  test("ISP hop silent and anchors down: the ISP hop finding is a failure", () => {
    const out = assessPath(base({ anchors: [pingResult("a1", 0)], ispHop: { source: "discovered", address: "isp", ttl: 2, ping: pingResult("isp", 0) } }));
    expect(out.findings.find((f) => f.code === "ISP_HOP_UNREACHABLE")?.severity).toBe("fail");
  });
});

describe.skipIf(!!NEEDS)(titled("path check in a namespace lab", NEEDS), () => {
  let pc: Netns, r1: Netns, r2: Netns, far: Netns;
  let buildDir: string;
  let cfgDir: string;
  const made: Netns[] = [];

  beforeAll(async () => {
    // A private build: other engineers build dist/ at the same time. Under node_modules/.cache so the
    // emitted ESM still resolves zod from the project's node_modules.
    buildDir = join(process.cwd(), "node_modules", ".cache", `netdiag-path-test-${randomBytes(3).toString("hex")}`);
    const build = pexec("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", buildDir, "--sourceMap", "false"], { timeout: 120_000 }).catch(() => undefined);
    cfgDir = await mkdtemp(join(tmpdir(), "nd-path-"));
    for (const n of ["pc", "r1", "r2", "far"]) made.push(await createNetns(`path-${n}`));
    [pc, r1, r2, far] = made as [Netns, Netns, Netns, Netns];
    // No ICMP rate limits: per destination (icmp_ratelimit) and per namespace (icmp_msgs_per_sec with a
    // burst of 50, which one path run's parallel probes exceed when a router answers them all with errors).
    for (const ns of made) await ns.exec("sysctl", ["-qw", "net.ipv4.icmp_ratelimit=0", "net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=100000"]);
    await linkNetns(pc, "eth0", r1, "lan0");
    await linkNetns(r1, "wan0", r2, "lan0");
    await linkNetns(r2, "up0", far, "eth0");
    const ip = (ns: Netns, ...a: string[]) => ns.exec("ip", a);
    await ip(pc, "addr", "add", "10.0.1.2/24", "dev", "eth0");
    await ip(r1, "addr", "add", "10.0.1.1/24", "dev", "lan0");
    await ip(r1, "addr", "add", "10.0.2.1/24", "dev", "wan0");
    await ip(r2, "addr", "add", "10.0.2.2/24", "dev", "lan0");
    await ip(r2, "addr", "add", "10.0.3.1/24", "dev", "up0");
    await ip(far, "addr", "add", "10.0.3.2/24", "dev", "eth0");
    await ip(far, "addr", "add", "198.18.0.1/32", "dev", "lo");
    await ip(far, "addr", "add", "198.18.0.2/32", "dev", "lo");
    for (const [ns, dev] of [[pc, "eth0"], [r1, "lan0"], [r1, "wan0"], [r2, "lan0"], [r2, "up0"], [far, "eth0"]] as const) await ip(ns, "link", "set", dev, "up");
    await ip(pc, "route", "add", "default", "via", "10.0.1.1");
    await ip(r1, "route", "add", "default", "via", "10.0.2.2");
    await ip(r2, "route", "add", "10.0.1.0/24", "via", "10.0.2.1");
    await ip(r2, "route", "add", "198.18.0.0/24", "via", "10.0.3.2");
    await ip(far, "route", "add", "default", "via", "10.0.3.1");
    for (const ns of [r1, r2]) await ns.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
    await writeFile(join(cfgDir, "agent.json"), JSON.stringify({ targets: { anchors: ["198.18.0.1", "198.18.0.2"], controlHosts: ["198.18.0.1", "198.18.0.2"], publicResolvers: [], names: ["x.test"], path: { maxHops: 6 } } }));
    await build;
  });

  afterAll(async () => {
    for (const ns of made) await ns.close();
    if (cfgDir) await rm(cfgDir, { recursive: true, force: true });
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  });

  async function runPath(): Promise<StepResult & { data: PathData }> {
    const { stdout } = await pexec("ip", ["netns", "exec", pc.name, "node", join(buildDir, "agent", "main.js"), "check", "--checks", "path", "--json", "--config", join(cfgDir, "agent.json")], { timeout: 40_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
    const steps = (JSON.parse(stdout) as { steps: StepResult[] }).steps;
    expect(steps).toHaveLength(1);
    return steps[0] as StepResult & { data: PathData };
  }

  test("healthy: hop list, ISP hop r2 beyond gateway r1, clean figures, full MTU, fast", async () => {
    const s = await runPath();
    expect(s.status).toBe("ok");
    expect(s.findings).toEqual([]);
    expect(s.data.route.RouteHops.map((h) => [h.ttl, h.HostAddress, h.reply])).toEqual([
      [1, "10.0.1.1", "time_exceeded"],
      [2, "10.0.2.2", "time_exceeded"],
      [3, "198.18.0.1", "echo_reply"],
    ]);
    expect(s.data.gateway).toMatchObject({ address: "10.0.1.1", ping: { SuccessCount: 5, lossPct: 0 } });
    expect(s.data.ispHop).toMatchObject({ source: "discovered", address: "10.0.2.2", ttl: 2, ping: { SuccessCount: 5, lossPct: 0 } });
    expect(s.data.anchors.map((a) => [a.Host, a.lossPct])).toEqual([["198.18.0.1", 0], ["198.18.0.2", 0]]);
    expect(s.data.mtu).toMatchObject({ pathMtu: 1500, blackHole: false });
    expect(s.durationMs).toBeLessThan(3000);
  });

  test("25% random loss beyond r2 shows on the anchors, not on the ISP hop", async () => {
    const rule = ["INPUT", "-p", "icmp", "--icmp-type", "echo-request", "-m", "statistic", "--mode", "random", "--probability", "0.25", "-j", "DROP"];
    await far.exec("iptables", ["-A", ...rule]);
    try {
      // Three runs x two anchors x 5 probes: all 30 survive 25% loss with p = 0.02%.
      let anchorLost = 0;
      for (let i = 0; i < 3; i++) {
        const s = await runPath();
        anchorLost += s.data.anchors.reduce((n, a) => n + a.FailureCount, 0);
        expect(s.data.ispHop.ping).toMatchObject({ SuccessCount: 5, lossPct: 0 });
        expect(s.data.gateway?.ping.lossPct).toBe(0);
        expect(s.findings.map((f) => f.code)).not.toContain("ISP_HOP_LOSS");
      }
      expect(anchorLost).toBeGreaterThan(0);
    } finally {
      await far.exec("iptables", ["-D", ...rule]);
    }
  });

  test("MTU 1400 on r2-far with frag-needed dropped on r2: PMTU_BLACKHOLE", async () => {
    await r2.exec("ip", ["link", "set", "up0", "mtu", "1400"]);
    await far.exec("ip", ["link", "set", "eth0", "mtu", "1400"]);
    const rule = ["OUTPUT", "-p", "icmp", "--icmp-type", "fragmentation-needed", "-j", "DROP"];
    await r2.exec("iptables", ["-A", ...rule]);
    try {
      const s = await runPath();
      expect(s.status).toBe("fail");
      expect(s.findings.map((f) => f.code)).toContain("PMTU_BLACKHOLE");
      expect(s.data.mtu).toMatchObject({ blackHole: true, pathMtu: 1400, largestPayloadBytes: 1372 });
      expect(s.data.mtu?.reportedMtu).toBeUndefined();
    } finally {
      await r2.exec("iptables", ["-D", ...rule]);
    }
  });

  test("same MTU with frag-needed allowed: PMTU_REDUCED naming 1400 and r2", async () => {
    const s = await runPath();
    expect(s.findings.map((f) => f.code)).toEqual(["PMTU_REDUCED"]);
    expect(s.status).toBe("ok");
    expect(s.data.mtu).toMatchObject({ blackHole: false, pathMtu: 1400, reportedMtu: { mtu: 1400, from: "10.0.2.2" } });
  });
  // After the MTU tests: the runs below teach the pc's kernel r2's MTU (frag-needed allowed), which
  // would turn PMTU_REDUCED's "named by r2" into "known to the kernel".
  test("r2 loses its route to the anchors: the probes that get an answer get Net Unreachable from r2, nothing else", async () => {
    // Linux rate-limits "no route" errors per source host (1/s, burst 5: net.ipv4.route.error_cost and
    // error_burst, not settable per namespace), so of one run's many parallel probes only some hear it.
    await r2.exec("ip", ["route", "del", "198.18.0.0/24", "via", "10.0.3.2"]);
    try {
      const s = await runPath();
      expect(s.findings.map((f) => f.code)).toContain("ANCHORS_UNREACHABLE");
      const errors = [...s.data.anchors.flatMap((a) => a.icmpErrors), ...s.data.route.RouteHops.filter((h) => h.reply === "unreachable").map((h) => ({ from: h.HostAddress, type: h.icmpError, message: h.ErrorMessage }))];
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) expect(e).toEqual({ from: "10.0.2.2", type: "net_unreachable", message: "Destination Net Unreachable" });
    } finally {
      await r2.exec("ip", ["route", "add", "198.18.0.0/24", "via", "10.0.3.2"]);
    }
  });

  test("r2 rejects traffic to the anchors with Net Unreachable: on every anchor, the hop list ends at r2 with it", async () => {
    // REJECT's errors go through icmp_send, whose limits the namespaces lift: every probe hears one.
    const rule = ["FORWARD", "-d", "198.18.0.0/24", "-j", "REJECT", "--reject-with", "icmp-net-unreachable"];
    await r2.exec("iptables", ["-A", ...rule]);
    try {
      const s = await runPath();
      expect(s.findings.map((f) => f.code)).toContain("ANCHORS_UNREACHABLE");
      for (const a of s.data.anchors) expect(a.icmpErrors).toEqual([{ from: "10.0.2.2", type: "net_unreachable", message: "Destination Net Unreachable" }]);
      // TTL 2 expires at r2 before its FORWARD chain; TTL 3 reaches the REJECT.
      expect(s.data.route.RouteHops.map((h) => [h.ttl, h.HostAddress, h.reply, h.icmpError])).toEqual([
        [1, "10.0.1.1", "time_exceeded", undefined],
        [2, "10.0.2.2", "time_exceeded", undefined],
        [3, "10.0.2.2", "unreachable", "net_unreachable"],
      ]);
      expect(s.data.ispHop).toMatchObject({ source: "discovered", address: "10.0.2.2", ttl: 2, ping: { SuccessCount: 5 } });
    } finally {
      await r2.exec("iptables", ["-D", ...rule]);
    }
  });

  test("r2 sends no Time Exceeded: the ISP hop is the edge r1's SNMP reports (its default route via r2), pinged", async () => {
    // r1 is the customer's router: Debian's snmpd on its LAN address reports its routes (default via 10.0.2.2).
    const port = 16161;
    const conf = join(cfgDir, "snmpd.conf");
    await writeFile(conf, `agentAddress udp:10.0.1.1:${port}\nrocommunity path-test 10.0.1.0/24\n`, { mode: 0o600 });
    const snmpd = spawn("ip", ["netns", "exec", r1.name, "snmpd", "-f", "-Lo", "-C", "-c", conf, "-p", join(cfgDir, "snmpd.pid"), `--persistentDir=${cfgDir}`], {
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", MIBS: "", MIBDIRS: join(cfgDir, "no-mibs"), LC_ALL: "C" },
      stdio: "ignore",
    });
    const rule = ["OUTPUT", "-p", "icmp", "--icmp-type", "time-exceeded", "-j", "DROP"];
    await r2.exec("iptables", ["-A", ...rule]);
    try {
      for (let i = 0; ; i++) {
        // Ready when it answers a real request (each poll is one request with a 1 s timeout).
        const ok = await pc.exec("snmpget", ["-v2c", "-c", "path-test", "-t", "1", "-r", "0", `10.0.1.1:${port}`, "1.3.6.1.2.1.1.3.0"]).then(() => true, () => false);
        if (ok) break;
        if (i > 10) throw new Error("snmpd did not start in r1");
      }
      const cfg = join(cfgDir, "agent-snmp.json");
      await writeFile(cfg, JSON.stringify({ targets: { anchors: ["198.18.0.1", "198.18.0.2"], controlHosts: ["198.18.0.1"], publicResolvers: [], names: ["x.test"], path: { maxHops: 6 }, snmp: [{ host: "10.0.1.1", port, version: "2c", community: "path-test" }] } }), { mode: 0o600 });
      const { stdout } = await pexec("ip", ["netns", "exec", pc.name, "node", join(buildDir, "agent", "main.js"), "check", "--checks", "path,snmp", "--json", "--config", cfg], { timeout: 40_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
      const s = (JSON.parse(stdout) as { steps: StepResult[] }).steps.find((x) => x.check === "path") as StepResult & { data: PathData };
      expect(s.data.route.RouteHops.find((h) => h.ttl === 2)?.reply).toBe("none");
      expect(s.data.ispHop).toMatchObject({ source: "router", address: "10.0.2.2", ping: { SuccessCount: 5 } });
      expect(s.data.routerEdge).toMatchObject({ address: "10.0.2.2", from: "snmp", ping: { SuccessCount: 5 } });
    } finally {
      await r2.exec("iptables", ["-D", ...rule]);
      snmpd.kill("SIGTERM");
    }
  });

});
