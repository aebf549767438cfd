// `npm run bench`: runs the benchmarks, prints each figure beside a baseline measured in the same run
// (and their ratio), and writes everything to bench-results.json. Flags: --quick (small N, CI smoke),
// --only NAME[,NAME] (store, delivery, ingest, memory, heartbeat, runner, parsers, web, fleet, cluster, agent-bundle, lab). All traffic stays on
// 127.0.0.1, or inside the network lab's own namespaces (lab).
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { agentBundleBench } from "./agent-bundle.js";
import { deliveryBench } from "./delivery.js";
import { clusterBench } from "./fleet/cross-node.js";
import { fleetBench } from "./fleet/index.js";
import { heartbeatBench } from "./heartbeat.js";
import { ingestBench } from "./ingest.js";
import { labBench } from "./lab-bench.js";
import { memoryBench } from "./memory.js";
import { parsersBench } from "./parsers.js";
import { formatTable, ratioOf, type BenchRow } from "./report.js";
import { runnerBench } from "./runner.js";
import { storeBench } from "./store.js";
import { webBench } from "./web.js";

const BENCHES: Record<string, (quick: boolean) => BenchRow[] | Promise<BenchRow[]>> = {
  parsers: parsersBench,
  runner: runnerBench,
  store: storeBench,
  delivery: deliveryBench,
  ingest: ingestBench,
  memory: memoryBench,
  heartbeat: heartbeatBench,
  web: webBench,
  fleet: fleetBench,
  cluster: clusterBench,
  "agent-bundle": agentBundleBench,
  lab: labBench,
};

export const RESULTS_FILE = "bench-results.json";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" }, help: { type: "boolean", default: false } } });
  if (values.help) {
    console.log(`usage: node --expose-gc dist/bench/main.js [--quick] [--only ${Object.keys(BENCHES).join(",")}]`);
    return 0;
  }
  const names = values.only ? values.only.split(",").map((s) => s.trim()) : Object.keys(BENCHES);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length) {
    console.error(`unknown bench: ${unknown.join(", ")} (known: ${Object.keys(BENCHES).join(", ")})`);
    return 2;
  }
  const quick = values.quick ?? false;
  const env = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?", quick, startedAt: new Date().toISOString() };
  console.log(`netdiag bench: node ${env.node}, ${env.cpus} x ${env.cpuModel}${quick ? ", --quick" : ""}`);

  const rows: BenchRow[] = [];
  const errors: { bench: string; error: string }[] = [];
  const durationsS: Record<string, number> = {};
  const t0 = performance.now();
  for (const name of names) {
    const t = performance.now();
    process.stdout.write(`running ${name}... `);
    try {
      rows.push(...(await BENCHES[name]!(quick)));
      durationsS[name] = (performance.now() - t) / 1000;
      console.log(`${durationsS[name].toFixed(1)} s`);
    } catch (e) {
      durationsS[name] = (performance.now() - t) / 1000;
      console.log("FAILED");
      errors.push({ bench: name, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
    (globalThis as { gc?: () => void }).gc?.();
  }
  const totalS = (performance.now() - t0) / 1000;
  console.log("");
  console.log(formatTable(rows));
  console.log(`\nratio > 1 means better than the baseline (rates: value/baseline; costs: baseline/value). total ${totalS.toFixed(1)} s`);
  for (const e of errors) console.error(`\nbench ${e.bench} failed:\n${e.error}`);

  await writeFile(RESULTS_FILE, JSON.stringify({ env, totalS, durationsS, rows: rows.map((r) => ({ ...r, ratio: ratioOf(r) })), errors }, null, 2) + "\n");
  console.log(`results written to ${RESULTS_FILE}`);
  return errors.length ? 1 : 0;
}

process.exitCode = await main();
