// Agent footprint: the idle RSS of a real, connected `netdiag-agent run` (the one-file bundle, and the
// unbundled dist/agent/main.js) next to a bare `node -e` process that only keeps itself alive. The
// agent is enrolled through the real enroll command to a collector on loopback and waits for requests;
// none is ever sent, so none of its checks runs and nothing leaves loopback.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { EnrollmentCreated } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { createLogger } from "../../shared/log.js";
import { hashSecret, randomId, randomSecret } from "../../shared/secrets.js";
import { CollectorConfig } from "../../collector/config.js";
import { startCollector } from "../../collector/server.js";

const run = promisify(execFile);
const DIST = fileURLToPath(new URL("../../", import.meta.url));
const BUNDLE = join(DIST, "bundle", "netdiag-agent.js");
/**
 * What is measured: the bundle and the unbundled build as they start by default, and the bundle with
 * the V8 heap's young generation and the platform's worker threads trimmed (NODE_OPTIONS), to show how
 * much of the figure is the runtime's defaults rather than the agent's own data.
 */
export const AGENT_VARIANTS = {
  bundle: { entry: BUNDLE, nodeOptions: "" },
  unbundled: { entry: join(DIST, "agent", "main.js"), nodeOptions: "" },
  "bundle, small V8 heap and pool": { entry: BUNDLE, nodeOptions: "--max-semi-space-size=1 --v8-pool-size=1" },
} as const;

/** Idle time before the RSS is read: start-up garbage collected, the welcome and a heartbeat or two in. */
const SETTLE_MS = 3000;
const CONNECT_DEADLINE_MS = 20_000;

export interface ProcMem {
  /** Resident set now, bytes. */
  rss: number;
  /** Peak resident set so far (VmHWM), bytes. */
  hwm: number;
}

export async function procMem(pid: number): Promise<ProcMem> {
  const s = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledMem(p: ChildProcess): Promise<ProcMem> {
  await sleep(SETTLE_MS);
  if (p.exitCode !== null) throw new Error(`process exited early with ${p.exitCode}`);
  return procMem(p.pid!);
}

async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}

export interface Footprint {
  agent: Record<keyof typeof AGENT_VARIANTS, ProcMem>;
  bareNode: ProcMem;
}

export async function measureFootprint(): Promise<Footprint> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-footprint-"));
  const col = await startCollector(CollectorConfig.parse({ dataDir: join(dir, "collector"), host: "127.0.0.1", port: 0, logLevel: "silent" }), { log: createLogger("bench", "silent") });
  const procs: ChildProcess[] = [];
  try {
    const token = randomSecret("ndt_");
    await col.store.createToken({ id: randomId("tok_"), name: "bench-engineer", role: "engineer", hash: hashSecret(token), createdAt: Date.now() });
    const agent = {} as Footprint["agent"];
    for (const [name, { entry, nodeOptions }] of Object.entries(AGENT_VARIANTS) as [keyof typeof AGENT_VARIANTS, { entry: string; nodeOptions: string }][]) {
      const home = join(dir, name.replace(/\W+/g, "-"));
      const config = join(home, "agent.json");
      // HOME and XDG dirs inside the temp dir: nothing of the machine's own agent is read or written.
      const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, XDG_STATE_HOME: home, NETDIAG_AGENT_CONFIG: config, NODE_OPTIONS: nodeOptions };
      const code = await httpJson(`${col.url}/api/enrollments`, EnrollmentCreated, { token, body: {} });
      await run(process.execPath, [entry, "enroll", "--collector", col.url, "--code", code.code, "--name", `bench-${name}`, "--config", config], { env, timeout: 30_000 });
      const agentId = (JSON.parse(await readFile(config, "utf8")) as { identity: { agentId: string } }).identity.agentId;
      const p = spawn(process.execPath, [entry, "run", "--consent", "grants-only", "--config", config], { env, stdio: "ignore" });
      procs.push(p);
      const until = Date.now() + CONNECT_DEADLINE_MS;
      while (!col.hub.isConnected(agentId)) {
        if (Date.now() > until || p.exitCode !== null) throw new Error(`agent (${name}) did not connect within ${CONNECT_DEADLINE_MS} ms (exit ${p.exitCode})`);
        await sleep(50);
      }
      agent[name] = await settledMem(p);
      await stopProc(p);
    }
    const bare = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
    procs.push(bare);
    const bareNode = await settledMem(bare);
    return { agent, bareNode };
  } finally {
    await Promise.all(procs.map(stopProc));
    await col.close();
    await rm(dir, { recursive: true, force: true });
  }
}
