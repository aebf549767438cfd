// Per-agent rate and volume limits and bounded reads, against a real collector with a clock the test
// moves (no sleeps). A flood is slowed to the frame rate without losing a frame; a run stops taking
// steps at its byte limit but still gets its verdict and end; an agent's offline runs per hour are
// capped; and a run, a ticket or the live stream of any size is read in pages with a marker.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DeviceState, Enrolled, EnrollmentCreated, Run, Ticket, TicketWithRuns } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { markedStep, offlineRunEvents } from "../helpers/fake-agent.js";
import { connectRawOk, type RawAgent } from "../helpers/raw-agent.js";

/** Waits on the store's durable writes (an fsync per COMMIT): generous on a loaded CI machine. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

let clock = Date.now();
let col: TestCollector;
let ticket: Ticket;
let n = 0;
const runId = () => `off_l${String(++n).padStart(4, "0")}`;

const LIMITS = {
  ingest: { framesPerS: 5, frameBurst: 10, maxRunBytes: 20_000, runEndReserveBytes: 8_000, maxOfflineRunsPerHour: 3 },
  // A ticket or device-state read loads at most 60 KB of steps in all.
  read: { viewStepBytes: 60_000 },
};

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 }, { now: () => clock, limits: LIMITS });
  ticket = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Li", contact: "+86 1" }, service: "FTTH", symptom: "down" } });
});

afterAll(async () => {
  await col?.close();
});

async function enrolled(): Promise<{ agentId: string; live: RawAgent }> {
  const { code } = await col.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: ticket.id } });
  const a = await col.api("/api/agents/enroll", Enrolled, { body: { code, name: "pc", agentVersion: "t" } });
  return { agentId: a.agentId, live: await connectRawOk(col.url, a.agentId, a.secret) };
}

const acks = (live: RawAgent) => live.frames.filter((f) => f.type === "ack").length;
const errorCodes = (live: RawAgent, id: string) => live.frames.filter((f) => f.type === "error" && f.runId === id).map((f) => (f.type === "error" ? f.code : ""));

/**
 * A step carrying about `size` bytes of data that its schema allows: a skipped routeros step (the mark in
 * its reason) whose partial data holds router log lines of up to 1,000 characters, 100 per device.
 */
function bigStep(id: string, seq: number, size: number): RunEvent {
  const ev = markedStep(id, seq);
  if (ev.type !== "step" || ev.result.status !== "skipped") throw new Error("skipped step expected");
  // Each line costs its message plus this much JSON around it, so the lines add up to about `size`.
  const per = JSON.stringify({ time: "t", topics: "x", message: "" }).length + 1;
  const lines = Array.from({ length: Math.ceil(size / (1000 + per)) }, (_, i) => ({ time: "t", topics: "x", message: "x".repeat(Math.max(1, Math.min(1000, size - i * (1000 + per) - per))) }));
  const devices = Array.from({ length: Math.ceil(lines.length / 100) }, (_, d) => ({ host: "10.77.0.1", port: 8728, tls: false, commandErrors: [], log: lines.slice(d * 100, d * 100 + 100) }));
  return { ...ev, result: { check: "routeros", status: "skipped", startedAt: ev.result.startedAt, durationMs: 1, findings: [], skipReason: ev.result.skipReason, data: { devices } } };
}

/**
 * Sends within the 5/s rate, so only the limit under test acts: five frames per second of the
 * collector's clock, each group acknowledged before the clock moves on.
 */
async function paced(live: RawAgent, evs: RunEvent[]): Promise<void> {
  for (let i = 0; i < evs.length; i += 5) {
    clock += 1000;
    const want = acks(live) + Math.min(5, evs.length - i);
    for (const ev of evs.slice(i, i + 5)) live.sendJson(ev);
    await poll(() => acks(live)).toBe(want);
  }
}

describe("frames per second (token bucket per agent)", () => {
  test("40 frames at once: the burst is acked, the rest wait unread and are acked at the rate, none lost", async () => {
    const { agentId, live } = await enrolled();
    // hello took one token of the 10; 9 events pass at once.
    const evs = offlineRunEvents(runId(), ticket.id, 38);
    for (const ev of evs) live.sendJson(ev);
    await poll(() => acks(live)).toBe(9);
    // The tenth frame waits for a token; the rest stay unread in the paused socket. The clock does
    // not move, so no token comes and nothing more can be acknowledged.
    await poll(() => col.running.hub.throttledFrames(agentId)).toBeGreaterThan(0);
    expect(acks(live)).toBe(9);
    clock += 1000; // 5 more tokens
    await poll(() => acks(live)).toBe(14);
    clock += 3_600_000; // refills to the burst (10), not to an hour's worth
    await poll(() => acks(live)).toBe(24);
    clock += 8000; // 40 tokens' worth, capped at 10
    await poll(() => acks(live)).toBe(34);
    clock += 2000;
    await poll(() => acks(live)).toBe(40);
    expect(col.running.hub.throttledFrames(agentId)).toBe(0);
    expect(live.frames.filter((f) => f.type === "error")).toEqual([]);
    const run = await col.api(`/api/runs/${evs[0]!.runId}`, Run);
    expect(run.steps).toHaveLength(38);
    expect(run.state).toBe("completed");
    expect(live.ws.readyState).toBe(live.ws.OPEN);
    live.ws.close();
  });
});

describe("bytes per run", () => {
  test("steps past the run's byte limit are refused (RUN_TOO_BIG, once audited); the verdict and the end still fit", async () => {
    const { live } = await enrolled();
    clock += 3_600_000;
    const id = runId();
    const [offline, ...rest] = offlineRunEvents(id, ticket.id, 8);
    const finished = rest.at(-1)!;
    const steps = Array.from({ length: 8 }, (_, i) => bigStep(id, i + 1, 3000));
    await paced(live, [offline!, ...steps, finished]);
    const run = await col.api(`/api/runs/${id}`, Run);
    // ~3.1 KB per step: six fit under 20,000 bytes with run.offline.
    expect(run.steps.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.state).toBe("completed");
    expect(errorCodes(live, id)).toEqual(["RUN_TOO_BIG", "RUN_TOO_BIG"]);
    // Audited without holding up the answer to the agent: wait for the row.
    const audited = async () => (await col.running.store.listAudit({ action: "run.event.refused", limit: 100 })).filter((a) => a.runId === id).length;
    await poll(audited).toBe(1);
    live.ws.close();
  });
});

describe("offline runs per agent and hour", () => {
  test("the fourth offline run within an hour is refused whole (TOO_MANY_RUNS); an hour later one is taken again", async () => {
    const { live } = await enrolled();
    clock += 3_600_000;
    const ids = [runId(), runId(), runId(), runId()];
    await paced(live, ids.flatMap((id) => offlineRunEvents(id, ticket.id, 1)));
    expect(errorCodes(live, ids[3]!)).toEqual(["TOO_MANY_RUNS", "TOO_MANY_RUNS", "TOO_MANY_RUNS"]);
    expect(await col.running.store.getRun(ids[3]!)).toBeUndefined();
    for (const id of ids.slice(0, 3)) expect((await col.running.store.getRun(id))?.state).toBe("completed");
    clock += 3_600_001;
    const later = runId();
    await paced(live, offlineRunEvents(later, ticket.id, 1));
    expect(errorCodes(live, later)).toEqual([]);
    live.ws.close();
  });
});

describe("reads are paged, whatever is stored", () => {
  // Seeded straight into the store (past the ingest limits, as data from before them would be).
  const NO_LIMITS = { maxRunBytes: Infinity, runEndReserveBytes: 0, maxOfflineRunsPerHour: Infinity };
  let agentId: string;
  let bigRun: string;
  let manyRun: string;

  beforeAll(async () => {
    ({ agentId } = await enrolled());
    bigRun = runId();
    manyRun = runId();
    const seed = async (id: string, steps: RunEvent[]) => {
      const evs = offlineRunEvents(id, ticket.id, 0);
      const finished = { ...evs[1]!, seq: steps.length + 1 } as RunEvent;
      for (const ev of [evs[0]!, ...steps, finished]) await col.running.store.appendRunEvent(agentId, ev, clock, NO_LIMITS);
    };
    // 12 steps of 250 KiB (3 MiB) and 700 small ones.
    await seed(bigRun, Array.from({ length: 12 }, (_, i) => bigStep(bigRun, i + 1, 250 * 1024)));
    await seed(manyRun, Array.from({ length: 700 }, (_, i) => markedStep(manyRun, i + 1)));
  });

  test("a run of 700 steps: 500, then the rest from nextAfterSeq", async () => {
    const first = await col.api(`/api/runs/${manyRun}`, Run);
    expect(first.steps).toHaveLength(500);
    expect(first.nextAfterSeq).toBe(500);
    const second = await col.api(`/api/runs/${manyRun}?afterSeq=${first.nextAfterSeq}`, Run);
    expect(second.steps.map((s) => s.seq)).toEqual(Array.from({ length: 200 }, (_, i) => 501 + i));
    expect(second.nextAfterSeq).toBeUndefined();
  });

  test("a run of 3 MiB: pages of at most 2 MiB", async () => {
    const first = await col.api(`/api/runs/${bigRun}`, Run);
    expect(first.steps.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const second = await col.api(`/api/runs/${bigRun}?afterSeq=${first.nextAfterSeq}`, Run);
    expect(second.steps.map((s) => s.seq)).toEqual([9, 10, 11, 12]);
    expect(second.nextAfterSeq).toBeUndefined();
  });

  test("the live stream sends every stored step, page by page", async () => {
    const res = await fetch(`${col.url}/api/runs/${manyRun}/events`, { headers: { authorization: `Bearer ${col.adminToken}` } });
    const text = await res.text();
    expect(text.match(/event: step/g)).toHaveLength(700);
  });

  test("a ticket loads its steps within one budget (newest runs first); a run past it says where to read on; device state too", async () => {
    const t = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns);
    const big = t.runs.find((r) => r.id === bigRun)!;
    const many = t.runs.find((r) => r.id === manyRun)!;
    // manyRun is the newest: it gets the 60 KB first, as many small steps as fit.
    expect(many.steps.length).toBeGreaterThan(100);
    expect(many.steps.length).toBeLessThan(500);
    expect(many.nextAfterSeq).toBe(many.steps.at(-1)!.seq);
    // Not one 250 KiB step of bigRun fits in what is left: none is loaded, and it says so.
    expect(big.steps).toEqual([]);
    expect(big.nextAfterSeq).toBe(-1);
    expect((await col.api(`/api/runs/${bigRun}?afterSeq=-1`, Run)).steps).toHaveLength(8);
    const loaded = t.runs.flatMap((r) => r.steps).reduce((sum, s) => sum + JSON.stringify(s.result).length, 0);
    expect(loaded).toBeLessThan(60_000);
    const state = await col.api(`/api/agents/${agentId}/state`, DeviceState);
    expect(state.runs.map((r) => r.id)).toEqual([manyRun, bigRun]);
  });

  test("a ticket returns its newest runs and counts the older ones", async () => {
    const small = await startTestCollector({ heartbeatMs: 60_000 }, { limits: { read: { ticketRuns: 3 } } });
    try {
      const t = await small.api("/api/tickets", Ticket, { body: { customer: { name: "Li", contact: "+86 1" }, service: "FTTH", symptom: "down" } });
      const { code } = await small.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: t.id } });
      const a = await small.api("/api/agents/enroll", Enrolled, { body: { code, name: "pc", agentVersion: "t" } });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await small.api("/api/runs", Run, { body: { ticketId: t.id, agentId: a.agentId, checks: ["ping"], params: { targets: ["127.0.0.1"] } } })).id);
      const read = await small.api(`/api/tickets/${t.id}`, TicketWithRuns);
      expect(read.runs.map((r) => r.id)).toEqual(ids.slice(2));
      expect(read.olderRuns).toBe(2);
    } finally {
      await small.close();
    }
  });
});
