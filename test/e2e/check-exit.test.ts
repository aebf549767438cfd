// `netdiag-agent check` ends when it has printed its verdict (issue 9: the verdict came after ~6 s
// and the process lingered to ~13 s because a getaddrinfo it had given up on kept running). Here the
// service names a host whose DNS server never answers and the system resolver would wait minutes
// (resolv.conf timeout:30 attempts:5). The built agent runs in a namespace of ours, so its resolver
// is a loopback black hole we own (network safety). Ordering, not wall-clock: the process must
// have printed its verdict and exited while the black hole still holds the query unanswered.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createNetns, type Netns } from "../helpers/netns.js";
import { NETNS_SKIP, NO_PING, requireAll, titled } from "../helpers/system-deps.js";

/** What these tests need from the machine (test/helpers/system-deps.ts). */
const NEEDS = requireAll(NETNS_SKIP, NO_PING);

const ROOT = new URL("../../", import.meta.url).pathname;

describe.skipIf(!!NEEDS)(titled("check exits once the verdict is printed", NEEDS), () => {
  let ns: Netns;
  let dir: string;
  let hole: ChildProcess;
  let queries = 0;

  beforeAll(async () => {
    ns = await createNetns("exit");
    // Overrides the empty resolv.conf createNetns wrote: the system resolver asks our black hole.
    await writeFile(`/etc/netns/${ns.name}/resolv.conf`, "nameserver 127.0.0.1\noptions timeout:30 attempts:5\n");
    hole = spawn("ip", ["netns", "exec", ns.name, process.execPath, "-e", `
      const s = require("node:dgram").createSocket("udp4");
      s.on("message", () => console.log("query"));
      s.bind(53, "127.0.0.1", () => console.log("ready"));`], { stdio: ["ignore", "pipe", "inherit"] });
    const lines = createInterface({ input: hole.stdout! });
    await new Promise<void>((resolve, reject) => {
      lines.on("line", (l) => (l === "ready" ? resolve() : l === "query" ? queries++ : undefined));
      hole.once("exit", (c) => reject(new Error(`black hole exited ${c}`)));
    });
    dir = await mkdtemp(join(tmpdir(), "nd-check-exit-"));
  });

  afterAll(async () => {
    if (hole && hole.exitCode === null) {
      const gone = once(hole, "exit");
      hole.kill("SIGKILL");
      await gone;
    }
    await ns?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test.each([
    ["the runner aborts the check mid-lookup (budget 400 ms)", { service: 400 }, "timeout"],
    // The probe gives up on the name: a measured DNS failure of the service.
    ["the probe's own lookup deadline ends it", {}, "fail"],
  ] as const)("%s", async (_name, timeouts, status) => {
    const cfg = join(dir, `cfg-${Object.keys(timeouts).length}.json`);
    // Every default target overridden with loopback (network safety); only service runs.
    await writeFile(cfg, JSON.stringify({ targets: { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: [], resolvers: ["127.0.0.1"], names: ["localhost"] }, timeouts }));
    const before = queries;
    const agent = execFile("ip", ["netns", "exec", ns.name, process.execPath, join(ROOT, "dist/agent/main.js"), "check", "--checks", "service", "--service", "http://www.hang.test/", "--json", "--config", cfg]);
    let stdout = "";
    let stderr = "";
    agent.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    agent.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(agent, "exit");
    // Not ended by main.ts's safety net either: nothing was left running at all.
    expect(stderr).not.toMatch(/LINGERING/);
    // The black hole got the question and never answered, yet the agent is gone: nothing was left waiting.
    expect(queries).toBeGreaterThan(before);
    expect(hole.exitCode).toBeNull();
    const out = JSON.parse(stdout) as { verdict: { segment: string }; steps: { check: string; status: string; data: { probe?: { failedStage?: string } } }[] };
    expect(out.steps.map((s) => s.check)).toEqual(["service"]);
    expect(out.steps[0]!.status).toBe(status);
    if (status === "fail") expect(out.steps[0]!.data.probe?.failedStage).toBe("dns");
    // Exited by itself with an exit code (the verdict's), not killed.
    expect(typeof code).toBe("number");
  });
});
