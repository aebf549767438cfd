// Fuzzing the collector's two doors: thousands of malformed, truncated, oversized, binary, torn and
// out-of-order frames at the agent WebSocket (authenticated and not), and random bodies at the API.
// It must stay up (healthz), keep memory bounded, keep stored data intact (only the valid events in
// the mix are added) and close each bad frame with the right code (1008 policy, 1009 too big).
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { z } from "zod";
import { CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, type RunEvent } from "../../shared/protocol.js";
import { CHECK_IDS } from "../../shared/checks.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { createTicket, enrollAgents, markedStep, offlineRunEvents, startFakeAgent, type AgentCredentials } from "../helpers/fake-agent.js";
import { prng } from "../helpers/prng.js";

const WS_FRAMES = 2000;
const API_REQUESTS = 2000;
const PARALLEL = 25;
/** The hub blocks an agent at its 5th violation in 10 min; 4 bad frames per fuzz identity stays under. */
const FRAMES_PER_IDENTITY = 4;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

// A seeded PRNG (test/helpers/prng.ts), so a failing run can be replayed with FUZZ_SEED.
const rnd = prng(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
const randomText = (n: number) => Array.from({ length: n }, () => String.fromCharCode(1 + int(0x2fff))).join("");

let col: TestCollector;
let ticketId: string;
let pool: AgentCredentials[];
let legit: AgentCredentials;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  ticketId = await createTicket(col.url, col.adminToken);
  const all = await enrollAgents(col.url, col.adminToken, 1 + Math.ceil(WS_FRAMES / FRAMES_PER_IDENTITY), ticketId, 20);
  legit = all[0]!;
  pool = all.slice(1);
});

afterAll(async () => {
  await col?.close();
});

// ---- the frame generator: each case says what the collector must answer ----------------------------

type Expect = "1008" | "1009" | "1002" | "ack" | "survive";
interface FuzzCase {
  kind: string;
  hello: boolean;
  expect: Expect;
  send(ws: WebSocket): void;
}

const validStep = (): RunEvent => markedStep(`fuzz_${int(1e9)}`, int(100));
const helloFrame = (protocol = PROTOCOL_VERSION) => JSON.stringify({ type: "hello", protocol, agentVersion: "fuzz", checks: [...CHECK_IDS] });

/** Mutations that make a valid event invalid for sure (each breaks the schema in one place). */
const BREAKERS: ((e: Record<string, unknown>) => void)[] = [
  (e) => (e.type = pick(["steps", "", "STEP", 42, null, "run.cancel", "welcome"])),
  (e) => (e.seq = pick([-1, 1.5, "1", 100001, null, Number.MAX_SAFE_INTEGER])),
  (e) => (e.runId = pick(["", "x", "a".repeat(65), "run id!", 7, "../../etc/passwd"])),
  (e) => delete e.runId,
  (e) => (e.at = pick(["now", 1.5, null, {}])),
  (e) => ((e.result as Record<string, unknown>).check = pick(["format-disk", "", 3])),
  (e) => ((e.result as Record<string, unknown>).status = pick(["great", null])),
  (e) => ((e.result as Record<string, unknown>).findings = Array.from({ length: 201 }, () => ({ code: "X_Y", severity: "info", message: "m" }))),
  (e) => ((e.result as Record<string, unknown>).findings = [{ code: "lower", severity: "info", message: "m" }]),
  (e) => (e.result = pick([null, "ok", [], 1])),
];

function makeCase(): FuzzCase {
  const r = int(100);
  const text = (kind: string, payload: string | Buffer, hello = rnd() < 0.5, expect: Expect = "1008"): FuzzCase => ({
    kind,
    hello,
    expect,
    send: (ws) => ws.send(payload, { binary: Buffer.isBuffer(payload) }),
  });
  if (r < 15) return text("garbage-text", randomText(1 + int(2000)));
  if (r < 30) {
    const s = JSON.stringify(validStep());
    return text("truncated-json", s.slice(0, 1 + int(s.length - 1)));
  }
  if (r < 50) {
    const e = validStep() as unknown as Record<string, unknown>;
    pick(BREAKERS)(e);
    return text("schema-violation", JSON.stringify(e));
  }
  if (r < 58) return text("binary", randomBytes(1 + int(4000)));
  if (r < 63) return text("oversized", "x".repeat(MAX_FRAME_BYTES + 1 + int(100_000)), rnd() < 0.5, "1009");
  if (r < 66) return text("deep-nesting", "[".repeat(50_000) + "]".repeat(50_000));
  if (r < 74) return text("event-before-hello", JSON.stringify(validStep()), false);
  if (r < 77) return text("json-not-object", pick(["null", "1", '"hello"', "[]", "true", "{}"]));
  if (r < 79) return { kind: "protocol-version", hello: false, expect: "1002", send: (ws) => ws.send(helloFrame(PROTOCOL_VERSION + 1 + int(100))) };
  if (r < 87) {
    // Well-formed but out of order / not ours: a step for a run this agent does not own.
    const ev = validStep();
    return { kind: "foreign-run", hello: true, expect: "ack", send: (ws) => ws.send(JSON.stringify(ev)) };
  }
  if (r < 93) {
    // Below the JSON layer: an unmasked client frame or a reserved opcode is a WebSocket protocol error.
    const frame = rnd() < 0.5 ? Buffer.concat([Buffer.from([0x81, 0x05]), Buffer.from("hello")]) : Buffer.from([0x83, 0x80, 1, 2, 3, 4]);
    return { kind: "ws-protocol-error", hello: rnd() < 0.5, expect: "1002", send: (ws) => (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(frame) };
  }
  // A frame torn off mid-header/payload, then the TCP connection dropped.
  return {
    kind: "torn-frame",
    hello: rnd() < 0.5,
    expect: "survive",
    send: (ws) => {
      const sock = (ws as unknown as { _socket: { write(b: Buffer): void; destroy(): void } })._socket;
      sock.write(Buffer.from([0x81, 0xfe, 0x10, 0x00, 1, 2, 3, 4, 0x41]));
      sock.destroy();
    },
  };
}

interface Outcome {
  kind: string;
  expect: Expect;
  got: string;
}

/** One connection: authenticate, maybe say hello, send one fuzz frame, report how it ended. */
function runCase(creds: AgentCredentials, c: FuzzCase): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${col.url.replace("http", "ws")}/agent/ws`, { headers: { authorization: `Bearer ${creds.agentId}.${creds.secret}` }, perMessageDeflate: false });
    let got: string | undefined;
    const done = (g: string) => {
      got ??= g;
      ws.terminate();
    };
    const timer = setTimeout(() => done("timeout"), 10_000);
    ws.on("unexpected-response", (_q, res) => done(`http ${res.statusCode}`));
    ws.on("error", () => undefined);
    ws.on("message", (data) => {
      const f = JSON.parse(String(data)) as { type: string };
      if (f.type === "welcome") {
        if (c.hello) ws.send(helloFrame());
        c.send(ws);
      } else if (f.type === "ack" && c.expect === "ack") done("ack");
    });
    ws.on("close", (code) => {
      clearTimeout(timer);
      if (got === undefined) got = c.expect === "survive" ? "survive" : String(code);
      resolve({ kind: c.kind, expect: c.expect, got });
    });
  });
}

async function inParallel<T>(n: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

const Health = z.object({ ok: z.literal(true) });
// A full GC before each reading, so the figures show what is retained, not garbage not yet collected.
v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const mem = () => {
  gc();
  const m = process.memoryUsage();
  return { rssMb: Math.round(m.rss / 2 ** 20), heapMb: Math.round(m.heapUsed / 2 ** 20) };
};

async function storedCounts() {
  const runs = await col.running.store.listRunsForTicket(ticketId);
  return {
    runs: runs.length,
    steps: runs.reduce((n, r) => n + r.steps.length, 0),
    agents: (await col.running.store.listAgents()).length,
    tickets: (await col.running.store.listTickets({ sort: "created", limit: 500 }, Date.now())).length,
  };
}

describe(`fuzzing the collector (seed ${SEED})`, () => {
  test("WebSocket: every malformed frame gets its close code; valid out-of-order events are stored once", { timeout: 180_000 }, async () => {
    // A legitimate agent's earlier run: must survive the fuzz untouched.
    const agent = startFakeAgent({ url: col.url, creds: legit, backoff: { baseMs: 50, capMs: 500 } });
    await agent.opened();
    for (const ev of offlineRunEvents("fuzz_legit_before", ticketId, 5)) await agent.emit(ev);
    await agent.drained();
    const before = await storedCounts();
    const memBefore = mem();
    const t0 = Date.now();

    // Fuzz cases, each on its own connection (every bad frame closes it), 4 per identity.
    const cases = Array.from({ length: WS_FRAMES }, makeCase);
    // One identity's cases run one after another: two live connections of one agent replace each other.
    const fuzzing = inParallel(
      PARALLEL,
      pool.map((creds, p) => async () => {
        const out: Outcome[] = [];
        for (const c of cases.slice(p * FRAMES_PER_IDENTITY, (p + 1) * FRAMES_PER_IDENTITY)) out.push(await runCase(creds, c));
        return out;
      }),
    ).then((r) => r.flat());
    // Meanwhile the legitimate agent uploads a run with its events shuffled (only run.offline first,
    // which creates the run): all of them must be stored, once each.
    const [first, ...rest] = offlineRunEvents("fuzz_legit_during", ticketId, 50);
    const shuffled = rest.map((e) => [rnd(), e] as const).sort((a, b) => a[0] - b[0]).map(([, e]) => e);
    await agent.emit(first!);
    for (const ev of shuffled) await agent.emit(ev);
    const outcomes = await fuzzing;
    await agent.drained();
    await agent.stop();
    const elapsedMs = Date.now() - t0;

    const wrong = outcomes.filter((o) => o.got !== o.expect);
    const byKind = new Map<string, number>();
    for (const o of outcomes) byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + 1);
    const health = await col.api("/healthz", Health);
    const after = await storedCounts();
    const memAfter = mem();
    console.log(
      `[faults/fuzz-ws] seed=${SEED} frames=${outcomes.length} in ${elapsedMs} ms wrongCloseCode=${wrong.length} kinds=${JSON.stringify(Object.fromEntries(byKind))} healthz=${health.ok} rssMb=${memBefore.rssMb}->${memAfter.rssMb} heapMb=${memBefore.heapMb}->${memAfter.heapMb} stored: runs ${before.runs}->${after.runs} steps ${before.steps}->${after.steps}`,
    );
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(byKind.size).toBeGreaterThanOrEqual(10);
    expect(after).toEqual({ ...before, runs: before.runs + 1, steps: before.steps + 50 });
    const during = await col.running.store.getRun("fuzz_legit_during");
    expect(during?.steps.map((s) => s.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(during?.state).toBe("completed");
    // Generous (the frames total ~60 MB of input, and the last sockets are still closing when this is
    // read; the next test starts ~40 MB lower): what matters is that nothing accumulates per frame.
    expect(memAfter.heapMb - memBefore.heapMb).toBeLessThan(100);
    expect(memAfter.rssMb - memBefore.rssMb).toBeLessThan(300);
    expect(await col.running.store.integrityCheck()).toBe("ok");
  });

  test("API: random and malformed bodies get 4xx, never 5xx; nothing is created", { timeout: 120_000 }, async () => {
    const before = await storedCounts();
    const memBefore = mem();
    const endpoints = ["/api/tickets", "/api/runs", "/api/enrollments", "/api/tokens", `/api/runs/run_${int(1e6)}x/cancel`, "/api/agents/enroll"];
    const bodies: (() => { kind: string; body: string | Buffer; type?: string })[] = [
      // Never empty: an empty body means {} and is a valid enrollment request.
      () => ({ kind: "bytes", body: randomBytes(1 + int(3000)) }),
      () => ({ kind: "text", body: randomText(1 + int(3000)) }),
      () => {
        const s = JSON.stringify({ customer: { name: "x", contact: "y" }, service: "s", symptom: "t", ticketId, agentId: legit.agentId, checks: ["ping"] });
        return { kind: "truncated", body: s.slice(0, 1 + int(s.length - 2)) };
      },
      () => ({ kind: "wrong-types", body: JSON.stringify({ customer: pick([1, "x", null, []]), checks: pick(["ping", [1], {}]), ticketId: pick([1, "../x", ""]), role: pick(["root", 1]), code: int(10), pickupTimeoutS: pick([-1, 1e9, "5"]) }) }),
      () => ({ kind: "json-scalar", body: pick(["null", "1", "[]", '"x"', "true"]) }),
      () => ({ kind: "deep-nesting", body: "[".repeat(20_000) + "]".repeat(20_000) }),
      () => ({ kind: "oversized", body: JSON.stringify({ symptom: "x".repeat(70_000 + int(100_000)) }) }),
      () => ({ kind: "proto-pollution", body: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}' }),
      () => ({ kind: "wrong-content-type", body: "a=1&b=2", type: "application/x-www-form-urlencoded" }),
    ];
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    await inParallel(PARALLEL, Array.from({ length: API_REQUESTS }, () => async () => {
      const path = pick(endpoints);
      const b = pick(bodies)();
      const res = await fetch(`${col.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${col.adminToken}`, "content-type": b.type ?? "application/json" },
        body: b.body,
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) serverErrors.push(`${res.status} ${path} ${b.kind}`);
      // Every route that reads a body must refuse an oversized one (cancel reads none: 404 first).
      if (b.kind === "oversized" && !path.endsWith("/cancel") && res.status !== 413) serverErrors.push(`oversized got ${res.status} on ${path}`);
    }));
    const health = await col.api("/healthz", Health);
    const after = await storedCounts();
    const memAfter = mem();
    console.log(
      `[faults/fuzz-api] seed=${SEED} requests=${API_REQUESTS} statuses=${JSON.stringify(Object.fromEntries(statuses))} serverErrors=${serverErrors.length} healthz=${health.ok} rssMb=${memBefore.rssMb}->${memAfter.rssMb} heapMb=${memBefore.heapMb}->${memAfter.heapMb}`,
    );
    expect(serverErrors.slice(0, 8)).toEqual([]);
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    expect(after).toEqual(before);
    expect(memAfter.heapMb - memBefore.heapMb).toBeLessThan(50);
  });

  // Last: failed authentications trip the per-address limiter (429), which would also refuse the
  // legitimate connections above, all of which come from 127.0.0.1.
  test("unauthenticated upgrades and junk HTTP are refused (401, then 429) and the collector stays up", { timeout: 60_000 }, async () => {
    const before = await storedCounts();
    const headers = () =>
      pick<Record<string, string>>([
        {},
        { authorization: "" },
        { authorization: `Bearer ${randomText(40)}` },
        { authorization: `Bearer ${pool[0]!.agentId}.${"A".repeat(43)}` },
        { authorization: `Bearer ${pool[0]!.agentId}` },
        { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
        { authorization: `Bearer ag_${"x".repeat(70)}.${"y".repeat(300)}` },
      ]);
    const results = await inParallel(PARALLEL, Array.from({ length: 300 }, () => () =>
      new Promise<string>((resolve) => {
        let h: Record<string, string>;
        try {
          h = headers();
          const ws = new WebSocket(`${col.url.replace("http", "ws")}/agent/ws`, { headers: h });
          ws.on("unexpected-response", (_q, res) => {
            resolve(String(res.statusCode));
            ws.terminate();
          });
          ws.on("open", () => {
            resolve("open");
            ws.terminate();
          });
          ws.on("error", (e) => resolve(`error ${e.message}`));
        } catch (e) {
          resolve(`client refused: ${(e as Error).message}`); // a header ws itself will not send
        }
      }),
    ));
    // Junk that is not even HTTP, straight to the port.
    const { connect } = await import("node:net");
    await inParallel(PARALLEL, Array.from({ length: 200 }, () => () =>
      new Promise<void>((resolve) => {
        const s = connect(col.running.port, "127.0.0.1", () => s.end(randomBytes(1 + int(5000))));
        s.on("error", () => resolve());
        s.on("close", () => resolve());
        s.resume();
      }),
    ));
    const counts = new Map<string, number>();
    for (const r of results) counts.set(r.replace(/client refused.*/, "client refused"), (counts.get(r.replace(/client refused.*/, "client refused")) ?? 0) + 1);
    const health = await col.api("/healthz", Health);
    console.log(`[faults/fuzz-unauth] upgrades=${results.length} outcomes=${JSON.stringify(Object.fromEntries(counts))} junkConnections=200 healthz=${health.ok}`);
    expect(counts.get("open")).toBeUndefined();
    expect([...counts.keys()].every((k) => k === "401" || k === "429" || k === "client refused")).toBe(true);
    expect(counts.get("401")).toBeGreaterThan(0);
    expect(counts.get("429")).toBeGreaterThan(0);
    expect(await storedCounts()).toEqual(before);
  });
});

// CloseCode values used above, asserted so a renumbering in shared/protocol.ts shows up here.
test("close codes the fuzz expects", () => {
  expect([CloseCode.policyViolation, CloseCode.messageTooBig, CloseCode.protocolError]).toEqual([1008, 1009, 1002]);
});
