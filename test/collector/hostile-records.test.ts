// A stored record must never make a read fail. The store is seeded directly (bypassing the input
// limits at the edge, as data written by an older build or damaged on disk would be): a step whose
// data nests 2,500 arrays deep, a step body that is not JSON at all, a verdict that does not parse.
// Every read path (run, ticket, device state, the SSE stream) still answers, leaves the bad part out,
// marks it and logs it; after a restart too.
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { DeviceState, Enrolled, EnrollmentCreated, Run, Ticket, TicketWithRuns } from "../../shared/api.js";
import type { RunEvent } from "../../shared/protocol.js";
import type { Verdict } from "../../shared/verdict.js";
import { DB_FILE } from "../../collector/server.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";

let col: TestCollector;
let ticket: Ticket;
let agentId: string;

function deepArrays(n: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < n; i++) v = [v];
  return v;
}

const step = (runId: string, seq: number, data: Record<string, unknown>, check: "ping" | "dns" = "ping"): RunEvent => ({
  type: "step",
  runId,
  seq,
  at: Date.now(),
  // Written straight into the store (what a record from before the schemas, or a damaged one, looks like).
  result: { check, status: "ok", startedAt: Date.now(), durationMs: 1, findings: [], data },
}) as unknown as RunEvent;

/** Raw SQL on the live database file through a second connection (what a damaged file looks like). */
async function sql(statement: string, params: (string | number)[]): Promise<void> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(join(col.dataDir, DB_FILE), (e) => (e ? reject(e) : resolve(d)));
  });
  db.configure("busyTimeout", 5000);
  await new Promise<void>((resolve, reject) => db.run(statement, params, (e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve) => db.close(() => resolve()));
}

/** A run requested through the API whose stored events the test then writes straight into the store. */
async function seededRun(events: (runId: string) => RunEvent[]): Promise<string> {
  const run = await col.api("/api/runs", Run, { body: { ticketId: ticket.id, agentId, checks: ["ping", "dns"], params: { targets: ["127.0.0.1"] } } });
  for (const ev of events(run.id)) await col.running.store.appendRunEvent(agentId, ev, Date.now());
  return run.id;
}

const verdict: Verdict = { segment: "none", cause: "NONE", summary: "all good", evidence: [], consequences: [], unverified: [], next_steps: { customer: [], engineer: [] } };

/** The whole SSE stream of a finished run (the collector ends it after the terminal state). */
async function sse(runId: string): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const res = await fetch(`${col.url}/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${col.adminToken}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((b) => b.includes("data:"))
    .map((b) => ({ event: /event: (.*)/.exec(b)![1]!, data: JSON.parse(/data: (.*)/.exec(b)![1]!) as Record<string, unknown> }));
}

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  ticket = await col.api("/api/tickets", Ticket, { body: { customer: { name: "Li", contact: "+86 1" }, service: "FTTH", symptom: "down" } });
  const { code } = await col.api("/api/enrollments", EnrollmentCreated, { body: { ticketId: ticket.id } });
  agentId = (await col.api("/api/agents/enroll", Enrolled, { body: { code, name: "pc", agentVersion: "t" } })).agentId;
});

afterAll(async () => {
  await col?.close();
});

describe("a stored step whose data nests 2,500 arrays deep", () => {
  let runId: string;
  beforeAll(async () => {
    runId = await seededRun((id) => [
      { type: "run.accepted", runId: id, seq: 0, at: Date.now() },
      step(id, 1, { mark: "before" }),
      step(id, 2, { bomb: deepArrays(2500) }),
      step(id, 3, { mark: "after" }, "dns"),
      { type: "verdict", runId: id, seq: 4, at: Date.now(), verdict },
      { type: "run.finished", runId: id, seq: 5, at: Date.now(), outcome: "completed", steps: 3 },
    ]);
  });

  const checkReads = async () => {
    const run = await col.api(`/api/runs/${runId}`, Run);
    expect(run.steps.map((s) => s.seq)).toEqual([1, 3]);
    expect(run.unreadable).toEqual([expect.objectContaining({ part: "step", seq: 2, code: "JSON_TOO_DEEP" })]);
    expect(run.verdict?.cause).toBe("NONE");
    expect(run.state).toBe("completed");

    const t = await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns);
    expect(t.runs.find((r) => r.id === runId)?.steps.map((s) => s.seq)).toEqual([1, 3]);

    const state = await col.api(`/api/agents/${agentId}/state`, DeviceState);
    expect(state.latest.dns?.data).toEqual({ mark: "after" });

    const events = await sse(runId);
    expect(events.filter((e) => e.event === "step").map((e) => e.data.seq)).toEqual([1, 3]);
    expect(events.some((e) => e.event === "verdict")).toBe(true);
    // A finished run's stream: its state, every readable step, the verdict, then the end.
    expect(events[0]).toEqual({ event: "state", data: { type: "state", state: "completed" } });
  };

  test("run, ticket, device state and SSE all answer, without that step, marked and logged", async () => {
    await checkReads();
    expect(col.log.lines.some((l) => l.msg === "unreadable stored record" && l.fields.runId === runId && l.fields.seq === 2)).toBe(true);
  });

  test("and still after a restart", async () => {
    await col.restart();
    await checkReads();
  });
});

describe("damaged records on disk", () => {
  test("a step body that is not JSON and a verdict that does not parse are left out and marked", async () => {
    const runId = await seededRun((id) => [
      { type: "run.accepted", runId: id, seq: 0, at: Date.now() },
      step(id, 1, { mark: "kept" }),
      step(id, 2, { mark: "damaged" }),
      { type: "verdict", runId: id, seq: 3, at: Date.now(), verdict },
      { type: "run.finished", runId: id, seq: 4, at: Date.now(), outcome: "completed", steps: 2 },
    ]);
    await sql("UPDATE run_events SET body = ? WHERE run_id = ? AND seq = 2", ['{"type":"step","result":{nope', runId]);
    await sql("UPDATE runs SET verdict = ? WHERE id = ?", ['{"segment":"nowhere"}', runId]);
    const run = await col.api(`/api/runs/${runId}`, Run);
    expect(run.steps.map((s) => s.seq)).toEqual([1]);
    expect(run.verdict).toBeUndefined();
    expect(run.unreadable).toEqual([
      expect.objectContaining({ part: "step", seq: 2, code: "MALFORMED_JSON" }),
      expect.objectContaining({ part: "verdict", code: "INVALID_RECORD" }),
    ]);
    expect((await col.api(`/api/tickets/${ticket.id}`, TicketWithRuns)).runs.some((r) => r.id === runId)).toBe(true);
    expect((await col.api(`/api/agents/${agentId}/state`, DeviceState)).runs.some((r) => r.id === runId)).toBe(true);
    const events = await sse(runId);
    expect(events.filter((e) => e.event === "step").map((e) => e.data.seq)).toEqual([1]);
    expect(events[0]?.data.state).toBe("completed");
  });

  test("an audit row whose detail does not parse is listed with the detail marked, not a failed listing", async () => {
    await sql("INSERT INTO audit (at, actor, action, outcome, detail) VALUES (?, 'test', 'test.damaged', 'ok', ?)", [Date.now(), '{"a":[[[' + "[".repeat(100)]);
    const rows = await col.api("/api/audit?action=test.damaged", z.array(z.object({ action: z.string(), detail: z.record(z.string(), z.unknown()).optional() })));
    expect(rows).toEqual([{ action: "test.damaged", detail: { unreadable: "JSON_TOO_DEEP" } }]);
  });

  test("a step whose shape is not a step result (a field missing) is left out, not a crash in device state", async () => {
    const runId = await seededRun((id) => [{ type: "run.accepted", runId: id, seq: 0, at: Date.now() }, step(id, 1, { mark: "x" })]);
    await sql("UPDATE run_events SET body = ? WHERE run_id = ? AND seq = 1", [JSON.stringify({ type: "step", runId, seq: 1, at: 1, result: { check: "ping", status: "ok" } }), runId]);
    const run = await col.api(`/api/runs/${runId}`, Run);
    expect(run.steps).toEqual([]);
    expect(run.unreadable).toEqual([expect.objectContaining({ part: "step", seq: 1, code: "INVALID_RECORD" })]);
    expect((await col.api(`/api/agents/${agentId}/state`, DeviceState)).agent.id).toBe(agentId);
  });
});
