// The ping check: pure assessment rules, then the real check on loopback and inside a namespace of
// its own (pinging through `ip netns exec`, injected as the Spawner), where loss and dead targets are safe.
import { fakeSystem, measured } from "../../helpers/check-context.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assessPing, pingCheck } from "../../../agent/checks/ping.js";
import type { IpPingResult } from "../../../agent/checks/path/ip-ping.js";
import type { CheckContext } from "../../../agent/checks/types.js";
import { AgentTargets } from "../../../agent/config.js";
import { spawnProcess, type Spawner } from "../../../agent/system/spawn.js";
import { createLogger } from "../../../shared/log.js";
import { createNetns, type Netns } from "../../helpers/netns.js";
import { NETNS_SKIP, NO_PING, requireAll, titled } from "../../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = requireAll(NETNS_SKIP, NO_PING);

const result = (Host: string, SuccessCount: number, over: Partial<IpPingResult> = {}): IpPingResult => ({
  Host, DiagnosticsState: "Complete", NumberOfRepetitions: 5, Timeout: 1000, DataBlockSize: 56, SuccessCount,
  FailureCount: 5 - SuccessCount, lossPct: ((5 - SuccessCount) / 5) * 100, rttMs: [], icmpErrors: [],
  ...(SuccessCount ? { AverageResponseTime: 20 } : {}), ...over,
});

describe("assessPing", () => {
  test.each([
    ["all fine", [result("a", 5), result("b", 5)], "ok", []],
    ["one of two dead", [result("a", 5), result("b", 0)], "warn", [["TARGET_UNREACHABLE", "warn"]]],
    ["all dead", [result("a", 0), result("b", 0, { DiagnosticsState: "Error_NoRoute" })], "fail", [["TARGET_UNREACHABLE", "fail"], ["TARGET_UNREACHABLE", "fail"]]],
    ["40% loss", [result("a", 3)], "warn", [["TARGET_LOSS", "warn"]]],
    ["20% loss is tolerated", [result("a", 4)], "ok", []],
    ["slow", [result("a", 5, { AverageResponseTime: 450 })], "warn", [["TARGET_SLOW", "warn"]]],
    ["name does not resolve", [result("a", 5), result("b.test", 0, { DiagnosticsState: "Error_CannotResolveHostName" })], "warn", [["TARGET_UNRESOLVED", "warn"]]],
  ] as [string, IpPingResult[], string, [string, string][]][])("%s", (_n, targets, status, findings) => {
    const out = assessPing(targets);
    expect(out.status).toBe(status);
    expect(out.findings.map((f) => [f.code, f.severity])).toEqual(findings);
  });
});

function ctxFor(anchors: string[], spawn: Spawner): CheckContext {
  return {
    targets: AgentTargets.parse({ anchors, controlHosts: anchors, publicResolvers: [], names: ["x.test"] }),
    params: {},
    system: fakeSystem(),
    spawn,
    now: Date.now,
    log: createLogger("test", "silent"),
    earlier: {},
    privileged: false,
  };
}

describe("ping check on loopback", () => {
  test.skipIf(!!NO_PING)(titled("127.0.0.1 and ::1 answer: ok, TR-181 IPPing figures per target", NO_PING), async () => {
    const out = measured(await pingCheck.run(ctxFor(["127.0.0.1", "::1"], spawnProcess), AbortSignal.timeout(pingCheck.timeoutMs)));
    expect(out.status).toBe("ok");
    expect(out.data.targets).toHaveLength(2);
    for (const t of out.data.targets) {
      expect(t).toMatchObject({ DiagnosticsState: "Complete", NumberOfRepetitions: 5, SuccessCount: 5, FailureCount: 0, lossPct: 0 });
      expect(t.AverageResponseTime).toBeGreaterThan(0);
    }
  });

  test("a missing ping binary makes the check throw PING_BINARY_MISSING (runner: status error)", async () => {
    const spawn: Spawner = (_f, a, o) => spawnProcess("/nonexistent/netdiag/ping", a, o);
    await expect(pingCheck.run(ctxFor(["127.0.0.1"], spawn), AbortSignal.timeout(5000))).rejects.toMatchObject({ code: "PING_BINARY_MISSING" });
  });
});

describe.skipIf(!!NEEDS)(titled("ping check in a namespace", NEEDS), () => {
  let ns: Netns;
  let spawn: Spawner;
  beforeAll(async () => {
    ns = await createNetns("ping");
    // Every second echo to 127.0.0.2 is dropped: a deterministic 40-60% loss on 5 probes.
    await ns.exec("iptables", ["-A", "INPUT", "-d", "127.0.0.2", "-p", "icmp", "--icmp-type", "echo-request", "-m", "statistic", "--mode", "nth", "--every", "2", "--packet", "0", "-j", "DROP"]);
    spawn = (f, a, o) => spawnProcess("ip", ["netns", "exec", ns.name, f, ...a], o);
  });
  afterAll(async () => {
    await ns?.close();
  });

  test("a target with no route is unreachable while another answers: warn", async () => {
    // No link but lo in this namespace: 10.9.9.9 has no route, nothing is sent.
    const out = measured(await pingCheck.run(ctxFor(["127.0.0.1", "10.9.9.9"], spawn), AbortSignal.timeout(pingCheck.timeoutMs)));
    expect(out.status).toBe("warn");
    expect(out.findings.map((f) => [f.code, f.subject])).toEqual([["TARGET_UNREACHABLE", "10.9.9.9"]]);
    expect(out.data.targets[1]).toMatchObject({ DiagnosticsState: "Error_NoRoute", SuccessCount: 0, lossPct: 100 });
  });

  test("every target unreachable: fail", async () => {
    const out = measured(await pingCheck.run(ctxFor(["10.9.9.9", "10.9.9.10"], spawn), AbortSignal.timeout(pingCheck.timeoutMs)));
    expect(out.status).toBe("fail");
  });

  test("dropped echoes show as TARGET_LOSS with the measured figures", async () => {
    const out = measured(await pingCheck.run(ctxFor(["127.0.0.2"], spawn), AbortSignal.timeout(pingCheck.timeoutMs)));
    expect(out.status).toBe("warn");
    expect(out.findings.map((f) => f.code)).toEqual(["TARGET_LOSS"]);
    expect(out.data.targets[0]).toMatchObject({ SuccessCount: 2, FailureCount: 3, lossPct: 60 });
  });
});
