// Realistic inputs for the benches: the captured tool output under test/fixtures, and step results built
// from it by the checks' own pure code (so their size and shape are what a real run sends).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StepResult } from "../shared/checks.js";
import type { RunEvent } from "../shared/protocol.js";
import { randomId } from "../shared/secrets.js";
import { assessPath, type PathData } from "../agent/checks/path/assess.js";
import { buildRoute, hopFromReport } from "../agent/checks/path/hops.js";
import { standardPing, toIpPing } from "../agent/checks/path/ip-ping.js";
import { parsePingOutput } from "../agent/probes/parse-ping.js";
import type { PingReport } from "../agent/probes/ping-types.js";

/** test/fixtures, found from dist/bench/ (npm run bench) or bench/ (run from source). */
export function fixturesDir(): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, "test", "fixtures");
    if (existsSync(candidate)) return candidate;
    dir = join(dir, "..");
  }
  throw new Error("test/fixtures not found above " + fileURLToPath(import.meta.url));
}

export interface PingFixture {
  name: string;
  stdout: string;
  stderr: string;
  /** Echo count the capture asked for: the reply count, at least 1 (loss is judged against it). */
  sent: number;
  exitCode: number;
}

/** Every ping capture (stdout + optional .stderr.txt). */
export function pingFixtures(): PingFixture[] {
  const dir = join(fixturesDir(), "ping");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".txt") && !f.endsWith(".stderr.txt"))
    .sort()
    .map((f) => {
      const base = f.slice(0, -".txt".length);
      const errPath = join(dir, `${base}.stderr.txt`);
      const stdout = readFileSync(join(dir, f), "utf8");
      const replies = (stdout.match(/ bytes from /g) ?? []).length;
      return {
        name: base,
        stdout,
        stderr: existsSync(errPath) ? readFileSync(errPath, "utf8") : "",
        sent: Math.max(1, replies, Number(/(\d+) packets transmitted/.exec(stdout)?.[1] ?? 1)),
        exitCode: replies > 0 ? 0 : 1,
      };
    });
}

/** Every captured DHCP packet (hex dump; '#' lines are tcpdump headers). */
export function dhcpPackets(): { name: string; bytes: Buffer }[] {
  const dir = join(fixturesDir(), "dhcp");
  return readdirSync(dir)
    // DHCP messages only: a "-ip-packet" capture is a whole IPv4/UDP packet (its DHCP message is what
    // agent/checks/dhcp's IP/UDP parser unwraps first).
    .filter((f) => f.endsWith(".hex") && !f.endsWith("-ip-packet.hex"))
    .sort()
    .map((f) => ({
      name: f,
      bytes: Buffer.from(
        readFileSync(join(dir, f), "utf8")
          .split("\n")
          .filter((l) => !l.startsWith("#"))
          .join("")
          .trim(),
        "hex",
      ),
    }));
}

function report(host: string, fx: PingFixture): PingReport {
  return { host, ...parsePingOutput(fx.stdout, fx.stderr, fx.exitCode, fx.sent) };
}

/**
 * A healthy `path` step built by the path check's pure functions from the captured iputils output:
 * gateway, first ISP hop, three anchors, a 3-hop route. ~2 KB of JSON, the largest common step.
 */
/** The fixtures pathStep builds from, read once: latency benches build a step per trigger. */
let pathFixtures: PingFixture[] | undefined;

export function pathStep(now = Date.now()): StepResult {
  const fx = (pathFixtures ??= pingFixtures());
  const ok = fx.find((f) => f.name === "iputils-success")!;
  const ttl = fx.find((f) => f.name === "iputils-ttl-exceeded")!;
  const ip = (host: string) => toIpPing(standardPing(host), report(host, ok));
  const anchors = ["198.18.0.1", "198.18.0.2", "198.18.0.3"];
  const data: PathData = {
    gateway: { address: "10.0.1.1", ping: ip("10.0.1.1") },
    ispHop: { source: "discovered", address: "10.0.2.2", ttl: 2, ping: ip("10.0.2.2") },
    anchors: anchors.map(ip),
    route: buildRoute(anchors[0]!, 16, 1, [
      { ttl: 1, reply: "time_exceeded", HostAddress: "10.0.1.1", RTTimes: [] },
      hopFromReport(2, report(anchors[0]!, ttl)),
      hopFromReport(3, report(anchors[0]!, ok)),
    ]),
  };
  const outcome = assessPath(data);
  if (outcome.status === "skipped") throw new Error("assessPath never skips");
  return { check: "path", status: outcome.status, startedAt: now, durationMs: 1234.5, findings: outcome.findings, data: outcome.data };
}

const GW = "10.0.1.1";
const at = { startedAt: 0, durationMs: 1 };

/** A healthy full diagnosis in the shapes the checks produce (what isolateFault sees on a good day). */
export function healthyDiagnosis(): StepResult[] {
  const gwPing = { Status: "Complete" as const, SuccessCount: 5, FailureCount: 0, lossPct: 0, AverageResponseTime: 1 };
  const resolver = (server: string, role: "configured" | "public") => ({
    server,
    role,
    state: "answering" as const,
    results: [{ hostName: "shop.test", dnsServerIP: server, status: "Success" as const, outcome: "answer" as const, ipAddresses: ["198.18.7.7"], responseTimeMs: 2 }],
    medianResponseMs: 2,
    maxResponseMs: 2,
  });
  const eth0 = { name: "eth0", Status: "Up" as const, adminUp: true, operState: "up", carrier: true, ipv4: [{ address: "10.0.1.2", prefixLength: 24, apipa: false }], ipv6: [] };
  const offer = { type: "OFFER" as const, DHCPServer: GW, from: GW, IPAddress: "10.0.1.50", IPRouters: [GW], DNSServers: [GW], receivedAfterMs: 3 };
  const steps: StepResult[] = [
    { check: "host", status: "ok", ...at, findings: [], data: { interfaces: [eth0], primary: "eth0", primaryReason: "default-route", defaultRoutes: [{ family: 4, gateway: GW, dev: "eth0" }], gateway: GW, gatewayDev: "eth0", gatewayOnLink: true, resolvers: [GW] } },
    { check: "gateway", status: "ok", ...at, findings: [], data: { gateway: GW, dev: "eth0", family: 4, ping: gwPing, tcp: { "53": { result: "open", connectMs: 0.3 } }, answeredBy: ["icmp", "tcp", "arp"], alive: true } },
    { check: "dhcp", status: "ok", ...at, findings: [], data: { interface: "eth0", leaseLookedAt: [], probe: { chaddr: "02:00:00:00:00:01", discoverSent: true, offers: [offer], servers: [GW], sendErrors: [], malformedReplies: 0 } } },
    {
      check: "dns",
      status: "ok",
      ...at,
      findings: [],
      data: {
        names: ["shop.test"],
        configuredSource: "system",
        resolvers: [resolver(GW, "configured"), resolver("198.51.100.53", "public")],
        ignoredResolvers: [],
        summary: { configured: "ok", public: "ok", anyResolverReplied: true, namesFailingEverywhere: [], namesFailingSomewhere: [] },
      },
    },
    pathStep(0),
    { check: "service", status: "skipped", ...at, findings: [], data: {}, skipReason: "no service named for this run" },
    {
      check: "snmp",
      status: "ok",
      ...at,
      findings: [],
      data: { devices: [{ host: GW, port: 161, version: "2c", reach: "answered", wan: { found: true, ifIndex: 2, ifName: "dsl0", ifOperStatus: "up" }, interfaces: [{ ifIndex: 2, ifName: "dsl0", ifOperStatus: "up" }] }] },
    },
  ];
  return steps;
}

/** run.offline (seq 0), m path steps, run.finished: the events of one offline run, as an agent replays them. */
export function offlineRun(ticketId: string, m: number): RunEvent[] {
  const runId = randomId("off_");
  const at = Date.now();
  const step = pathStep(at);
  const evs: RunEvent[] = [{ type: "run.offline", runId, seq: 0, at, ticketId, checks: ["path"] }];
  for (let s = 1; s <= m; s++) evs.push({ type: "step", runId, seq: s, at, result: step });
  evs.push({ type: "run.finished", runId, seq: m + 1, at, outcome: "completed", steps: m });
  return evs;
}
