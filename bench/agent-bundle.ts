// Bench: the one-file agent (dist/bundle/netdiag-agent.js, `npm run build:agent`). Its size beside what
// it replaces: the unbundled agent's own compiled files (the dist/ .js of exactly the agent/ and
// shared/ sources esbuild read, per its metafile) plus the node_modules packages it draws from, whole,
// as npm installs them. And the time from starting node to the end of `check --help` (the command's
// module loaded, nothing measured), bundle against dist/agent/main.js, paired rounds in this run.
import { spawn } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { defaultAgentBundlePath } from "../collector/agent-bundle.js";
import { paired, type BenchRow } from "./report.js";

const BUNDLE = defaultAgentBundlePath();
const DIST = dirname(dirname(BUNDLE));
const ROOT = dirname(DIST);

async function treeBytes(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.size;
  let n = 0;
  for (const e of await readdir(path)) n += await treeBytes(join(path, e));
  return n;
}

/** What an unbundled agent needs on disk, from esbuild's record of what went into the bundle. */
export async function replacedBytes(): Promise<{ own: number; packages: number; names: string[] }> {
  const meta = JSON.parse(await readFile(BUNDLE.replace(/\.js$/, ".meta.json"), "utf8")) as { inputs: Record<string, unknown> };
  let own = 0;
  const names = new Set<string>();
  for (const input of Object.keys(meta.inputs)) {
    const pkg = /^(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    if (pkg) names.add(pkg);
    else if (/^(agent|shared)\/.*\.ts$/.test(input)) own += (await stat(join(DIST, input.replace(/\.ts$/, ".js")))).size;
  }
  let packages = 0;
  for (const p of names) packages += await treeBytes(join(ROOT, p));
  return { own, packages, names: [...names].map((p) => p.replace(/^node_modules\//, "")) };
}

function startMs(script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [script, "check", "--help"], { stdio: "ignore" });
    p.once("error", reject);
    p.once("exit", (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${script} check --help exited ${code}`))));
  });
}

export async function agentBundleBench(quick: boolean): Promise<BenchRow[]> {
  const bundle = await readFile(BUNDLE);
  const r = await replacedBytes();
  const kib = (n: number) => n / 1024;
  const start = await paired(() => startMs(BUNDLE), () => startMs(join(DIST, "agent", "main.js")), quick ? 3 : 7);
  return [
    {
      bench: "agent-bundle",
      metric: "one-file agent size",
      unit: "KiB",
      value: kib(bundle.length),
      baselineName: "unbundled agent: its dist .js + packages",
      baseline: kib(r.own + r.packages),
      better: "lower",
      note: `bundle ${kib(gzipSync(bundle).length).toFixed(0)} KiB gzipped (minified, licences appended); baseline = ${kib(r.own).toFixed(0)} KiB of dist/agent and dist/shared .js + ${kib(r.packages).toFixed(0)} KiB of node_modules (${r.names.join(", ")}), without sqlite3 or anything else the collector needs`,
    },
    {
      bench: "agent-bundle",
      metric: "start to end of `check --help`",
      unit: "ms",
      value: start.value,
      baselineName: "node dist/agent/main.js",
      baseline: start.baseline,
      better: "lower",
      note: `median of ${quick ? 3 : 7} paired runs each, node ${process.version}`,
    },
  ];
}
