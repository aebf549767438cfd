// doctor's ping check with real pings of 127.0.0.1 only: the system's iputils ping (DF and TTL work),
// busybox's ping (no -M: DF missing), busybox's ping as an unprivileged user (not permitted), a ping
// that is not installed, and ping in a namespace of ours whose loopback is down.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assessPing, pingTrials } from "../../../agent/doctor/ping-check.js";
import { spawnProcess, type SpawnResult, type Spawner } from "../../../agent/system/spawn.js";
import { canUseNetns, createNetns, type Netns } from "../../helpers/netns.js";

const which = (bin: string) => ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map((d) => `${d}/${bin}`).find((p) => existsSync(p));
const iputils = (() => {
  try {
    return /iputils/.test(execFileSync("ping", ["-V"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } catch {
    return false;
  }
})();
const busybox = which("busybox");
const asRoot = process.getuid?.() === 0;

/** `ping` replaced by another real program (argv kept), the way a different system would have it. */
const pingIs = (file: string, pre: string[]): Spawner => (f, args, o) => (f === "ping" ? spawnProcess(file, [...pre, ...args], o) : spawnProcess(f, args, o));
const trials = (spawn: Spawner) => pingTrials(spawn, AbortSignal.timeout(20_000));

test.skipIf(!iputils)("iputils ping (Debian package iputils-ping) on 127.0.0.1: works with DF and TTL", async () => {
  const t = await trials(spawnProcess);
  expect(assessPing(t)).toMatchObject({ status: "ok", code: "PING_OK" });
  // It really sent: the reply lines are there.
  expect(t.df.stdout).toMatch(/bytes from 127\.0\.0\.1/);
});

test.skipIf(!busybox)("busybox ping (Debian package busybox): no -M, so a warning about DF, and TTL still works", async () => {
  const t = await trials(pingIs(busybox!, ["ping"]));
  expect(t.ttl.stdout).toMatch(/bytes from 127\.0\.0\.1/);
  expect(assessPing(t)).toMatchObject({ status: "warn", code: "PING_NO_DF" });
});

test.skipIf(!busybox || !asRoot || !which("setpriv"))("busybox ping as an unprivileged user (no CAP_NET_RAW): not permitted", async () => {
  const t = await trials(pingIs(which("setpriv")!, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", busybox!, "ping"]));
  const f = assessPing(t);
  expect(f).toMatchObject({ status: "fail", code: "PING_NOT_PERMITTED" });
  expect(String(f.vars.error)).toMatch(/permission denied/i);
});

test("no ping program: says it is missing", async () => {
  expect(assessPing(await trials(pingIs("/nonexistent/netdiag-test/ping", [])))).toMatchObject({ status: "fail", code: "PING_BINARY_MISSING" });
});

describe.skipIf(!(await canUseNetns()) || !iputils)("in a namespace of ours with loopback down", () => {
  let ns: Netns;
  beforeAll(async () => {
    ns = await createNetns("docping");
    await ns.exec("ip", ["link", "set", "lo", "down"]);
  });
  afterAll(async () => ns?.close());

  test("ping of 127.0.0.1 gets no answer: the loopback is named", async () => {
    const f = assessPing(await trials(pingIs("ip", ["netns", "exec", ns.name, "ping"])));
    expect(f).toMatchObject({ status: "fail", code: "PING_LOOPBACK_FAILED" });
  });
});

describe("assessPing on what pings print", () => {
  const reply = (extra = ""): SpawnResult => ({ code: 0, aborted: false, stderr: "", stdout: `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.040 ms${extra}\n\n--- 127.0.0.1 ping statistics ---\n1 packets transmitted, 1 received, 0% packet loss, time 0ms\n` });
  const refused = (stderr: string): SpawnResult => ({ code: 2, aborted: false, stdout: "", stderr });
  test("a ping that cannot set a TTL fails (hop discovery needs it)", () => {
    expect(assessPing({ plain: reply(), df: reply(), ttl: refused("ping: invalid option -- 't'\n") })).toMatchObject({ status: "fail", code: "PING_NO_TTL", vars: { error: "ping: invalid option -- 't'" } });
  });
  test("iputils without permission to open its socket", () => {
    const f = assessPing({ plain: refused("ping: socket: Operation not permitted\n"), df: refused(""), ttl: refused("") });
    expect(f).toMatchObject({ status: "fail", code: "PING_NOT_PERMITTED", vars: { error: "ping: socket: Operation not permitted" } });
  });
});
