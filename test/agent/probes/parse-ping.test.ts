// Table tests of the ping parser on output captured here (iputils 20221126, BusyBox 1.35.0, LC_ALL=C)
// in throwaway namespaces pc - r1 (10.0.1.1/10.0.2.1) - r2 (10.0.2.2/10.0.3.1) - far (198.18.0.x).
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { classifyIcmpError, parsePingOutput, rttStats } from "../../../agent/probes/parse-ping.js";

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
  ["iputils-host-unreachable", 1, 6, { status: "Complete", received: 0, lossPct: 100, icmpErrors: [{ from: "10.0.1.2", type: "host_unreachable", message: "Destination Host Unreachable" }] }],
  ["iputils-host-unreachable-router", 1, 6, { status: "Complete", received: 0, icmpErrors: [{ from: "10.0.2.2", type: "host_unreachable", message: "Destination Host Unreachable" }] }],
  ["iputils-frag-needed", 1, 1, { status: "Complete", received: 0, fragNeeded: { mtu: 1400, from: "10.0.2.2" }, localMtu: undefined }],
  ["iputils-message-too-long", 1, 2, { status: "Complete", received: 0, lossPct: 100, localMtu: 1400, localError: "ping: local error: message too long, mtu=1400", fragNeeded: undefined }],
  ["iputils-unknown-host", 2, 4, { status: "Error_CannotResolveHostName", addressUsed: undefined, received: 0, lossPct: 100, localError: "ping: nonexistent.test: Temporary failure in name resolution" }],
  ["iputils-network-unreachable", 2, 4, { status: "Error_NoRoute", received: 0, lossPct: 100, localError: "ping: connect: Network is unreachable" }],
  // ICMP errors captured by test/fixtures/ping/capture-icmp-errors.sh (router 10.91.1.1 / fd91:1::1).
  ["iputils-icmp-net-unreachable", 1, 2, { status: "Complete", received: 0, icmpErrors: [{ from: "10.91.1.1", type: "net_unreachable", message: "Destination Net Unreachable" }] }],
  ["iputils-icmp-route-unreachable", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "host_unreachable", message: "Destination Host Unreachable" }] }],
  ["iputils-icmp-route-prohibit", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "admin_prohibited", message: "Packet filtered" }] }],
  ["iputils-icmp-reject-net-unreachable", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "net_unreachable" }] }],
  ["iputils-icmp-reject-host-unreachable", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "host_unreachable" }] }],
  ["iputils-icmp-reject-proto-unreachable", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "protocol_unreachable", message: "Destination Protocol Unreachable" }] }],
  ["iputils-icmp-reject-port-unreachable", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "port_unreachable", message: "Destination Port Unreachable" }] }],
  ["iputils-icmp-reject-net-prohibited", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "admin_prohibited", message: "Destination Net Prohibited" }] }],
  ["iputils-icmp-reject-host-prohibited", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "admin_prohibited", message: "Destination Host Prohibited" }] }],
  ["iputils-icmp-reject-admin-prohibited", 1, 2, { icmpErrors: [{ from: "10.91.1.1", type: "admin_prohibited", message: "Packet filtered" }] }],
  ["iputils-icmp-v6-no-route", 1, 2, { addressUsed: "2001:db8::1", icmpErrors: [{ from: "fd91:1::1", type: "net_unreachable", message: "Destination unreachable: No route" }] }],
  ["iputils-icmp-v6-route-unreachable", 1, 2, { icmpErrors: [{ from: "fd91:1::1", type: "net_unreachable" }] }],
  ["iputils-icmp-v6-route-prohibit", 1, 2, { icmpErrors: [{ from: "fd91:1::1", type: "admin_prohibited", message: "Destination unreachable: Administratively prohibited" }] }],
  ["iputils-icmp-v6-reject-no-route", 1, 2, { icmpErrors: [{ from: "fd91:1::1", type: "net_unreachable" }] }],
  ["iputils-icmp-v6-reject-adm-prohibited", 1, 2, { icmpErrors: [{ from: "fd91:1::1", type: "admin_prohibited" }] }],
  ["iputils-icmp-v6-reject-addr-unreachable", 1, 2, { icmpErrors: [{ from: "fd91:1::1", type: "host_unreachable", message: "Destination unreachable: Address unreachable" }] }],
  ["iputils-icmp-v6-reject-port-unreachable", 1, 2, { icmpErrors: [{ from: "fd91:1::1", type: "port_unreachable", message: "Destination unreachable: Port unreachable" }] }],
  ["iputils-icmp-v6-hop-limit", 1, 2, { ttlExceededFrom: ["fd91:1::1"], icmpErrors: [] }],
  // busybox 1.35 drops ICMP errors silently (it matches replies on the echo id, which an error lacks).
  ["busybox-icmp-net-unreachable", 1, 2, { status: "Complete", received: 0, lossPct: 100, icmpErrors: [] }],
  ["busybox-icmp-reject-admin-prohibited", 1, 2, { status: "Complete", received: 0, icmpErrors: [] }],
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

// iputils texts (ping4_common.c pr_icmph, ping6_common.c) that the capture script does not produce.
test.each([
  ["Destination Net Unknown", "net_unreachable"],
  ["Destination Net Unreachable for Type of Service", "net_unreachable"],
  ["Destination Host Unknown", "host_unreachable"],
  ["Destination Host Unreachable for Type of Service", "host_unreachable"],
  ["Destination unreachable: Source address failed ingress/egress policy", "admin_prohibited"],
  ["Destination unreachable: Reject route to destination", "admin_prohibited"],
  ["Source Route Failed", "other"],
  ["Precedence Violation", "other"],
  ["Destination unreachable: Beyond scope of source address", "other"],
])("classifyIcmpError(%s) = %s", (text, type) => {
  expect(classifyIcmpError(text)).toBe(type);
});
