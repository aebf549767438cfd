// An agent writes only to tickets it was enrolled for or asked to run on, and only with timestamps in
// a sane window of the collector's clock. Against a real collector: an offline run aimed at another
// ticket, or dated a year ahead, is refused with a reason, acknowledged (the agent must not resend it),
// audited once, and stores nothing; the agent's own work goes on.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Enrolled, EnrollmentCreated, Run, Ticket, TicketWithRuns } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";
import { DEFAULT_LIMITS } from "../../collector/limits.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { offlineRunEvents } from "../helpers/fake-agent.js";
import { connectRawOk, type RawAgent } from "../helpers/raw-agent.js";

/** Waits on the store's durable writes (an fsync per COMMIT): generous on a loaded CI machine. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

const DAY = 86_400_000;
let col: TestCollector;
let own: Ticket;
let other: Ticket;
let n = 0;

const newTicket = () => col.api("/api/tickets", Ticket, { body: { customer: { name: "Li", contact: "+86 1" }, service: "FTTH", symptom: "down" } });
const runId = () => `off_t${String(++n).padStart(4, "0")}`;

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  own = await newTicket();
  other = await newTicket();
});

/** A fresh agent enrolled for `own` per test: each refusal counts once towards the agent's block. */
async function enrolled(): Promise<{ agentId: string; live: RawAgent }> {
  const { code } = await col.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: own.id } });
  const a = await col.api("/api/agents/enroll", Enrolled, { body: { code, name: "pc", agentVersion: "t" } });
  return { agentId: a.agentId, live: await connectRawOk(col.url, a.agentId, a.secret) };
}

afterAll(async () => {
  await col?.close();
});

/** Sends the events pipelined and resolves once every one is acknowledged. */
async function sendAll(live: RawAgent, evs: RunEvent[]): Promise<void> {
  for (const ev of evs) live.sendJson(ev);
  const want = new Set(evs.map((e) => `${e.runId}:${e.seq}`));
  await poll(() => [...want].every((k) => live.frames.some((f) => f.type === "ack" && `${f.runId}:${f.seq}` === k))).toBe(true);
}

const errorsFor = (live: RawAgent, id: string) => live.frames.filter((f) => f.type === "error" && f.runId === id);
const runsOn = async (t: Ticket) => (await col.api(`/api/tickets/${t.id}`, TicketWithRuns)).runs.map((r) => r.id);
const refusedAudit = async (id: string) => (await col.running.store.listAudit({ action: "run.event.refused", limit: 1000 })).filter((a) => a.runId === id);

describe("an agent writes only to its own tickets", () => {
  test("an offline run for another ticket is refused whole (TICKET_NOT_ALLOWED), audited once, nothing stored; its own ticket still works", async () => {
    const { agentId, live } = await enrolled();
    const foreign = runId();
    await sendAll(live, offlineRunEvents(foreign, other.id, 3));
    const errors = errorsFor(live, foreign);
    // Every event of that run is told why (run.offline, 3 steps, run.finished), none as UNKNOWN_RUN.
    expect(errors).toHaveLength(5);
    expect(new Set(errors.map((e) => e.type === "error" && e.code))).toEqual(new Set(["TICKET_NOT_ALLOWED"]));
    expect(errors[0]).toMatchObject({ message: expect.stringContaining(other.id) });
    expect(await runsOn(other)).toEqual([]);
    // Audited without holding up the answer to the agent: wait for the row, then check there is one.
    await poll(async () => (await refusedAudit(foreign)).length).toBe(1);
    expect(await refusedAudit(foreign)).toEqual([expect.objectContaining({ agentId, outcome: "denied", detail: expect.objectContaining({ code: "TICKET_NOT_ALLOWED", ticketId: other.id }) })]);

    const mine = runId();
    await sendAll(live, offlineRunEvents(mine, own.id, 2));
    expect(errorsFor(live, mine)).toEqual([]);
    expect(await runsOn(own)).toContain(mine);
    live.ws.close();
  });

  test("an unknown ticket is refused the same way (no probing of ticket ids)", async () => {
    const { live } = await enrolled();
    const id = runId();
    await sendAll(live, offlineRunEvents(id, "tk_doesnotexist", 1));
    expect(errorsFor(live, id).map((e) => e.type === "error" && e.code)).toEqual(["TICKET_NOT_ALLOWED", "TICKET_NOT_ALLOWED", "TICKET_NOT_ALLOWED"]);
    live.ws.close();
  });

  test("a ticket an engineer ran the agent on is allowed from then on", async () => {
    const third = await newTicket();
    const { agentId, live } = await enrolled();
    const before = runId();
    await sendAll(live, offlineRunEvents(before, third.id, 1));
    expect(errorsFor(live, before)[0]).toMatchObject({ code: "TICKET_NOT_ALLOWED" });
    await col.api("/api/runs", Run, { body: { ticketId: third.id, agentId, checks: ["ping"], params: { targets: ["127.0.0.1"] } } });
    const after = runId();
    await sendAll(live, offlineRunEvents(after, third.id, 1));
    expect(errorsFor(live, after)).toEqual([]);
    expect(await runsOn(third)).toContain(after);
    live.ws.close();
  });
});

describe("timestamps in a sane window of the collector's clock", () => {
  const shifted = (id: string, shiftMs: number, steps = 1): RunEvent[] => offlineRunEvents(id, own.id, steps).map((e) => ({ ...e, at: e.at + shiftMs }));

  test.each([
    ["a year ahead", 365 * DAY, /ahead of the collector's clock/],
    ["40 days behind", -40 * DAY, /behind the collector's clock/],
  ])("an offline run dated %s is refused whole (TIMESTAMP_OUT_OF_RANGE), nothing stored", async (_n, shift, msg) => {
    const { live } = await enrolled();
    const id = runId();
    await sendAll(live, shifted(id, shift));
    // run.offline, its step and run.finished: all told the same reason (none UNKNOWN_RUN).
    const errors = errorsFor(live, id);
    expect(errors.map((e) => e.type === "error" && e.code)).toEqual(["TIMESTAMP_OUT_OF_RANGE", "TIMESTAMP_OUT_OF_RANGE", "TIMESTAMP_OUT_OF_RANGE"]);
    expect(errors[0]).toMatchObject({ message: expect.stringMatching(msg) });
    expect(await col.running.store.getRun(id)).toBeUndefined();
    await poll(async () => (await refusedAudit(id)).length).toBe(1);
    live.ws.close();
  });

  test("12 hours ahead (a PC clock in local time read as UTC) is accepted", async () => {
    const { live } = await enrolled();
    const id = runId();
    await sendAll(live, shifted(id, 12 * 3_600_000));
    expect(errorsFor(live, id)).toEqual([]);
    expect((await col.running.store.getRun(id))?.state).toBe("completed");
    live.ws.close();
  });

  test("one step with a startedAt a year ahead is refused; the rest of the run is stored", async () => {
    const { live } = await enrolled();
    const id = runId();
    const evs = offlineRunEvents(id, own.id, 3);
    const bad = evs[2]!;
    if (bad.type !== "step") throw new Error("expected a step");
    evs[2] = { ...bad, result: { ...bad.result, startedAt: Date.now() + 365 * DAY } };
    await sendAll(live, evs);
    expect(errorsFor(live, id).map((e) => e.type === "error" && e.code)).toEqual(["TIMESTAMP_OUT_OF_RANGE"]);
    const run = await col.api(`/api/runs/${id}`, Run);
    expect(run.steps.map((s) => s.seq)).toEqual([1, 3]);
    expect(run.state).toBe("completed");
    live.ws.close();
  });

  test("the window is the one collector/limits.ts documents", () => {
    expect(DEFAULT_LIMITS.ingest.maxClockAheadMs).toBe(DAY);
    expect(DEFAULT_LIMITS.ingest.maxAgeMs).toBe(30 * DAY);
  });
});
