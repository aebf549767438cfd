// Table tests of the ping parser on output captured here (iputils 20221126, BusyBox 1.35.0, LC_ALL=C)
// in throwaway namespaces pc - r1 (10.0.1.1/10.0.2.1) - r2 (10.0.2.2/10.0.3.1) - far (198.18.0.x).
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parsePingOutput, rttStats } from "../../../agent/probes/parse-ping.js";

const dir = new URL("../../fixtures/ping/", import.meta.url);
function fixture(name: string): { stdout: string; stderr: string } {
  const err = new URL(`${name}.stderr.txt`, dir);
  return {
    stdout: readFileSync(new URL(`${name}.txt`, dir), "utf8"),
    stderr: existsSync(err) ? readFileSync(err, "utf8") : "",
  };
}

// [fixture, exit code, count asked, expected subset]
const cases: [string, number, number, Record<string, unknown>][] = [
  ["iputils-success", 0, 4, { status: "Complete", addressUsed: "198.18.0.1", received: 4, failed: 0, lossPct: 0, rttMs: [0.063, 0.113, 0.085, 0.086], minMs: 0.063, maxMs: 0.113, avgMs: 0.087, jitterMs: 0.026 }],
  ["iputils-ipv6-loopback", 0, 4, { status: "Complete", addressUsed: "::1", received: 4, lossPct: 0, minMs: 0.032, maxMs: 0.048 }],
  // Captured with -c 4 -w 3: iputils kept sending (15 transmitted) -- loss is still counted against what we asked.
  ["iputils-loss-total", 1, 4, { status: "Complete", received: 0, failed: 4, lossPct: 100, rttMs: [], minMs: undefined, jitterMs: undefined }],
  ["iputils-loss-partial", 0, 8, { status: "Complete", received: 3, failed: 5, lossPct: 62.5, rttMs: [0.043, 0.059, 0.064] }],
  ["iputils-ttl-exceeded", 1, 4, { status: "Complete", received: 0, ttlExceededFrom: ["10.0.2.2"], icmpErrors: [] }],
  ["iputils-host-unreachable", 1, 6, { status: "Complete", received: 0, lossPct: 100, icmpErrors: [{ from: "10.0.1.2", message: "Destination Host Unreachable" }] }],
  ["iputils-host-unreachable-router", 1, 6, { status: "Complete", received: 0, icmpErrors: [{ from: "10.0.2.2", message: "Destination Host Unreachable" }] }],
  ["iputils-frag-needed", 1, 1, { status: "Complete", received: 0, fragNeeded: { mtu: 1400, from: "10.0.2.2" }, localMtu: undefined }],
  ["iputils-message-too-long", 1, 2, { status: "Complete", received: 0, lossPct: 100, localMtu: 1400, localError: "ping: local error: message too long, mtu=1400", fragNeeded: undefined }],
  ["iputils-unknown-host", 2, 4, { status: "Error_CannotResolveHostName", addressUsed: undefined, received: 0, lossPct: 100, localError: "ping: nonexistent.test: Temporary failure in name resolution" }],
  ["iputils-network-unreachable", 2, 4, { status: "Error_NoRoute", received: 0, lossPct: 100, localError: "ping: connect: Network is unreachable" }],
  ["busybox-success", 0, 4, { status: "Complete", addressUsed: "198.18.0.1", received: 4, lossPct: 0, rttMs: [0.059, 0.073, 0.086, 0.079], avgMs: 0.074, jitterMs: 0.011 }],
  ["busybox-loss-total", 1, 4, { status: "Complete", received: 0, lossPct: 100 }],
  // busybox's summary says "66%" (truncated): we compute 66.7 from the replies.
  ["busybox-loss-partial", 0, 6, { status: "Complete", received: 2, failed: 4, lossPct: 66.7, rttMs: [0.057, 0.091] }],
  // busybox prints nothing for TTL exceeded or unreachable: only the loss is visible.
  ["busybox-ttl-exceeded", 1, 4, { status: "Complete", received: 0, ttlExceededFrom: [], icmpErrors: [] }],
  ["busybox-host-unreachable-router", 1, 6, { status: "Complete", received: 0, lossPct: 100 }],
  ["busybox-large-payload", 0, 2, { status: "Complete", received: 2, rttMs: [0.064, 0.092] }],
  ["busybox-unknown-host", 1, 4, { status: "Error_CannotResolveHostName", localError: "ping: bad address 'nonexistent.test'" }],
  ["busybox-network-unreachable", 1, 4, { status: "Error_NoRoute", addressUsed: "10.9.9.9", received: 0 }],
];

describe("parsePingOutput", () => {
  test.each(cases)("%s", (name, exit, sent, expected) => {
    const { stdout, stderr } = fixture(name);
    const r = parsePingOutput(stdout, stderr, exit, sent);
    expect(r).toMatchObject(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)));
    for (const [k, v] of Object.entries(expected)) if (v === undefined) expect(r).not.toHaveProperty(k);
    expect(r.sent).toBe(sent);
    expect(r.received + r.failed).toBe(r.sent);
  });

  test("does not count DUP! or a repeated sequence as a success", () => {
    const out = "PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1.00 ms\n64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=2.00 ms (DUP!)\n";
    const r = parsePingOutput(out, "", 0, 2);
    expect(r.rttMs).toEqual([1]);
    expect(r.lossPct).toBe(50);
  });

  test("ignores ping's summary figures", () => {
    // A summary that disagrees with the reply lines must not win.
    const { stdout } = fixture("iputils-success");
    const lying = stdout.replace("0% packet loss", "50% packet loss").replace("0.063/0.086/0.113", "9/9/9");
    expect(parsePingOutput(lying, "", 0, 4)).toMatchObject({ lossPct: 0, minMs: 0.063 });
  });

  test("no header and a non-zero exit is an internal error", () => {
    expect(parsePingOutput("", "ping: invalid argument: 'x'\n", 2, 1)).toMatchObject({ status: "Error_Internal", errorCode: "PING_FAILED" });
  });

  test("rejects a nonsense count", () => {
    expect(() => parsePingOutput("", "", 0, 0)).toThrow(RangeError);
  });

  test.each([
    [[], {}],
    [[5], { minMs: 5, avgMs: 5, maxMs: 5 }],
    [[10, 20, 10], { minMs: 10, avgMs: 13.333, maxMs: 20, jitterMs: 10 }],
  ] as [number[], object][])("rttStats(%j)", (rtts, expected) => {
    expect(rttStats(rtts)).toEqual(expected);
  });
});
