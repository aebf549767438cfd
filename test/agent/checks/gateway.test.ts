// gateway check: the pure judgement as a table, then the real check against a gateway on loopback
// (127.0.0.1) with real TCP servers on port 0 and the real ping, then the built agent in a two-namespace
// lab (pc <-veth-> router) with real faults applied in the router namespace.
import { fakeSystem } from "../../helpers/check-context.js";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assessGateway, classifyNeighbour, type GatewayEvidence } from "../../../agent/checks/gateway/assess-gateway.js";
import type { TcpProbe } from "../../../agent/checks/gateway/tcp-probe.js";
import { makeGatewayCheck, pickGateway } from "../../../agent/checks/gateway.js";
import type { CheckContext } from "../../../agent/checks/types.js";
import { AgentTargets } from "../../../agent/config.js";
import type { PingReport } from "../../../agent/probes/ping-types.js";
import { spawnProcess, type Spawner } from "../../../agent/system/spawn.js";
import type { NeighbourInfo, RouteInfo, SystemView } from "../../../agent/system/system-view.js";
import { memoryLogger } from "../../../shared/log.js";
import { createNetns, linkNetns, type Netns } from "../../helpers/netns.js";
import { NETNS_SKIP, NO_PING, requireAll, titled } from "../../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = requireAll(NETNS_SKIP, NO_PING);

function report(received: number, rtt: number[] = Array(received).fill(1), status: PingReport["status"] = "Complete"): PingReport {
  const sent = 5;
  const avg = rtt.length ? rtt.reduce((a, b) => a + b, 0) / rtt.length : undefined;
  return {
    host: "10.1.0.1", status, sent, received, failed: sent - received, lossPct: ((sent - received) / sent) * 100, rttMs: rtt,
    ...(avg !== undefined ? { minMs: Math.min(...rtt), avgMs: avg, maxMs: Math.max(...rtt) } : {}),
    ttlExceededFrom: [], icmpErrors: [],
  };
}
const neigh = (state: string): NeighbourInfo => ({ address: "10.1.0.1", dev: "eth0", state, ...(state === "FAILED" ? {} : { mac: "02:00:00:00:00:fe" }) });
const tcpAll = (result: TcpProbe["result"]): TcpProbe[] => [53, 80, 443].map((port) => ({ port, result }));
const ev = (over: Partial<GatewayEvidence>): GatewayEvidence => ({ gateway: "10.1.0.1", dev: "eth0", family: 4, ping: report(5), tcp: tcpAll("refused"), neighbour: neigh("REACHABLE"), ...over });

describe("assessGateway", () => {
  test.each<[string, GatewayEvidence, string, string[], boolean]>([
    // name, evidence, status, codes, alive
    ["everything answers", ev({}), "ok", [], true],
    ["ping silent, TCP resets: ICMP filtered, not a fault", ev({ ping: report(0), neighbour: neigh("STALE") }), "ok", ["GATEWAY_ICMP_SILENT"], true],
    ["ping and TCP silent, fresh ARP: alive at layer 2", ev({ ping: report(0), tcp: tcpAll("timeout") }), "ok", ["GATEWAY_ICMP_SILENT"], true],
    ["nothing answers, ARP failed", ev({ ping: report(0), tcp: tcpAll("error"), neighbour: neigh("FAILED") }), "fail", ["GATEWAY_ARP_FAILED", "GATEWAY_UNREACHABLE"], false],
    ["nothing answers, ARP incomplete", ev({ ping: report(0), tcp: tcpAll("timeout"), neighbour: neigh("INCOMPLETE") }), "fail", ["GATEWAY_ARP_FAILED", "GATEWAY_UNREACHABLE"], false],
    ["nothing answers, only a stale MAC from earlier", ev({ ping: report(0), tcp: tcpAll("timeout"), neighbour: neigh("DELAY") }), "fail", ["GATEWAY_UNREACHABLE"], false],
    ["nothing answers, neighbour table unreadable", ev({ ping: report(0), tcp: tcpAll("timeout"), neighbour: undefined }), "fail", ["GATEWAY_UNREACHABLE"], false],
    ["40% loss", ev({ ping: report(3) }), "warn", ["GATEWAY_LOSS"], true],
    ["20% loss is within bounds", ev({ ping: report(4) }), "ok", [], true],
    ["slow gateway", ev({ ping: report(5, [1600, 1700, 1800, 1600, 1700]) }), "warn", ["GATEWAY_SLOW"], true],
    ["ping binary missing: no ICMP verdict, TCP decides", ev({ ping: { ...report(0, [], "Error_Internal"), errorCode: "PING_BINARY_MISSING" } }), "ok", [], true],
  ])("%s", (_n, e, status, codes, alive) => {
    const r = assessGateway(e);
    expect(r.findings.map((f) => f.code)).toEqual(codes);
    expect(r.status).toBe(status);
    expect(r.data.alive).toBe(alive);
  });

  test("data uses TR-181 IPPing names and maps TCP ports to outcomes", () => {
    const r = assessGateway(ev({ ping: report(5, [1, 2, 3, 2, 2]), tcp: [{ port: 53, result: "open", connectMs: 0.4 }, { port: 80, result: "refused", connectMs: 0.3 }, { port: 443, result: "timeout" }] }));
    expect(r.data).toEqual({
      gateway: "10.1.0.1", dev: "eth0", family: 4,
      ping: { Status: "Complete", SuccessCount: 5, FailureCount: 0, lossPct: 0, MinimumResponseTime: 1, AverageResponseTime: 2, MaximumResponseTime: 3 },
      neighbour: { state: "REACHABLE", mac: "02:00:00:00:00:fe", verdict: "answered" },
      tcp: { "53": { result: "open", connectMs: 0.4 }, "80": { result: "refused", connectMs: 0.3 }, "443": { result: "timeout" } },
      answeredBy: ["icmp", "tcp", "arp"],
      alive: true,
    });
  });
});

test.each([
  ["REACHABLE", "answered"], ["PERMANENT", "answered"], ["STALE", "cached"], ["DELAY", "cached"], ["PROBE", "cached"],
  ["FAILED", "failed"], ["INCOMPLETE", "failed"], [undefined, "absent"],
] as const)("classifyNeighbour(%s) = %s", (state, verdict) => expect(classifyNeighbour(state)).toBe(verdict));

test.each<[string, RouteInfo[], ReturnType<typeof pickGateway>]>([
  ["IPv4 preferred", [{ destination: "default", gateway: "fe80::1", dev: "eth0", family: 6 }, { destination: "default", gateway: "10.0.0.1", dev: "eth0", family: 4 }], { gateway: "10.0.0.1", dev: "eth0", family: 4 }],
  ["IPv6 when alone", [{ destination: "default", gateway: "fe80::1", dev: "eth0", family: 6 }], { gateway: "fe80::1", dev: "eth0", family: 6 }],
  ["a default route without gateway (PPP) is no gateway", [{ destination: "default", dev: "ppp0", family: 4 }], undefined],
  ["no default route", [{ destination: "10.0.0.0/24", dev: "eth0", family: 4 }], undefined],
])("pickGateway: %s", (_n, routes, expected) => expect(pickGateway(routes)).toEqual(expected));

// --- the real check on loopback -------------------------------------------------------------------

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => s.destroy());
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

let open: { server: Server; port: number };
let closedPort: number;
beforeAll(async () => {
  open = await listen();
  // A port that was just bound and released: nothing listens, so the kernel answers RST.
  const tmp = await listen();
  closedPort = tmp.port;
  await new Promise((r) => tmp.server.close(r));
});
afterAll(() => new Promise<void>((r) => open.server.close(() => r())));

function loopbackSystem(neighbours: NeighbourInfo[] | Error, routes: RouteInfo[] = [{ destination: "default", gateway: "127.0.0.1", dev: "lo", family: 4 }]): SystemView {
  return fakeSystem({ routes: async () => routes, neighbours: async () => (neighbours instanceof Error ? Promise.reject(neighbours) : neighbours) });
}
function ctx(system: SystemView, spawn: Spawner = spawnProcess): CheckContext {
  return {
    targets: AgentTargets.parse({ anchors: ["198.18.0.1"], controlHosts: ["198.18.0.1"], publicResolvers: ["198.18.0.53"], names: ["example.test"] }),
    params: {}, system, spawn, now: Date.now, log: memoryLogger(), earlier: {}, privileged: false,
  };
}
const lo127 = (state: string): NeighbourInfo => ({ address: "127.0.0.1", dev: "lo", state });

describe("gateway check on loopback", () => {
  test("a live gateway: real ping replies, one open port, one refused", async () => {
    const check = makeGatewayCheck({ tcpPorts: [open.port, closedPort] });
    const out = await check.run(ctx(loopbackSystem([lo127("NOARP")])), new AbortController().signal);
    expect(out.status).toBe("ok");
    expect(out.findings).toEqual([]);
    expect(out.data).toMatchObject({
      gateway: "127.0.0.1", dev: "lo", alive: true,
      ping: { Status: "Complete", SuccessCount: 5, FailureCount: 0 },
      tcp: { [String(open.port)]: { result: "open" }, [String(closedPort)]: { result: "refused" } },
    });
    expect(out.data).toHaveProperty("answeredBy", ["icmp", "tcp", "arp"]);
  });

  test("ping gets no reply (captured iputils output) but TCP resets: GATEWAY_ICMP_SILENT, status ok", async () => {
    const silent = readFileSync(new URL("../../fixtures/ping/iputils-loss-total.txt", import.meta.url), "utf8");
    const spawn: Spawner = async (file, args, opts) => (file === "ping" ? { code: 1, stdout: silent, stderr: "", aborted: false } : spawnProcess(file, args, opts));
    const check = makeGatewayCheck({ tcpPorts: [closedPort] });
    const out = await check.run(ctx(loopbackSystem(new Error("ip missing")), spawn), new AbortController().signal);
    expect(out.findings.map((f) => f.code)).toEqual(["GATEWAY_ICMP_SILENT"]);
    expect(out.status).toBe("ok");
    expect(out.data).not.toHaveProperty("neighbour");
  });

  test("no default gateway: skipped with NO_GATEWAY, nothing probed", async () => {
    const spawn: Spawner = async () => {
      throw new Error("must not spawn");
    };
    const out = await makeGatewayCheck({ tcpPorts: [closedPort] }).run(ctx(loopbackSystem([], []), spawn), new AbortController().signal);
    expect(out.status).toBe("skipped");
    expect(out.skipReason).toMatch(/no default gateway/);
    expect(out.findings.map((f) => f.code)).toEqual(["NO_GATEWAY"]);
  });

  test("the signal reaches ping and TCP: an aborted run ends at once", async () => {
    const ac = new AbortController();
    ac.abort(new Error("cancelled"));
    const t0 = performance.now();
    const out = await makeGatewayCheck({ tcpPorts: [open.port] }).run(ctx(loopbackSystem([])), ac.signal);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(out.data).toMatchObject({ ping: { Status: "Error_Aborted" }, tcp: { [String(open.port)]: { result: "timeout" } } });
  });
});

// --- the built agent in a two-namespace lab ----------------------------------------------------------
// pc (eth0 10.77.0.10/24, default via 10.77.0.1) <-veth-> router (lan0 10.77.0.1/24). Every packet
// stays inside these two namespaces; faults are applied on the router side, as in a real home.

interface AgentStep {
  check: string;
  status: string;
  findings: { code: string }[];
  data: Record<string, unknown>;
}

describe.skipIf(!!NEEDS)(titled("lab: built agent, pc <-veth-> router", NEEDS), () => {
  let pc: Netns;
  let router: Netns;
  let dir: string;
  let cfg: string;

  beforeAll(async () => {
    // The namespace runs the built agent in dist/, built once by test/global-setup.ts (rebuilding here
    // would rewrite files other test files are executing at the same moment).
    pc = await createNetns("gwpc");
    router = await createNetns("gwrt");
    await linkNetns(pc, "eth0", router, "lan0");
    await router.exec("ip", ["addr", "add", "10.77.0.1/24", "dev", "lan0"]);
    await router.exec("ip", ["link", "set", "lan0", "up"]);
    await router.exec("sysctl", ["-qw", "net.ipv4.icmp_ratelimit=0"]);
    await pc.exec("ip", ["addr", "add", "10.77.0.10/24", "dev", "eth0"]);
    await pc.exec("ip", ["link", "set", "eth0", "up"]);
    await pc.exec("ip", ["route", "add", "default", "via", "10.77.0.1"]);
    await writeFile(`/etc/netns/${pc.name}/resolv.conf`, "nameserver 10.77.0.1\n");
    dir = await mkdtemp(join(tmpdir(), "nd-gwlab-"));
    cfg = join(dir, "agent.json");
    // Every public default overridden with lab addresses (network safety).
    await writeFile(cfg, JSON.stringify({ targets: { anchors: ["10.77.0.1"], controlHosts: ["10.77.0.1"], publicResolvers: ["10.77.0.1"], names: ["example.test"] } }));
    await waitFor(() => carrier(pc, "eth0"), true);
  });

  afterAll(async () => {
    await pc?.close();
    await router?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function carrier(ns: Netns, dev: string): Promise<boolean> {
    const { stdout } = await ns.exec("ip", ["-j", "link", "show", "dev", dev]);
    return (JSON.parse(stdout) as { flags: string[] }[])[0]!.flags.includes("LOWER_UP");
  }
  // Polls a condition (no sleep-as-synchronisation: each turn waits on a real command).
  async function waitFor(probe: () => Promise<boolean>, want: boolean): Promise<void> {
    for (let i = 0; i < 100; i++) if ((await probe()) === want) return;
    throw new Error("condition not reached");
  }

  async function runAgent(): Promise<Record<string, AgentStep>> {
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile("ip", ["netns", "exec", pc.name, process.execPath, "dist/agent/main.js", "check", "--checks", "host,gateway", "--json", "--config", cfg],
        { timeout: 25_000, env: { ...process.env, LC_ALL: "C" } },
        (err, out, errOut) => (err && typeof err.code !== "number" ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out })));
    });
    const steps = (JSON.parse(stdout) as { steps: AgentStep[] }).steps;
    return Object.fromEntries(steps.map((s) => [s.check, s]));
  }
  const codes = (s: AgentStep | undefined) => s?.findings.map((f) => f.code);

  test("gateway up: host ok, gateway ok with ping, ARP and TCP answering", async () => {
    const r = await runAgent();
    expect(r.host?.status).toBe("ok");
    expect(r.host?.data).toMatchObject({ primary: "eth0", gateway: "10.77.0.1", gatewayOnLink: true });
    expect(r.gateway?.status).toBe("ok");
    expect(codes(r.gateway)).toEqual([]);
    expect(r.gateway?.data).toMatchObject({ alive: true, ping: { SuccessCount: 5 }, neighbour: { verdict: "answered" }, tcp: { "53": { result: "refused" } } });
  });

  test("router side of the veth down: pc has no carrier (lan fault), gateway unreachable", async () => {
    await router.exec("ip", ["link", "set", "lan0", "down"]);
    try {
      await waitFor(() => carrier(pc, "eth0"), false);
      const r = await runAgent();
      expect(r.host?.status).toBe("fail");
      expect(codes(r.host)).toContain("NO_CARRIER");
      expect(r.host?.data).toMatchObject({ faultSegment: "lan", blockedBy: "NO_CARRIER" });
      expect(r.gateway?.status).toBe("fail");
      expect(codes(r.gateway)).toContain("GATEWAY_UNREACHABLE");
    } finally {
      await router.exec("ip", ["link", "set", "lan0", "up"]);
      await waitFor(() => carrier(pc, "eth0"), true);
    }
  });

  test("router answers ARP and TCP but drops ICMP echo: GATEWAY_ICMP_SILENT, not a fault", async () => {
    await router.exec("iptables", ["-A", "INPUT", "-p", "icmp", "--icmp-type", "echo-request", "-j", "DROP"]);
    try {
      const r = await runAgent();
      expect(r.gateway?.status).toBe("ok");
      expect(codes(r.gateway)).toEqual(["GATEWAY_ICMP_SILENT"]);
      expect(r.gateway?.data).toMatchObject({ alive: true, ping: { SuccessCount: 0 }, tcp: { "80": { result: "refused" } } });
    } finally {
      await router.exec("iptables", ["-F", "INPUT"]);
    }
  });

  test("router drops everything (no ARP, no IP): GATEWAY_UNREACHABLE while the host looks fine", async () => {
    await router.exec("iptables", ["-A", "INPUT", "-j", "DROP"]);
    await router.exec("ip", ["link", "set", "lan0", "arp", "off"]);
    // A router that died a while ago has no fresh ARP entry on the PC either.
    await pc.exec("ip", ["neigh", "flush", "dev", "eth0"]);
    try {
      const r = await runAgent();
      expect(r.host?.status).toBe("ok");
      expect(r.gateway?.status).toBe("fail");
      expect(codes(r.gateway)).toEqual(["GATEWAY_ARP_FAILED", "GATEWAY_UNREACHABLE"]);
      expect(r.gateway?.data).toMatchObject({ alive: false, ping: { SuccessCount: 0 }, neighbour: { verdict: "failed" } });
    } finally {
      await router.exec("ip", ["link", "set", "lan0", "arp", "on"]);
      await router.exec("iptables", ["-F", "INPUT"]);
    }
  });
});
