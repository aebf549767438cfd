// A remote run in the lab, the product's real shape: the collector runs in the "internet" namespace,
// the customer's agent in the pc behind the home router's NAT, the engineer's CLI beside the
// collector. The engineer triggers a full diagnosis; every step and then the verdict arrive live and
// are stored on the ticket. Needs root (network namespaces).
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, RunStreamEvent, Ticket, TicketWithRuns } from "../../shared/api.js";
import { BIN } from "../helpers/cli.js";
import { LAB_SCRIPT, labHandle } from "../helpers/lab.js";
import { LAB_SKIP, titled } from "../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = LAB_SKIP;

const L = labHandle("ndr");
const COLLECTOR = "http://203.0.113.1:8080";
const procs: ChildProcess[] = [];
let engineerEnv: Record<string, string> = {};

/** Starts a long-running process inside a lab namespace; resolves once `ready` appears in its output. */
function startIn(node: string, args: string[], ready: RegExp): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(LAB_SCRIPT, ["ns", node, ...args], { env: L.env, stdio: ["ignore", "pipe", "pipe"] });
  procs.push(proc);
  let out = "";
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${ready} from ${args.join(" ")}:\n${out}`)), 20_000);
    const on = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(t);
        resolve({ proc, output: () => out });
      }
    };
    proc.stdout!.on("data", on);
    proc.stderr!.on("data", on);
    proc.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

/** The engineer's CLI, run beside the collector in the "internet" (plain http in a lab: --insecure). */
async function netdiag(args: string[]): Promise<string> {
  const r = await L.run(["ns", "inet", process.execPath, BIN.cli, ...args, "--insecure"], 120_000, engineerEnv);
  if (r.code !== 0 && r.code !== 1) throw new Error(`netdiag ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function agentCmd(args: string[]): Promise<string> {
  const r = await L.run(["exec", process.execPath, BIN.agent, ...args], 60_000);
  if (r.code !== 0) throw new Error(`netdiag-agent ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!!NEEDS)(titled("remote run in the lab: collector in the internet, agent in the pc", NEEDS), () => {
  beforeAll(async () => {
    await L.ok(["up"], 60_000);
  }, 90_000);
  afterAll(async () => {
    for (const p of procs) p.kill("SIGTERM");
    await L.run(["down"], 60_000);
  }, 90_000);

  test("the engineer triggers a full diagnosis; steps stream in, the verdict arrives last and is stored", { timeout: 120_000 }, async () => {
    const collector = await startIn("inet", [process.execPath, BIN.collector, "--host", "203.0.113.1", "--port", "8080", "--data-dir", `${L.state}/collector-data`, "--log-level", "warn"], /NETDIAG_TOKEN=(ndt_\S+)\n/);
    const token = /NETDIAG_TOKEN=(ndt_\S+)\n/.exec(collector.output())![1]!;
    engineerEnv = { NETDIAG_URL: COLLECTOR, NETDIAG_TOKEN: token };

    const ticket = Ticket.parse(JSON.parse(await netdiag(["ticket", "create", "--customer", "Li Lei", "--contact", "+86 139 0000 0000", "--service", "Fiber 100M", "--symptom", "shop.test does not open", "--json"])));
    const { code } = z.object({ code: z.string() }).parse(JSON.parse(await netdiag(["enroll-code", "--ticket", ticket.id, "--json"])));

    // The customer's side: the lab's agent config (targets inside the lab), enrolled over plain http
    // on purpose (--insecure: a lab), a grant for this ticket, then the agent in the background.
    const cfg = `${L.state}/remote-agent.json`;
    await writeFile(cfg, await L.ok(["agent-config"]), { mode: 0o600 });
    await agentCmd(["enroll", "--collector", COLLECTOR, "--code", code, "--insecure", "--config", cfg]);
    await agentCmd(["authorize", "--ticket", ticket.id, "--all", "--for", "1h", "--config", cfg]);
    await startIn("pc", [process.execPath, BIN.agent, "run", "--config", cfg, "--consent", "grants-only"], /link open/);
    const agents = z.array(Agent).parse(JSON.parse(await netdiag(["agents", "--json"])));
    expect(agents).toHaveLength(1);
    expect(agents[0]!.connected).toBe(true);

    // A fault beyond the customer's reach that leaves the agent-collector path intact.
    await L.ok(["fault", "dns-servfail"], 60_000);
    const lines = (await netdiag(["run", "--ticket", ticket.id, "--agent", agents[0]!.id, "--follow", "--json"])).trim().split("\n");
    const events = lines.filter((l) => l.startsWith("{")).map((l) => RunStreamEvent.parse(JSON.parse(l)));
    const kinds = events.map((e) => (e.type === "state" ? `state:${e.state}` : e.type));
    const lastStep = kinds.lastIndexOf("step");
    const verdictAt = kinds.indexOf("verdict");
    expect(kinds.filter((k) => k === "step")).toHaveLength(8);
    expect(verdictAt).toBeGreaterThan(lastStep);
    expect(kinds.at(-1)).toBe("state:completed");
    const verdict = events[verdictAt]!;
    expect(verdict.type === "verdict" && `${verdict.verdict.segment}/${verdict.verdict.cause}`).toBe("dns/DNS_SERVFAIL");

    // Stored on the ticket: every step and the verdict.
    const stored = TicketWithRuns.parse(JSON.parse(await netdiag(["ticket", "show", ticket.id, "--json"])));
    const run = stored.runs[0]!;
    expect(run.state).toBe("completed");
    expect(run.steps.map((s) => s.result.check).sort()).toEqual(["dhcp", "dns", "gateway", "host", "path", "routeros", "service", "snmp"]);
    expect(run.verdict?.cause).toBe("DNS_SERVFAIL");

    // The field technician's view of the site, from the same stored results.
    const device = await netdiag(["device", agents[0]!.id]);
    expect(device).toMatch(/snmp +ok .*10\.77\.0\.1: WAN wan0 up, SNR margin \d+(\.\d+)?\/\d+(\.\d+)? dB/);
    expect(device).toMatch(/dhcp +ok .*lease 10\.77\.0\.\d+ from 10\.77\.0\.1/);
    expect(device).toMatch(/path +ok .*ISP hop 100\.64\.7\.1 0% loss, anchors 3\/3 reachable/);
    expect(device).toMatch(/dns\/DNS_SERVFAIL/);
  });
});
