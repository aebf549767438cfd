// The dns check against a real relay: Debian's dnsmasq in a namespace of its own, forwarding to an
// upstream that never answers (a home router whose ISP resolver is down). The built agent runs in a
// client namespace linked only to it (network safety).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { StepResultOf } from "../../../shared/checks.js";
import { createNetns, linkNetns, type Netns } from "../../helpers/netns.js";
import { NETNS_SKIP, requireAll, requireCommand, titled } from "../../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = requireAll(NETNS_SKIP, requireCommand("dnsmasq", "dnsmasq-base"));

const ROOT = new URL("../../../", import.meta.url).pathname;

describe.skipIf(!!NEEDS)(titled("dns check against dnsmasq with a dead upstream", NEEDS), () => {
  let pc: Netns, relay: Netns;
  let work: string;
  let dnsmasq: ChildProcess | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "nd-dns-lab-"));
    pc = await createNetns("dns-pc");
    relay = await createNetns("dns-relay");
    await linkNetns(pc, "eth0", relay, "lan0");
    await pc.exec("ip", ["addr", "add", "10.98.0.2/24", "dev", "eth0"]);
    await relay.exec("ip", ["addr", "add", "10.98.0.1/24", "dev", "lan0"]);
    await pc.exec("ip", ["link", "set", "eth0", "up"]);
    await relay.exec("ip", ["link", "set", "lan0", "up"]);
    // The upstream 10.98.0.99 is on the link but nobody has it: forwarded queries go unanswered.
    dnsmasq = spawn("ip", ["netns", "exec", relay.name, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--server=10.98.0.99",
      "--listen-address=10.98.0.1", "--bind-interfaces", `--pid-file=${join(work, "dnsmasq.pid")}`, "--log-facility=-"], { stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      let log = "";
      const onData = (d: Buffer) => {
        log += d.toString();
        if (/using nameserver 10\.98\.0\.99/.test(log)) resolve();
      };
      dnsmasq!.stdout!.on("data", onData);
      dnsmasq!.stderr!.on("data", onData);
      dnsmasq!.once("exit", (code) => reject(new Error(`dnsmasq exited ${code}: ${log}`)));
    });
  }, 30_000);

  afterAll(async () => {
    if (dnsmasq && dnsmasq.exitCode === null) {
      const exited = new Promise((r) => dnsmasq!.once("exit", r));
      dnsmasq.kill("SIGKILL");
      await exited;
    }
    await pc?.close();
    await relay?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("names time out, dnsmasq answers version.bind itself: alive, RESOLVER_UPSTREAM_FAILING", async () => {
    const cfg = join(work, "agent.json");
    await writeFile(cfg, JSON.stringify({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["10.98.0.1"], names: ["www.shop.test"] } }));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile("ip", ["netns", "exec", pc.name, process.execPath, join(ROOT, "dist/agent/main.js"), "check", "--checks", "dns", "--json", "--config", cfg], { timeout: 30_000 }, (err, out, errOut) =>
        err && !out ? reject(new Error(`agent failed: ${err.message} ${errOut}`)) : resolve(out),
      ),
    );
    const step = (JSON.parse(stdout) as { steps: StepResultOf<"dns">[] }).steps[0]!;
    if (step.status !== "fail") throw new Error(`expected a failed dns step: ${JSON.stringify(step)}`);
    const r = step.data.resolvers[0]!;
    expect(r).toMatchObject({ server: "10.98.0.1", role: "configured", state: "dead", alive: true });
    expect(r.results.map((x) => [x.outcome, x.rcode])).toEqual([["timeout", undefined]]);
    expect(r.control?.find((c) => c.query === "version.bind. CH TXT")).toMatchObject({ outcome: "reply", rcode: "NOERROR" });
    expect(step.findings.map((f) => f.code)).toContain("RESOLVER_UPSTREAM_FAILING");
  });

  test("a resolver with no route to it: the control questions cannot even be sent (ENETUNREACH), the agent carries on", async () => {
    // Found by the lab's pc-nic-down: a failed UDP connect used to crash the agent.
    const cfg = join(work, "agent-noroute.json");
    await writeFile(cfg, JSON.stringify({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["10.99.0.1"], names: ["www.shop.test"] } }));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile("ip", ["netns", "exec", pc.name, process.execPath, join(ROOT, "dist/agent/main.js"), "check", "--checks", "dns", "--json", "--config", cfg], { timeout: 30_000 }, (err, out, errOut) =>
        err && !out ? reject(new Error(`agent failed: ${err.message} ${errOut}`)) : resolve(out),
      ),
    );
    const step = (JSON.parse(stdout) as { steps: StepResultOf<"dns">[] }).steps[0]!;
    if (step.status !== "fail") throw new Error(`expected a failed dns step: ${JSON.stringify(step)}`);
    const r = step.data.resolvers[0]!;
    expect(r.alive).toBe(false);
    expect(r.control).toEqual([
      { query: "localhost. IN A", outcome: "error", errorCode: "ENETUNREACH" },
      { query: "version.bind. CH TXT", outcome: "error", errorCode: "ENETUNREACH" },
    ]);
  });
});
