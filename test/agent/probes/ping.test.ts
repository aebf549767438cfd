// The ping probe for real on loopback, and its refusals: hostile targets never reach a process.
import { describe, expect, test, vi } from "vitest";
import { BadPingRequestError, ping, pingArgs } from "../../../agent/probes/ping.js";
import { spawnProcess, type Spawner } from "../../../agent/system/spawn.js";
import { NO_PING, titled } from "../../helpers/system-deps.js";

const req = { count: 3, intervalMs: 200, replyTimeoutMs: 1000 };

describe("ping probe", () => {
  test.skipIf(!!NO_PING).each(["127.0.0.1", "::1"])(titled("pings %s for real", NO_PING), async (host) => {
    const r = await ping(spawnProcess, { host, ...req }, AbortSignal.timeout(10_000));
    expect(r).toMatchObject({ host, addressUsed: host, status: "Complete", sent: 3, received: 3, failed: 0, lossPct: 0 });
    expect(r.rttMs).toHaveLength(3);
    expect(r.minMs).toBeLessThanOrEqual(r.avgMs!);
    expect(r.avgMs).toBeLessThanOrEqual(r.maxMs!);
    expect(r.jitterMs).toBeGreaterThanOrEqual(0);
  });

  test.each(["-c", ";rm -rf /", "$(x)", "a b", "", "-fI0", "203.0.113.9;id"])("refuses hostile target %j without spawning", async (host) => {
    const spawn = vi.fn<Spawner>();
    await expect(ping(spawn, { host, ...req }, AbortSignal.timeout(1000))).rejects.toMatchObject({ code: "BAD_TARGET", name: "BadPingRequestError" });
    expect(spawn).not.toHaveBeenCalled();
  });

  test("refuses nonsense numbers and a hostile source", () => {
    expect(() => pingArgs({ host: "127.0.0.1", ...req, count: 0 })).toThrow(BadPingRequestError);
    expect(() => pingArgs({ host: "127.0.0.1", ...req, ttl: 300 })).toThrow(BadPingRequestError);
    expect(() => pingArgs({ host: "127.0.0.1", ...req, source: "-f" })).toThrow(/source/);
  });

  test("builds argv with -- before the target and every option", () => {
    expect(pingArgs({ host: "10.0.0.1", ...req, ttl: 2, payloadBytes: 1472, dontFragment: true, source: "eth0" })).toEqual([
      "-n", "-c", "3", "-i", "0.2", "-W", "1", "-t", "2", "-s", "1472", "-M", "do", "-I", "eth0", "--", "10.0.0.1",
    ]);
  });

  test("a missing binary is Error_Internal PING_BINARY_MISSING, not a throw", async () => {
    const spawn: Spawner = (_f, args, o) => spawnProcess("/nonexistent/netdiag/ping", args, o);
    const r = await ping(spawn, { host: "127.0.0.1", ...req }, AbortSignal.timeout(5000));
    expect(r).toMatchObject({ status: "Error_Internal", errorCode: "PING_BINARY_MISSING", received: 0, lossPct: 100 });
  });

  test.skipIf(!!NO_PING)(titled("an abort stops ping and reports Error_Aborted", NO_PING), async () => {
    const ac = new AbortController();
    const p = ping(spawnProcess, { host: "127.0.0.1", count: 50, intervalMs: 200, replyTimeoutMs: 1000 }, ac.signal);
    ac.abort();
    const t0 = performance.now();
    expect(await p).toMatchObject({ status: "Error_Aborted" });
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
