// The snmp check reads the CPE's default route (the ISP edge's address) from a real snmpd: Debian's
// snmpd runs inside a "cpe" namespace whose WAN link has a default route via 100.64.7.1, and the built
// agent asks it from inside the same namespace (nothing leaves namespaces of ours).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { StepResultOf } from "../../../shared/checks.js";
import { createNetns, linkNetns, type Netns } from "../../helpers/netns.js";
import { NETNS_SKIP, NO_SNMPD, requireAll, titled } from "../../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = requireAll(NETNS_SKIP, NO_SNMPD);

const pexec = promisify(execFile);
const ROOT = new URL("../../../", import.meta.url).pathname;
const COMMUNITY = "routes-test";
const PORT = 16100;

describe.skipIf(!!NEEDS)(titled("snmp: the default route's next hop as wanGateway", NEEDS), () => {
  let cpe: Netns, isp: Netns;
  let work: string;
  let snmpd: ChildProcess | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "nd-snmp-routes-"));
    cpe = await createNetns("snmp-cpe");
    isp = await createNetns("snmp-isp");
    await linkNetns(cpe, "wan0", isp, "down0");
    await cpe.exec("ip", ["addr", "add", "100.64.7.2/30", "dev", "wan0"]);
    await isp.exec("ip", ["addr", "add", "100.64.7.1/30", "dev", "down0"]);
    await cpe.exec("ip", ["link", "set", "wan0", "up"]);
    await isp.exec("ip", ["link", "set", "down0", "up"]);
    await cpe.exec("ip", ["route", "add", "default", "via", "100.64.7.1"]);
    // The namespace is ours alone, so a fixed port cannot collide with anything.
    const conf = join(work, "snmpd.conf");
    await writeFile(conf, `agentAddress udp:127.0.0.1:${PORT}\nrocommunity ${COMMUNITY} 127.0.0.1\n`, { mode: 0o600 });
    snmpd = spawn("ip", ["netns", "exec", cpe.name, "snmpd", "-f", "-Lo", "-C", "-c", conf, "-p", join(work, "snmpd.pid"), `--persistentDir=${work}`], {
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", MIBS: "", MIBDIRS: join(work, "no-mibs"), LC_ALL: "C" },
      stdio: "ignore",
    });
    // Ready when it answers a real request (each poll is a request with its own 1 s timeout).
    for (let i = 0; ; i++) {
      const ok = await cpe.exec("snmpget", ["-v2c", "-c", COMMUNITY, "-t", "1", "-r", "0", "-On", `127.0.0.1:${PORT}`, "1.3.6.1.2.1.1.3.0"]).then(() => true, () => false);
      if (ok) break;
      if (i > 10 || snmpd.exitCode !== null) throw new Error("snmpd did not start in the cpe namespace");
    }
  }, 60_000);

  afterAll(async () => {
    if (snmpd && snmpd.exitCode === null) {
      const exited = new Promise((r) => snmpd!.once("exit", r));
      snmpd.kill("SIGTERM");
      await exited;
    }
    await cpe?.close();
    await isp?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("wanGateway names 100.64.7.1 and the WAN interface's ifIndex", async () => {
    const cfg = join(work, "agent.json");
    await writeFile(cfg, JSON.stringify({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["127.0.0.1"], names: ["localhost"], snmp: [{ host: "127.0.0.1", port: PORT, version: "2c", community: COMMUNITY }] } }), { mode: 0o600 });
    const { stdout } = await pexec("ip", ["netns", "exec", cpe.name, process.execPath, join(ROOT, "dist/agent/main.js"), "check", "--checks", "snmp", "--json", "--config", cfg], { timeout: 30_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
    const step = (JSON.parse(stdout) as { steps: StepResultOf<"snmp">[] }).steps[0]!;
    const device = step.data.devices?.[0];
    const wan0 = device?.interfaces?.find((i) => i.ifDescr === "wan0");
    expect(wan0).toBeDefined();
    expect(device?.wanGateway).toEqual({ source: "inetCidrRouteTable", address: "100.64.7.1", ifIndex: wan0!.ifIndex });
  });
});
