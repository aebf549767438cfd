// Bench: the web console's pages with a thousand tickets in the store (issue goal: every page under
// 200 ms on loopback). A real collector on port 0 with a real SQLite file, seeded through the Store
// (1000 tickets in every lifecycle status, a run with a full diagnosis and its verdict on 300 of them,
// two on the first ten),
// signed in through the real sign-in form; each page is fetched sequentially, after a warm-up. The
// baseline is GET /healthz on the same server in the same run: what any request costs here.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CollectorConfig } from "../collector/config.js";
import { startCollector } from "../collector/server.js";
import type { Store } from "../collector/store/types.js";
import { isolateFault } from "../agent/verdict/isolate-fault.js";
import { createLogger } from "../shared/log.js";
import { hashSecret, randomId, randomSecret } from "../shared/secrets.js";
import type { TicketAction } from "../shared/ticket.js";
import type { BenchRow } from "./report.js";
import { healthyDiagnosis } from "./steps.js";

const TICKETS = 1000;
const WITH_RUNS = 300;
const GOAL_MS = 200;
const SEVERITIES = ["general", "important", "severe"] as const;

/** Walks ticket i to one of the lifecycle's statuses (every status appears). */
function actionsFor(i: number, runId: string): TicketAction[] {
  const walk: TicketAction[] = [
    { kind: "diagnosis_triggered", runId },
    { kind: "set_status", to: "waiting_customer" },
    { kind: "escalate", to: "field_service" },
    { kind: "resolve", resolution: { rootCause: "splitter loose", fix: "re-seated it", unverifiedReason: "bench", cause: "WAN_LINK_DOWN", segment: "wan" } },
    { kind: "close", confirmation: { outcome: "confirmed", satisfaction: 4 } },
  ];
  return walk.slice(0, i % (walk.length + 1));
}

async function seed(store: Store): Promise<{ ticketIds: string[]; agentId: string; runIds: string[][] }> {
  const now = Date.now();
  const agentId = randomId("ag_");
  await store.createAgent({ id: agentId, name: "bench-site", secretHash: hashSecret(randomSecret("")), createdAt: now });
  const steps = healthyDiagnosis();
  const verdict = isolateFault(steps);
  const ticketIds: string[] = [];
  const runIds: string[][] = [];
  for (let b = 0; b < TICKETS; b += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, TICKETS - b) }, async (_, j) => {
        const i = b + j;
        const id = randomId("tk_");
        ticketIds[i] = id;
        const created = now - (TICKETS - i) * 60_000;
        await store.createTicket(id, { customer: { name: `Customer ${i}`, contact: `+86 138 ${String(i).padStart(8, "0")}`, site: `Bldg ${i % 40}` }, service: "Fiber 300M", symptom: `bench ticket ${i}: internet down`, category: "network", severity: SEVERITIES[i % 3]! }, "bench", created);
        // Two runs on the first tickets (the comparison page), one on the next, none on the rest.
        runIds[i] = Array.from({ length: i < 10 ? 2 : i < WITH_RUNS ? 1 : 0 }, () => randomId("run_"));
        for (const [k, runId] of runIds[i]!.entries()) {
          await store.createRun({ id: runId, ticketId: id, agentId, checks: steps.map((s) => s.check), params: {}, requestedBy: "bench", pickupBy: now + 3_600_000, createdAt: created + 1000 + k });
          await store.appendRunEvent(agentId, { type: "run.accepted", runId, seq: 0, at: now }, now);
          let seq = 1;
          for (const result of steps) await store.appendRunEvent(agentId, { type: "step", runId, seq: seq++, at: now, result }, now);
          await store.appendRunEvent(agentId, { type: "verdict", runId, seq: seq++, at: now, verdict }, now);
          await store.appendRunEvent(agentId, { type: "run.finished", runId, seq, at: now, outcome: "completed", steps: steps.length }, now);
        }
        for (const a of actionsFor(i, runIds[i]![0] ?? randomId("run_"))) await store.transitionTicket(id, a, "bench", created + 2000);
      }),
    );
  }
  return { ticketIds, agentId, runIds };
}

/** Signs in through the form with an admin API token; returns the Cookie header for the session. */
async function signIn(url: string, token: string): Promise<string> {
  const jar = new Map<string, string>();
  const absorb = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const page = await fetch(`${url}/login`, { headers: { cookie: cookie() } });
  absorb(page);
  const csrf = /name="_csrf" value="([^"]*)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${url}/login/token`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, _csrf: csrf }).toString(),
  });
  absorb(res);
  if (res.status !== 303) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return cookie();
}

interface Timing {
  p50: number;
  p99: number;
  max: number;
  bytes: number;
}

async function timePage(url: string, cookie: string, n: number): Promise<Timing> {
  const once = async () => {
    const t = performance.now();
    const res = await fetch(url, { headers: { cookie }, redirect: "manual" });
    const body = await res.arrayBuffer();
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    return { ms, bytes: body.byteLength };
  };
  for (let i = 0; i < 5; i++) await once();
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await once();
    samples.push(r.ms);
    bytes = r.bytes;
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99), max: samples[samples.length - 1]!, bytes };
}

export async function webBench(quick: boolean): Promise<BenchRow[]> {
  const n = quick ? 20 : 100;
  const dir = await mkdtemp(join(tmpdir(), "netdiag-bench-web-"));
  const c = await startCollector(CollectorConfig.parse({ dataDir: dir, host: "127.0.0.1", port: 0, logLevel: "silent" }), { log: createLogger("bench", "silent") });
  try {
    const { ticketIds, agentId, runIds } = await seed(c.store);
    const [before, after] = runIds[6]!;
    const cookie = await signIn(c.url, c.bootstrapAdminToken!);
    const base = await timePage(`${c.url}/healthz`, cookie, n);
    const pages: [string, string][] = [
      ["ticket list (1000 tickets, deadline sort)", "/tickets"],
      ["ticket list filtered (overdue, severe)", "/tickets?overdue=1&severity=severe"],
      ["ticket page (2 runs with 8 steps + verdict each)", `/tickets/${ticketIds[6]}`],
      ["verify-fix comparison page", `/tickets/${ticketIds[6]}/compare?before=${before}&after=${after}`],
      ["hand-over page", `/tickets/${ticketIds[6]}/handover`],
      ["device page (300 runs on record)", `/devices/${agentId}`],
      ["audit trail page", "/admin/audit"],
    ];
    const rows: BenchRow[] = [];
    for (const [name, path] of pages) {
      const t = await timePage(`${c.url}${path}`, cookie, n);
      rows.push({
        bench: "web",
        metric: `${name} p50`,
        unit: "ms",
        value: t.p50,
        baselineName: "GET /healthz p50",
        baseline: base.p50,
        better: "lower",
        note: `p99 ${t.p99.toFixed(1)} ms, max ${t.max.toFixed(1)} ms, ${(t.bytes / 1024).toFixed(0)} KiB, n=${n}; goal < ${GOAL_MS} ms: ${t.max < GOAL_MS ? "met" : "MISSED"}`,
      });
    }
    return rows;
  } finally {
    await c.close();
    await rm(dir, { recursive: true, force: true });
  }
}
