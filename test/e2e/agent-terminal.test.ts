// What the customer sees when they start `netdiag-agent run` in a terminal: plain lines in their
// language ("connected to your ISP's support; waiting for your engineer"), not JSON log lines; run as a
// service (no terminal) it logs JSON on stderr as before. A real pseudo-terminal comes from util-linux
// `script`; the agent is the real binary, connected to a real collector on loopback.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Enrolled, EnrollmentCreated } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { BIN, startBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let dir: string;
/** Every terminal started, stopped in afterAll too: a failed wait must not leave an agent behind. */
const started: { stop(): Promise<void> }[] = [];

/** The agent in a pseudo-terminal: stdin and stdout are a TTY, as when a customer types the command. */
function startInTerminal(args: string[], env: Record<string, string>) {
  const cmd = [process.execPath, BIN.agent, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const proc: ChildProcess = spawn("script", ["-qfec", cmd, "/dev/null"], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) if (w.re.test(out)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const handle = {
    output: () => out,
    waitFor: (re: RegExp, timeoutMs = 20_000) =>
      re.test(out)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in the terminal:\n${out}`)), timeoutMs);
            waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
          }),
    stop: () => (proc.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => (proc.once("exit", () => r()), proc.kill("SIGTERM")))),
  };
  started.push(handle);
  return handle;
}

async function enrolledConfig(name: string): Promise<{ path: string; stateDir: string }> {
  const code = await col.api("/api/enrollments", EnrollmentCreated, { body: {} });
  const id = await httpJson(`${col.url}/api/agents/enroll`, Enrolled, { body: { code: code.code, name, agentVersion: "0.1.0" } });
  const path = join(dir, `${name}.json`);
  const stateDir = join(dir, `${name}-state`);
  const targets = { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1:1"], resolvers: ["127.0.0.1:1"], names: ["shop.test"] };
  await writeFile(path, JSON.stringify({ identity: { collectorUrl: col.url, agentId: id.agentId, secret: id.secret }, targets, stateDir }), { mode: 0o600 });
  return { path, stateDir };
}

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  dir = await mkdtemp(join(tmpdir(), "netdiag-agent-tty-"));
});

afterAll(async () => {
  await Promise.all(started.map((t) => t.stop()));
  await col?.close();
  await rm(dir, { recursive: true, force: true });
});

test.each([
  ["en", "Connected to your ISP's support; waiting for your engineer."],
  ["zh-CN", "已连接到您的运营商技术支持，正在等待工程师。"],
])("in a terminal (%s): a plain line says it is connected and waiting; no JSON on the screen", async (lang, connected) => {
  const cfg = await enrolledConfig(`tty-${lang}`);
  const agent = startInTerminal(["run", "--config", cfg.path, "--lang", lang], {});
  try {
    await agent.waitFor(new RegExp(connected.replace(/[.()]/g, "\\$&")));
    expect(agent.output()).not.toMatch(/\{"t":/);
    expect(agent.output()).toContain(join(cfg.stateDir, "agent.log"));
    // The technical log is still written, to the file the screen names.
    await expect.poll(async () => readFile(join(cfg.stateDir, "agent.log"), "utf8").catch(() => "")).toMatch(/"msg":"link open"/);
  } finally {
    await agent.stop();
  }
});

test("without a terminal (a service), the JSON log stays on stderr and no plain line is printed", async () => {
  const cfg = await enrolledConfig("service");
  const agent = startBin("agent", ["run", "--config", cfg.path]);
  try {
    await agent.waitFor(/"msg":"link open"/);
    expect(agent.output()).not.toMatch(/Connected to your ISP's support/);
  } finally {
    await agent.stop();
  }
});

test("a lost connection is said once, in plain words, and reconnection is announced again", async () => {
  const cfg = await enrolledConfig("tty-lost");
  const agent = startInTerminal(["run", "--config", cfg.path, "--lang", "en"], {});
  try {
    await agent.waitFor(/Connected to your ISP's support/);
    await col.restart();
    await agent.waitFor(/Connection to your ISP's support lost; reconnecting[\s\S]*Connected to your ISP's support/);
    expect(agent.output().match(/Connection to your ISP's support lost/g)).toHaveLength(1);
  } finally {
    await agent.stop();
  }
});
