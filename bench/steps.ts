// Realistic inputs for the benches: the captured tool output under test/fixtures, and step results built
// from it by the checks' own pure code (so their size and shape are what a real run sends).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StepResult } from "../shared/checks.js";
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
    .filter((f) => f.endsWith(".hex"))
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
export function pathStep(now = Date.now()): StepResult {
  const fx = pingFixtures();
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
  return { check: "path", status: outcome.status, startedAt: now, durationMs: 1234.5, findings: outcome.findings, data: outcome.data as unknown as Record<string, unknown> };
}

const GW = "10.0.1.1";
const step = (check: StepResult["check"], data: Record<string, unknown>): StepResult => ({ check, status: "ok", startedAt: 0, durationMs: 1, findings: [], data });

/** A healthy full diagnosis in the shapes the checks produce (what isolateFault sees on a good day). */
export function healthyDiagnosis(): StepResult[] {
  const gwPing = { DiagnosticsState: "Complete", SuccessCount: 5, FailureCount: 0, lossPct: 0, AverageResponseTime: 1 };
  const resolver = (server: string, role: string) => ({ server, role, state: "answering", results: [{ hostName: "shop.test", outcome: "answer" }] });
  return [
    step("host", { primary: "eth0", gateway: GW }),
    step("gateway", { gateway: GW, alive: true, answeredBy: ["icmp", "arp"], ping: gwPing }),
    step("dhcp", { probe: { offers: [{ DHCPServer: GW }] } }),
    step("dns", {
      resolvers: [resolver(GW, "configured"), resolver("198.51.100.53", "public")],
      summary: { configured: "ok", public: "ok", anyResolverReplied: true, namesFailingEverywhere: [], namesFailingSomewhere: [] },
    }),
    pathStep(0),
    step("service", {}),
    step("snmp", { devices: [{ wan: { found: true, ifName: "dsl0", ifOperStatus: "up" }, interfaces: [{ ifOperStatus: "up" }] }] }),
  ];
}
