// Trigger latency across collectors (`--only cluster`, docs/bench.md): three collector processes on one
// PostgreSQL (a server of the bench's own on loopback, fsync on), the engineer's POST /api/runs on node
// A, the instant agent connected to node B, the SSE viewer on node C, so the run request crosses from A
// to B and the step from B to C as LISTEN/NOTIFY signals (docs/cluster.md). Baseline, in the same run
// on the same database: trigger, agent and viewer all on node B, so the ratio is what crossing nodes
// costs, not what PostgreSQL costs.
import pg from "pg";
import { startChild, type Child } from "../child.js";
import { PG_SKIP, startPgServer } from "../pg-server.js";
import type { BenchRow } from "../report.js";
import { InstantAgent } from "./instant-agent.js";
import type { FleetServerMessage } from "./server-child.js";
import { summarize } from "./stats.js";
import { measureTriggers } from "./trigger-latency.js";

const HEARTBEAT_MS = 5000;

type Server = Child<FleetServerMessage>;

async function ready(c: Server): Promise<Extract<FleetServerMessage, { type: "ready" }>> {
  const m = await c.next();
  if (m.type !== "ready") throw new Error(`cluster node: expected ready, got ${m.type}`);
  return m;
}

export async function clusterBench(quick: boolean): Promise<BenchRow[]> {
  if (PG_SKIP) {
    console.log(`\n  cluster bench skipped: ${PG_SKIP}`);
    return [];
  }
  const triggers = quick ? 30 : 200;
  const server = await startPgServer();
  const nodes: Server[] = [];
  let agent: InstantAgent | undefined;
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE cluster_bench");
    await admin.end();
    const url = server.url.replace(/\/postgres$/, "/cluster_bench");
    // One at a time: the first migrates, the others find the schema done.
    const info = [];
    for (let i = 0; i < 3; i++) {
      const n = startChild<FleetServerMessage>("fleet/server-child.js", ["collector", "1", String(HEARTBEAT_MS), url]);
      nodes.push(n);
      info.push(await ready(n));
    }
    const [a, b, c] = info as [typeof info[0], typeof info[0], typeof info[0]];
    // Every node seeded its own agents, ticket and token into the one database: node A's serve all three.
    agent = new InstantAgent(b.url, a.agents[0]!);
    await agent.opened();
    const base = { token: a.engineerToken, ticketId: a.ticketId, agent };
    const single = await measureTriggers({ ...base, triggerUrl: b.url, viewerUrl: b.url }, triggers);
    const cross = await measureTriggers({ ...base, triggerUrl: a.url, viewerUrl: c.url }, triggers);
    const s = summarize(single.toViewer);
    const x = summarize(cross.toViewer);
    const xa = summarize(cross.toAgent);
    const note = `${triggers} triggers one at a time; 3 collectors on one PostgreSQL; request at the agent p50 ${xa.p50.toFixed(1)} ms, p99 ${xa.p99.toFixed(1)} ms`;
    const row = (stat: "p50" | "p99" | "max"): BenchRow => ({
      bench: "cluster",
      metric: `trigger on A -> agent on B -> first step on C's SSE ${stat}`,
      unit: "ms",
      value: x[stat],
      baselineName: "all on one node, same database",
      baseline: s[stat],
      better: "lower",
      ...(stat === "p50" ? { note } : {}),
    });
    return [row("p50"), row("p99"), row("max")];
  } finally {
    await agent?.stop();
    for (const n of nodes) if (n.proc.exitCode === null) n.proc.send({ type: "stop" });
    await Promise.all(nodes.map((n) => n.stop()));
    await server.stop();
  }
}
