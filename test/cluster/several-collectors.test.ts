// Several collectors on one PostgreSQL (docs/cluster.md), as deployed: three REAL collector processes
// (dist/collector/main.js --database postgres://...) behind a plain round-robin TCP proxy, an agent
// that is the real link client (outbox, replay, backoff) connected through the proxy, engineers'
// requests sent to chosen nodes. Proves: a run triggered on node A reaches the agent on node B; an SSE
// viewer on node C sees every step, the verdict and the end, each once and in order; kill -9 of node
// B mid-run: the agent reconnects through the proxy to another node, the run completes and every
// event is stored exactly once (seqs contiguous, nothing acknowledged lost); presence holds across
// nodes; after PostgreSQL cut every node's LISTEN connection, the nodes reconnect and catch up, and a
// run request, a cancel and a revocation made on one node still reach the agent on another.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { z } from "zod";
import { Agent, Run } from "../../shared/api.js";
import { httpJson } from "../../shared/http-client.js";
import { CloseCode, type RunEvent, type ServerFrame } from "../../shared/protocol.js";
import { readSse } from "../../cli/sse.js";
import { startBin, type Daemon } from "../helpers/cli.js";
import { createTicket, enrollAgents, markedStep, markOf, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { createTestDatabase, PG_SKIP } from "../helpers/postgres.js";
import { startRoundRobinProxy, type RoundRobinProxy } from "../helpers/round-robin-proxy.js";
import { titled } from "../helpers/system-deps.js";
import { judge, LINE_DOWN } from "../collector/tickets/desk-fixtures.js";

const HEARTBEAT_MS = 1000;
const Health = z.object({ ok: z.literal(true), agentsConnected: z.number(), nodeId: z.string() });

interface Node {
  daemon: Daemon;
  url: string;
  port: number;
  dir: string;
}

let dbUrl: string;
const nodes: Node[] = [];
let proxy: RoundRobinProxy | undefined;
let token: string;
let ticketId: string;
const agents: FakeAgent[] = [];

async function startNode(): Promise<Node> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-node-"));
  const daemon = startBin("collector", ["--database", dbUrl, "--data-dir", dir, "--port", "0", "--host", "127.0.0.1", "--log-level", "warn", "--heartbeat-ms", String(HEARTBEAT_MS)]);
  const line = await daemon.waitFor(/is running at http:\/\/127\.0\.0\.1:\d+/, 30_000);
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
  return { daemon, url, port: Number(new URL(url).port), dir };
}

const alive = (n: Node) => n.daemon.proc.exitCode === null && n.daemon.proc.signalCode === null;
const health = (n: Node) => httpJson(`${n.url}/healthz`, Health);
const api = <S extends z.ZodType>(n: Node, path: string, schema: S, body?: unknown) => httpJson(`${n.url}${path}`, schema, { token, ...(body !== undefined ? { body } : {}) });

/** The node whose hub holds the agent's socket now (asked of every live node). */
async function holderOf(count: number): Promise<Node[]> {
  const live = nodes.filter(alive);
  const counts = await Promise.all(live.map(async (n) => [n, (await health(n)).agentsConnected] as const));
  return counts.filter(([, c]) => c >= count).map(([n]) => n);
}

beforeAll(async () => {
  if (PG_SKIP) return;
  dbUrl = await createTestDatabase(inject("pgUrl"));
  // The first node creates the schema and the bootstrap admin token; the others start on the same database.
  nodes.push(await startNode());
  token = /NETDIAG_TOKEN=(\S+)\n/.exec(await nodes[0]!.daemon.waitFor(/NETDIAG_TOKEN=\S+\n/))![1]!;
  nodes.push(...(await Promise.all([startNode(), startNode()])));
  proxy = await startRoundRobinProxy(nodes.map((n) => n.port));
  ticketId = await createTicket(nodes[0]!.url, token);
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await proxy?.close();
  // A node killed by the test has exited already; the others drain (exit 0).
  const codes = await Promise.all(nodes.filter(alive).map((n) => n.daemon.stop("SIGTERM")));
  expect(codes.every((c) => c === 0)).toBe(true);
  await Promise.all(nodes.map((n) => rm(n.dir, { recursive: true, force: true })));
});

/** Reads a run's SSE stream on one node in the background, every event kept in order. */
function watch(n: Node, runId: string) {
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const ac = new AbortController();
  const done = (async () => {
    try {
      for await (const e of readSse(`${n.url}/api/runs/${runId}/events`, token, ac.signal)) events.push({ event: e.event, data: JSON.parse(e.data) as Record<string, unknown> });
    } catch (e) {
      if (!ac.signal.aborted) throw e;
    }
  })();
  return { events, done, stop: () => ac.abort() };
}

describe.skipIf(PG_SKIP)(titled("three collectors on one PostgreSQL behind a round-robin TCP proxy", PG_SKIP), () => {
  test("trigger on A, agent on B, viewer on C; kill -9 of B mid-run; exactly once", { timeout: 120_000 }, async () => {
    const [creds] = await enrollAgents(nodes[1]!.url, token, 1, ticketId);
    const requests: string[] = [];
    const agent = startFakeAgent({
      url: proxy!.url,
      creds: creds!,
      backoff: { baseMs: 50, capMs: 500 },
      onFrame: (f: ServerFrame) => void (f.type === "run.request" && requests.push(f.runId)),
    });
    agents.push(agent);
    await agent.opened();
    await expect.poll(async () => (await holderOf(1)).length, { timeout: 20_000 }).toBe(1);
    const b = (await holderOf(1))[0]!;
    const [a, c] = nodes.filter((n) => n !== b);

    // Presence across nodes: A and C say the agent is connected though B holds it.
    for (const n of [a!, c!]) {
      await expect.poll(async () => (await api(n, "/api/agents", z.array(Agent))).find((x) => x.id === agent.agentId)?.connected, { timeout: 10_000 }).toBe(true);
    }

    // A ticket watcher on C too (GET /api/tickets/:id/events: a line per state change of its runs).
    const ticketEvents: Record<string, unknown>[] = [];
    const ticketWatch = new AbortController();
    const ticketDone = (async () => {
      try {
        for await (const e of readSse(`${c!.url}/api/tickets/${ticketId}/events`, token, ticketWatch.signal)) ticketEvents.push(JSON.parse(e.data) as Record<string, unknown>);
      } catch (e) {
        if (!ticketWatch.signal.aborted) throw e;
      }
    })();
    await expect.poll(() => ticketEvents.some((e) => e.type === "watching"), { timeout: 10_000 }).toBe(true);

    const run = await api(a!, "/api/runs", Run, { ticketId, agentId: agent.agentId, checks: ["ping"], pickupTimeoutS: 300 });
    const viewer = watch(c!, run.id);
    // The request made on A reached the agent connected to B.
    await expect.poll(() => requests.includes(run.id), { timeout: 15_000 }).toBe(true);

    const produced: RunEvent[] = [];
    let seq = 0;
    const emit = async (ev: RunEvent) => {
      produced.push(ev);
      await agent.emit(ev);
    };
    await emit({ type: "run.received", runId: run.id, seq: seq++, at: Date.now() });
    await emit({ type: "run.accepted", runId: run.id, seq: seq++, at: Date.now() });
    for (let i = 0; i < 5; i++) await emit(markedStep(run.id, seq++));
    await agent.drained();
    const steps = () => viewer.events.filter((e) => e.event === "step").map((e) => e.data.seq as number);
    // The viewer on C sees B's steps live.
    await expect.poll(steps, { timeout: 15_000 }).toEqual([2, 3, 4, 5, 6]);

    // More steps go out and B is killed while some are not acknowledged yet.
    for (let i = 0; i < 5; i++) await emit(markedStep(run.id, seq++));
    const unackedAtKill = agent.outbox.pending().length;
    b.daemon.proc.kill("SIGKILL");
    await new Promise((r) => b.daemon.proc.once("exit", r));

    // The agent comes back through the proxy to a live node and replays its outbox.
    await expect.poll(() => agent.opens.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 5; i++) await emit(markedStep(run.id, seq++));
    await emit({ type: "verdict", runId: run.id, seq: seq++, at: Date.now(), verdict: judge(LINE_DOWN()) });
    await emit({ type: "run.finished", runId: run.id, seq: seq++, at: Date.now(), outcome: "completed", steps: 15 });
    await agent.drained();

    // The viewer on C (never killed) saw every step once, in order, then the verdict, then the end.
    await expect.poll(() => viewer.events.some((e) => e.event === "state" && e.data.state === "completed"), { timeout: 20_000 }).toBe(true);
    await viewer.done;
    const stepSeqs = Array.from({ length: 15 }, (_, i) => i + 2);
    expect(steps()).toEqual(stepSeqs);
    expect(viewer.events.filter((e) => e.event === "verdict")).toHaveLength(1);
    const kinds = viewer.events.map((e) => e.event);
    expect(kinds.lastIndexOf("step")).toBeLessThan(kinds.indexOf("verdict"));
    expect(kinds.at(-1)).toBe("state");
    const states = viewer.events.filter((e) => e.event === "state").map((e) => `${String(e.data.state)}|${String(e.data.reason ?? "")}`);
    expect(states.filter((s, i) => s === states[i - 1])).toEqual([]);

    // The ticket's watcher on C heard of the run's states, ending with its completion.
    await expect.poll(() => ticketEvents.some((e) => e.type === "run" && e.runId === run.id && e.state === "completed"), { timeout: 20_000 }).toBe(true);
    ticketWatch.abort();
    await ticketDone;

    // Exactly once in the database: read straight from PostgreSQL, not through the code under test.
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const rows = (await db.query<{ seq: string; type: string; body: string }>("SELECT seq, type, body FROM run_events WHERE run_id = $1 ORDER BY seq", [run.id])).rows;
      expect(rows.map((r) => Number(r.seq))).toEqual(produced.map((e) => e.seq));
      const marks = rows.filter((r) => r.type === "step").map((r) => markOf((JSON.parse(r.body) as Extract<RunEvent, { type: "step" }>).result));
      expect(new Set(marks).size).toBe(15);
      expect(marks).toEqual(stepSeqs.map((s) => `${run.id}:${s}`));
    } finally {
      await db.end();
    }
    const stored = await api(c!, `/api/runs/${run.id}`, Run);
    expect(stored.state).toBe("completed");
    console.log(`[cluster] unackedAtKill=${unackedAtKill} reconnects=${agent.opens.length - 1} viewerEvents=${viewer.events.length} proxyRefused=${proxy!.refused}`);
  });

  test("after every node's LISTEN connection is cut: a run triggered and cancelled on one node reaches the agent on another; a revocation there closes its socket", { timeout: 60_000 }, async () => {
    const live = nodes.filter(alive);
    // PostgreSQL ends every node's listening session (as a server restart or a cut would).
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const cut = await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'netdiag-cluster-listen'");
      expect(cut.rowCount).toBe(live.length);
    } finally {
      await db.end();
    }
    // Each node reconnects, LISTENs again and catches up from the store.
    const resyncs = async (n: Node) => {
      const text = await (await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      return Number(/^netdiag_cluster_signals\{kind="resync"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    for (const n of live) await expect.poll(() => resyncs(n), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);

    const [creds] = await enrollAgents(live[0]!.url, token, 1, ticketId);
    const before = await Promise.all(live.map(async (n) => (await health(n)).agentsConnected));
    const agent = startFakeAgent({ url: proxy!.url, creds: creds!, backoff: { baseMs: 50, capMs: 500 } });
    agents.push(agent);
    await agent.opened();
    // Which node took it: the one whose count went up.
    let holder: Node | undefined;
    await expect.poll(async () => {
      const now = await Promise.all(live.map(async (n) => (await health(n)).agentsConnected));
      holder = live.find((_, i) => now[i]! > before[i]!);
      return holder !== undefined;
    }, { timeout: 10_000 }).toBe(true);
    const other = live.find((n) => n !== holder)!;

    const run = await api(other, "/api/runs", Run, { ticketId, agentId: agent.agentId, checks: ["ping"], pickupTimeoutS: 300 });
    await expect.poll(() => agent.frames.some((f) => f.type === "run.request" && f.runId === run.id), { timeout: 10_000 }).toBe(true);
    const cancelled = await api(other, `/api/runs/${run.id}/cancel`, z.object({ cancelled: z.literal(true), deliveredToAgent: z.boolean() }), {});
    expect(cancelled.deliveredToAgent).toBe(true);
    await expect.poll(() => agent.frames.some((f) => f.type === "run.cancel" && f.runId === run.id), { timeout: 10_000 }).toBe(true);

    await api(other, `/api/agents/${agent.agentId}/revoke`, z.object({ revoked: z.literal(true) }), {});
    await expect.poll(() => agent.closes, { timeout: 10_000 }).toContain(CloseCode.revoked);
  });
});
