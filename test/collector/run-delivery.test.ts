// The collector's side of run delivery over a real WebSocket, with a raw agent that does exactly what
// each case needs: a run request is re-sent on every connection until the agent acknowledges it (and
// never after); events the run state machine refuses are acked, stored nowhere, and the agent is told
// why (and to stop a run cancelled before it acknowledged it); an expired run is audited; a collector
// stop records the lost links without logging errors, and the states survive the restart.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { z } from "zod";
import { Run } from "../../shared/api.js";
import { PROTOCOL_VERSION, ServerFrame, type RunEvent } from "../../shared/protocol.js";
import type { Verdict } from "../../shared/verdict.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { createTicket, enrollAgents, markedStep, type AgentCredentials } from "../helpers/fake-agent.js";

type Frame = z.infer<typeof ServerFrame>;

let col: TestCollector;
let ticketId: string;
let agent: AgentCredentials;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  col = await startTestCollector({ heartbeatMs: 100 });
  ticketId = await createTicket(col.url, col.adminToken);
  [agent] = (await enrollAgents(col.url, col.adminToken, 1, ticketId)) as [AgentCredentials];
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await col.close();
});

interface RawAgent {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves with the first frame (already received or coming) that matches. */
  next(match: (f: Frame) => boolean): Promise<Frame>;
  send(ev: RunEvent): void;
}

/** A raw agent connection that says hello and answers pings (ws does), nothing else on its own. */
async function connect(): Promise<RawAgent> {
  const ws = new WebSocket(`${col.url.replace(/^http/, "ws")}/agent/ws`, { headers: { authorization: `Bearer ${agent.agentId}.${agent.secret}` }, perMessageDeflate: false });
  sockets.push(ws);
  const frames: Frame[] = [];
  const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.on("message", (d) => {
    const f = ServerFrame.parse(JSON.parse(String(d)));
    frames.push(f);
    for (const w of [...waiters]) if (w.match(f)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(f));
  });
  await new Promise<void>((resolve, reject) => (ws.once("open", () => resolve()), ws.once("error", reject)));
  ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, agentVersion: "test", checks: ["ping"] }));
  return {
    ws,
    frames,
    next: (match) => {
      const seen = frames.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    send: (ev) => ws.send(JSON.stringify(ev)),
  };
}

const requestFor = (runId: string) => (f: Frame) => f.type === "run.request" && f.runId === runId;
const ackFor = (runId: string, seq: number) => (f: Frame) => f.type === "ack" && f.runId === runId && f.seq === seq;
const getRun = (id: string) => col.api(`/api/runs/${id}`, Run);
const createRun = () => col.api("/api/runs", Run, { body: { ticketId, agentId: agent.agentId, checks: ["ping"] } });
const at = Date.now();

describe("at least once: a request is re-sent until the agent acknowledges it", () => {
  test("sent on connect, re-sent on every reconnect while unacknowledged, never after run.received", async () => {
    const run = await createRun();
    expect(run.state).toBe("requested");
    const a1 = await connect();
    await a1.next(requestFor(run.id));
    await expect.poll(async () => (await getRun(run.id)).state).toBe("sent");
    // The agent vanishes without acknowledging: the run goes back to the queue, with why.
    a1.ws.terminate();
    await expect.poll(async () => (await getRun(run.id)).state).toBe("requested");
    const a2 = await connect();
    await a2.next(requestFor(run.id));
    a2.send({ type: "run.received", runId: run.id, seq: 0, at });
    await a2.next(ackFor(run.id, 0));
    expect((await getRun(run.id)).state).toBe("received");
    a2.ws.terminate();
    await expect.poll(async () => (await getRun(run.id)).state).toBe("delivering");
    const a3 = await connect();
    // Hello is handled (pending requests sent) before anything else: an event's ack proves it.
    a3.send({ type: "run.accepted", runId: run.id, seq: 1, at });
    await a3.next(ackFor(run.id, 1));
    expect(a3.frames.filter((f) => f.type === "run.request")).toEqual([]);
    expect((await getRun(run.id)).state).toBe("running");
  });
});

describe("the run state machine on the wire: refused events are acked, stored nowhere, and explained", () => {
  test("after run.finished, a second verdict, a verdict before any step", async () => {
    const run = await createRun();
    const a = await connect();
    await a.next(requestFor(run.id));
    a.send({ type: "run.received", runId: run.id, seq: 0, at });
    a.send({ type: "run.accepted", runId: run.id, seq: 1, at });
    const verdict: Verdict = { segment: "none", cause: "NO_FAULT_FOUND", summary: "ok", evidence: [], consequences: [], unverified: [], next_steps: { customer: [], engineer: [] } };
    a.send({ type: "verdict", runId: run.id, seq: 2, at, verdict });
    const early = await a.next((f) => f.type === "error" && f.seq === 2);
    expect(early).toMatchObject({ type: "error", code: "VERDICT_WITHOUT_STEPS", runId: run.id });
    await a.next(ackFor(run.id, 2));
    a.send(markedStep(run.id, 3));
    a.send({ type: "verdict", runId: run.id, seq: 4, at, verdict });
    a.send({ type: "run.finished", runId: run.id, seq: 5, at, outcome: "completed", steps: 1 });
    await a.next(ackFor(run.id, 5));
    const done = await getRun(run.id);
    expect(done).toMatchObject({ state: "completed", verdict: { cause: "NO_FAULT_FOUND" } });
    // Late and foreign to the run now: a step and a verdict after its end.
    a.send(markedStep(run.id, 6));
    a.send({ type: "verdict", runId: run.id, seq: 7, at, verdict: { ...verdict, cause: "DNS_SERVER_DOWN", segment: "dns" } });
    const after = await a.next((f) => f.type === "error" && f.seq === 7);
    expect(after).toMatchObject({ code: "RUN_FINISHED", message: expect.stringMatching(/ended at seq 5/) });
    expect(a.frames.find((f) => f.type === "error" && f.seq === 6)).toMatchObject({ code: "RUN_FINISHED" });
    await a.next(ackFor(run.id, 7));
    expect(await getRun(run.id)).toEqual(done);
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
  });

  test("a run cancelled before the agent acknowledged it is not sent again; its events are refused and the agent told to stop", async () => {
    const run = await createRun();
    const c = await col.api(`/api/runs/${run.id}/cancel`, z.object({ cancelled: z.boolean(), deliveredToAgent: z.boolean() }), { method: "POST", body: {} });
    expect(c).toEqual({ cancelled: true, deliveredToAgent: false });
    expect(await getRun(run.id)).toMatchObject({ state: "cancelled", reason: "cancelled by bootstrap-admin before the agent acknowledged it" });
    const a = await connect();
    // An agent that got the request anyway (in flight when the engineer cancelled) starts it.
    a.send({ type: "run.received", runId: run.id, seq: 0, at });
    const err = await a.next((f) => f.type === "error" && f.runId === run.id);
    expect(err).toMatchObject({ code: "RUN_CANCELLED" });
    await a.next((f) => f.type === "run.cancel" && f.runId === run.id);
    await a.next(ackFor(run.id, 0));
    expect(a.frames.filter((f) => f.type === "run.request")).toEqual([]);
    expect((await getRun(run.id)).steps).toEqual([]);
    // Cancelling again is a conflict with the reason.
    await expect(col.api(`/api/runs/${run.id}/cancel`, z.unknown(), { method: "POST", body: {} })).rejects.toMatchObject({ status: 409 });
  });
});

describe("expiry and shutdown", () => {
  test("a run not acknowledged by its pickup deadline expires, with an audit entry and the reason", async () => {
    const now = Date.now();
    await col.running.store.createRun({ id: "run_expire1", ticketId, agentId: agent.agentId, checks: ["ping"], params: {}, requestedBy: "alice", pickupBy: now + 50, createdAt: now });
    await expect.poll(async () => (await getRun("run_expire1")).state).toBe("expired");
    const audit = await col.running.store.listAudit({ action: "run.expire" });
    expect(audit).toEqual([expect.objectContaining({ actor: "system", runId: "run_expire1", ticketId, agentId: agent.agentId, outcome: "expired", detail: expect.objectContaining({ pickupBy: now + 50, was: "requested" }) })]);
    expect((await getRun("run_expire1")).reason).toBe("the agent did not pick the run up in time");
  });

  test("stopping the collector records the lost links without an error; the states survive the restart", async () => {
    const queued = await createRun();
    const held = await createRun();
    const a = await connect();
    await a.next(requestFor(queued.id));
    await a.next(requestFor(held.id));
    a.send({ type: "run.received", runId: held.id, seq: 0, at });
    a.send({ type: "run.accepted", runId: held.id, seq: 1, at });
    await a.next(ackFor(held.id, 1));
    expect((await getRun(queued.id)).state).toBe("sent");
    await col.restart();
    const errors = col.log.lines.filter((l) => l.level === "error");
    expect(errors).toEqual([]);
    expect((await getRun(queued.id)).state).toBe("requested");
    expect((await getRun(held.id)).state).toBe("delivering");
  });
});
