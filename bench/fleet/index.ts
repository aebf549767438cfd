// The fleet bench (`--only fleet`, docs/bench.md): one collector process with up to ~19,000 connected
// agents (this machine's open-file limit is 20,000 per process), every figure beside a baseline
// measured in this run. Server in a child process of its own (server-child.ts), the idle agents in
// CLIENT_PROCS more (clients-child.ts), the engineer, the viewer and the instant agent here.
//   1. RSS and heap per connected agent at each step, against a bare ws server with as many plain
//      connections; heartbeat CPU per round at the maximum; connect rate.
//   2. Trigger latency (trigger-latency.ts) with 0, 1,000 and the maximum agents connected.
//   3. Reconnect storm: every idle link cut at once; time until all are back, peak CPU and RSS,
//      refused and failed attempts.
//   4. Agent footprint (agent-footprint.ts): idle RSS of a connected real agent next to a bare node.
import { startChild, type Child } from "../child.js";
import type { BenchRow } from "../report.js";
import type { SeededAgent } from "../seed.js";
import { measureFootprint } from "./agent-footprint.js";
import type { ClientsMessage, ClientsRequest, StormReport } from "./clients-child.js";
import { InstantAgent } from "./instant-agent.js";
import type { FleetServerMessage, FleetServerMode, FleetServerRequest, MemSample } from "./server-child.js";
import { kbPerConn, peakCpuPct, summarize, type LatencySummary } from "./stats.js";
import { measureTriggers } from "./trigger-latency.js";

/** The collector's default heartbeat (collector/config.ts): the fleet is measured as it runs in production. */
const HEARTBEAT_MS = 5000;
/** Processes holding the idle agents: each has its own fd limit, and 2 share this 2-core machine's load. */
const CLIENT_PROCS = 2;
/** Goals of issue 13. */
const RSS_GOAL_RATIO = 1.5;
const P99_GOAL_MS = 20;
const AGENT_RSS_GOAL_MB = 50;
/** A storm that has not settled by then is reported as such (some links never came back). */
const STORM_DEADLINE_MS = 60_000;

interface Plan {
  max: number;
  steps: number[];
  latencyAt: number[];
  triggers: number;
  cpuWindowMs: number;
}

const planFor = (quick: boolean): Plan =>
  quick
    ? { max: 1000, steps: [500, 1000], latencyAt: [0, 1000], triggers: 30, cpuWindowMs: HEARTBEAT_MS }
    : { max: 19_000, steps: [1000, 5000, 19_000], latencyAt: [0, 1000, 19_000], triggers: 200, cpuWindowMs: 2 * HEARTBEAT_MS };

type Server = Child<FleetServerMessage>;
type Clients = Child<ClientsMessage>;

async function expect<T extends FleetServerMessage["type"]>(c: Server, type: T): Promise<Extract<FleetServerMessage, { type: T }>> {
  const m = await c.next();
  if (m.type !== type) throw new Error(`fleet server: expected ${type}, got ${m.type}`);
  return m as Extract<FleetServerMessage, { type: T }>;
}

async function expectClients<T extends ClientsMessage["type"]>(c: Clients, type: T): Promise<Extract<ClientsMessage, { type: T }>> {
  const m = await c.next();
  if (m.type !== type) throw new Error(`fleet clients: expected ${type}, got ${m.type}`);
  return m as Extract<ClientsMessage, { type: T }>;
}

const ask = (c: Server, m: FleetServerRequest) => c.proc.send(m);
const tell = (c: Clients, m: ClientsRequest) => c.proc.send(m);

interface Phase {
  before: MemSample;
  /** Memory at each step, with the connections the server counted. */
  mem: Map<number, MemSample>;
  /** Connections per second while opening (from the previous step) to each step. */
  connectRate: Map<number, number>;
  cpu?: { perRoundMs: number; pctOfCore: number; pingsPerRound: number };
  latency: Map<number, { toAnswer: LatencySummary; toAgent: LatencySummary; toViewer: LatencySummary; floor: LatencySummary }>;
  storm?: { reports: StormReport[]; peakCpuPct: number; peakRss: number; idleRss: number; minConnections: number };
}

/** Opens the fleet up to each step, calling `at(step)` once the server counted them. */
async function openSteps(mode: FleetServerMode, p: Plan, server: Server, clients: Clients[], agents: SeededAgent[], url: string, phase: Phase, at: (step: number) => Promise<void>): Promise<void> {
  let opened = 0;
  for (const step of p.steps) {
    const t0 = performance.now();
    // Each client process takes an even share of the new connections.
    const share = (k: number) => [Math.floor(opened + ((step - opened) * k) / clients.length), Math.floor(opened + ((step - opened) * (k + 1)) / clients.length)] as const;
    clients.forEach((c, k) => {
      const [from, to] = share(k);
      tell(c, { type: "open", url, count: to - from, ...(mode === "collector" ? { agents: agents.slice(from, to) } : {}) });
    });
    for (const c of clients) await expectClients(c, "opened");
    const extra = mode === "collector" ? 1 : 0; // the instant agent
    ask(server, { type: "sample", expect: step + extra });
    const s = (await expect(server, "sample")).sample;
    if (s.connections < step + extra) throw new Error(`${mode}: the server counted ${s.connections} of ${step + extra} connections`);
    phase.connectRate.set(step, (step - opened) / ((performance.now() - t0) / 1000));
    phase.mem.set(step, s);
    opened = step;
    await at(step);
  }
}

async function heartbeatCpu(server: Server, windowMs: number): Promise<NonNullable<Phase["cpu"]>> {
  ask(server, { type: "cpu", windowMs });
  const c = await expect(server, "cpu");
  const rounds = c.windowMs / HEARTBEAT_MS;
  return { perRoundMs: c.cpuUs / 1000 / rounds, pctOfCore: (c.cpuUs / 1000 / c.windowMs) * 100, pingsPerRound: c.pings / rounds };
}

async function runPhase(mode: FleetServerMode, p: Plan): Promise<Phase> {
  const server = startChild<FleetServerMessage>("fleet/server-child.js", [mode, String(p.max), String(HEARTBEAT_MS)]);
  const clients = Array.from({ length: CLIENT_PROCS }, () => startChild<ClientsMessage>("fleet/clients-child.js", []));
  let agent: InstantAgent | undefined;
  try {
    const ready = await expect(server, "ready");
    const phase: Phase = { before: ready.before, mem: new Map(), connectRate: new Map(), latency: new Map() };
    const latency = async (n: number) => {
      if (!agent || !p.latencyAt.includes(n)) return;
      const s = await measureTriggers({ triggerUrl: ready.url, viewerUrl: ready.url, floorUrl: ready.url, token: ready.engineerToken, ticketId: ready.ticketId, agent }, p.triggers);
      phase.latency.set(n, { toAnswer: summarize(s.toAnswer), toAgent: summarize(s.toAgent), toViewer: summarize(s.toViewer), floor: summarize(s.floor) });
    };
    if (mode === "collector") {
      // The latency agent is one more enrolled agent, never one of the idle fleet's.
      const [latencyCreds, ...fleet] = ready.agents;
      ready.agents = fleet;
      agent = new InstantAgent(ready.url, latencyCreds!);
      await agent.opened();
      await latency(0);
    }
    await openSteps(mode, p, server, clients, ready.agents, ready.url, phase, async (step) => {
      if (step === p.max) phase.cpu = await heartbeatCpu(server, p.cpuWindowMs);
      await latency(step);
    });
    if (mode === "collector") {
      const idleRss = phase.mem.get(p.max)!.rss;
      ask(server, { type: "watch", periodMs: 100 });
      for (const c of clients) tell(c, { type: "cut", deadlineMs: STORM_DEADLINE_MS });
      const reports: StormReport[] = [];
      for (const c of clients) reports.push((await expectClients(c, "storm")).report);
      ask(server, { type: "unwatch" });
      const w = await expect(server, "watched");
      phase.storm = { reports, peakCpuPct: peakCpuPct(w.cpu), peakRss: w.peakRss, idleRss, minConnections: w.minConnections };
    }
    return phase;
  } finally {
    await agent?.stop();
    for (const c of clients) {
      if (c.proc.exitCode === null) c.proc.send({ type: "stop" });
    }
    await Promise.all(clients.map((c) => c.stop()));
    await server.stop();
  }
}

const MB = 1024 * 1024;
const verdict = (ok: boolean) => (ok ? "goal met" : "GOAL MISSED");
const sum = (xs: Record<string, number>[]) => xs.reduce<Record<string, number>>((acc, x) => {
  for (const [k, v] of Object.entries(x)) acc[k] = (acc[k] ?? 0) + v;
  return acc;
}, {});
const fmtCounts = (c: Record<string, number>) => (Object.keys(c).length ? Object.entries(c).map(([k, v]) => `${k} x${v}`).join(", ") : "none");

export async function fleetBench(quick: boolean): Promise<BenchRow[]> {
  const p = planFor(quick);
  const bare = await runPhase("bare", p);
  const real = await runPhase("collector", p);
  const rows: BenchRow[] = [];
  const b = { bench: "fleet" };

  for (const step of p.steps) {
    const r = real.mem.get(step)!;
    const s = bare.mem.get(step)!;
    const rssKb = kbPerConn(real.before.rss, r.rss, r.connections);
    const bareKb = kbPerConn(bare.before.rss, s.rss, s.connections);
    rows.push({
      ...b,
      metric: `RSS per agent @${step}`,
      unit: "KB/conn",
      value: rssKb,
      baselineName: "bare ws, same conns",
      baseline: bareKb,
      better: "lower",
      note: `${(rssKb / bareKb).toFixed(2)}x the bare figure (goal <= ${RSS_GOAL_RATIO}x: ${verdict(rssKb <= RSS_GOAL_RATIO * bareKb)}); collector RSS ${(r.rss / MB).toFixed(0)} MiB (${(real.before.rss / MB).toFixed(0)} before any connection), heap ${kbPerConn(real.before.heapUsed, r.heapUsed, r.connections).toFixed(1)} KB/conn (bare ${kbPerConn(bare.before.heapUsed, s.heapUsed, s.connections).toFixed(1)}); after gc()`,
    });
  }
  rows.push({
    ...b,
    metric: `connect rate 0->${p.max}`,
    unit: "conns/s",
    value: p.max / p.steps.reduce((t, s, i) => t + (s - (p.steps[i - 1] ?? 0)) / real.connectRate.get(s)!, 0),
    baselineName: "bare ws",
    baseline: p.max / p.steps.reduce((t, s, i) => t + (s - (p.steps[i - 1] ?? 0)) / bare.connectRate.get(s)!, 0),
    better: "higher",
    note: `${CLIENT_PROCS} client processes opening 100 at a time each; collector: Bearer auth, store lookup, welcome/hello, lastSeen write per connection`,
  });
  rows.push({
    ...b,
    metric: `heartbeat CPU per round @${p.max}`,
    unit: "ms/round",
    value: real.cpu!.perRoundMs,
    baselineName: "bare ws + README heartbeat",
    baseline: bare.cpu!.perRoundMs,
    better: "lower",
    note: `${HEARTBEAT_MS} ms interval (the default), ${(p.cpuWindowMs / HEARTBEAT_MS).toFixed(0)} rounds, idle fleet: ${real.cpu!.pctOfCore.toFixed(1)}% of a core (bare ${bare.cpu!.pctOfCore.toFixed(1)}%), ${real.cpu!.pingsPerRound.toFixed(0)} pings/round (bare ${bare.cpu!.pingsPerRound.toFixed(0)}); ${((real.cpu!.perRoundMs * 1000) / p.max).toFixed(1)} µs per agent per round`,
  });
  const zero = real.latency.get(0)!;
  for (const n of p.latencyAt) {
    const l = real.latency.get(n)!;
    for (const q of ["p50", "p99", "max"] as const) {
      const atMax = n === p.max && q === "p99";
      rows.push({
        ...b,
        metric: `trigger -> first step on SSE ${q} @${n}`,
        unit: "ms",
        value: l.toViewer[q],
        baselineName: "GET /healthz, interleaved",
        baseline: l.floor[q],
        better: "lower",
        note:
          `${l.toViewer.n} triggers one at a time (POST /api/runs, then GET /api/runs/:id/events as --follow does), ${q}: POST answered ${l.toAnswer[q].toFixed(1)} ms, request at the agent ${l.toAgent[q].toFixed(1)} ms` +
          (n > 0 ? `; @0 agents ${zero.toViewer[q].toFixed(1)} ms` : "") +
          (atMax ? `; goal p99 <= ${P99_GOAL_MS} ms at the maximum: ${verdict(l.toViewer.p99 <= P99_GOAL_MS)}` : ""),
      });
    }
  }
  const st = real.storm!;
  const allBack = st.reports.map((r) => r.allBackMs);
  const backMs = allBack.some((x) => x === undefined) ? Number.NaN : Math.max(...(allBack as number[]));
  const links = st.reports.reduce((t, r) => t + r.links, 0);
  const reopened = st.reports.reduce((t, r) => t + r.reopened, 0);
  const attempts = st.reports.reduce((t, r) => t + r.attempts, 0);
  const refused = sum(st.reports.map((r) => r.refused));
  const errors = sum(st.reports.map((r) => r.errors));
  const openAllMs = (p.max / rows.find((r) => r.metric.startsWith("connect rate"))!.value) * 1000;
  rows.push({
    ...b,
    metric: `reconnect storm: all ${links} back`,
    unit: "ms",
    value: backMs,
    baselineName: `first connect of the ${p.max}`,
    baseline: openAllMs,
    better: "lower",
    note: `every idle link cut at once (client side); ${reopened}/${links} back within ${STORM_DEADLINE_MS / 1000} s; ${attempts} attempts (${(attempts / links).toFixed(2)} per link); refused by the collector: ${fmtCounts(refused)}; failed below HTTP: ${fmtCounts(errors)}; fewest connected during the storm ${st.minConnections}`,
  });
  rows.push({
    ...b,
    metric: "reconnect storm: peak RSS",
    unit: "MiB",
    value: st.peakRss / MB,
    baselineName: `idle RSS @${p.max}`,
    baseline: st.idleRss / MB,
    better: "lower",
    note: `sampled every 100 ms; peak CPU ${st.peakCpuPct.toFixed(0)}% of a core (idle at the maximum: ${real.cpu!.pctOfCore.toFixed(1)}%)`,
  });

  const fp = await measureFootprint();
  for (const [name, m] of Object.entries(fp.agent)) {
    rows.push({
      ...b,
      metric: `agent idle RSS (${name})`,
      unit: "MiB",
      value: m.rss / MB,
      baselineName: "bare node -e",
      baseline: fp.bareNode.rss / MB,
      better: "lower",
      note: `netdiag-agent run, enrolled and connected, idle 3 s; peak ${(m.hwm / MB).toFixed(1)} MiB; goal <= ${AGENT_RSS_GOAL_MB} MB: ${verdict(m.rss <= AGENT_RSS_GOAL_MB * 1e6)}`,
    });
  }
  return rows;
}
