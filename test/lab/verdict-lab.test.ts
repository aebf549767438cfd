// The verdict proven in the network lab: for every fault, bring the lab to that state, run the real
// agent inside the customer PC's namespace, and assert the segment and cause it names. Needs root.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { StepResult } from "../../shared/checks.js";
import { Verdict } from "../../shared/verdict.js";
import { BIN } from "../helpers/cli.js";
import { labHandle } from "../helpers/lab.js";
import { canUseNetns } from "../helpers/netns.js";

const L = labHandle("ndv");
const Report = z.object({ verdict: Verdict, steps: z.array(StepResult) });

/** Runs `netdiag-agent check --json` in the pc with the lab's agent config. */
async function diagnose(): Promise<{ code: number; report: z.infer<typeof Report> }> {
  const r = await L.run(["exec", process.execPath, BIN.agent, "check", "--json", "--config", `${L.state}/agent-config.json`], 60_000);
  const parsed = Report.safeParse(JSON.parse(r.stdout || "{}"));
  if (!parsed.success) throw new Error(`agent output did not parse (exit ${r.code}): ${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return { code: r.code, report: parsed.data };
}

/** snmpd caches interface state for a few seconds: wait until SNMP shows the WAN's new state. */
async function waitForWanOper(expected: "1" | "2"): Promise<void> {
  const ifIndex = (await L.ok(["ns", "home", "cat", "/sys/class/net/wan0/ifindex"])).trim();
  await expect
    .poll(async () => (await L.run(["exec", "snmpget", "-v2c", "-c", "public", "-t", "1", "-r", "0", "-Oqv", "-Oe", "10.77.0.1", `1.3.6.1.2.1.2.2.1.8.${ifIndex}`])).stdout.trim(), { timeout: 20_000, interval: 500 })
    .toBe(expected);
}

const FAULTS = [
  ["healthy", "none", "NONE"],
  ["pc-nic-down", "host", "NIC_ADMIN_DOWN"],
  ["cable-unplugged", "lan", "NO_CARRIER"],
  ["dhcp-dead", "router", "DHCP_NO_OFFER"],
  ["router-dns-dead", "router", "ROUTER_DNS_DEAD"],
  ["wan-down", "wan", "WAN_LINK_DOWN"],
  ["line-degraded", "wan", "LINE_DEGRADED"],
  ["isp-upstream-down", "isp", "ISP_UPSTREAM_UNREACHABLE"],
  ["isp-loss", "isp", "ISP_PACKET_LOSS"],
  ["dns-servfail", "dns", "DNS_SERVFAIL"],
  ["service-down", "service", "SERVICE_REFUSED"],
  // Faults of our own beyond the issue's table:
  ["gateway-icmp-silent", "none", "NONE"],
  ["mtu-blackhole", "isp", "PMTU_BLACKHOLE"],
  ["rogue-dhcp", "lan", "DHCP_ROGUE_SERVER"],
] as const;

describe.skipIf(!(await canUseNetns()))("verdict per lab fault (real agent in the pc namespace)", () => {
  beforeAll(async () => {
    await L.ok(["up"], 60_000);
  }, 90_000);
  afterAll(async () => {
    await L.run(["down"], 60_000);
  }, 90_000);

  test.each(FAULTS)("%s → %s / %s", async (fault, segment, cause) => {
    await L.ok(["fault", fault], 60_000);
    if (fault === "wan-down") await waitForWanOper("2");
    const { code, report } = await diagnose();
    const v = report.verdict;
    const summary = `${v.segment}/${v.cause} evidence=${v.evidence.map((e) => `${e.check}:${e.code}`).join(",")}`;
    expect(summary).toContain(`${segment}/${cause}`);
    expect(code).toBe(segment === "none" ? 0 : 1);
    // Every step the verdict rests on was really measured (not skipped / errored).
    for (const e of v.evidence) {
      const step = report.steps.find((s) => s.check === e.check);
      expect(step && ["ok", "warn", "fail"].includes(step.status)).toBe(true);
    }
    if (fault === "wan-down") {
      await L.ok(["clear"], 60_000);
      await waitForWanOper("1");
    }
  }, 120_000);
});
