// The store's contract on BOTH engines (test/helpers/store-backends.ts: a real SQLite file, a real
// PostgreSQL database): every Store method, the run-event state machine, idempotent replay, concurrent
// appends through the one write queue, and the append-only audit table. SQLite-file specifics
// (migrating an old file, WAL, opening one new file twice) stay SQLite-only; PostgreSQL's migrations:
// migrations.test.ts.
import sqlite3 from "sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { CreateTicketBody } from "../../../shared/api.js";
import type { StepResult } from "../../../shared/checks.js";
import { RunEvent } from "../../../shared/protocol.js";
import type { Verdict } from "../../../shared/verdict.js";
import type { Store } from "../../../collector/store/types.js";

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-store-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const T0 = 1_700_000_000_000;

const ticketBody: CreateTicketBody = {
  customer: { name: "Li Wei", contact: "+86 10 5555 0100" },
  service: "FTTH 300M",
  symptom: "no internet since this morning",
  category: "network",
  severity: "important",
};

function stepResult(n: number): StepResult {
  return { check: "ping", status: "skipped", startedAt: T0 + n, durationMs: n, findings: [], data: {}, skipReason: `step ${n}` };
}

const verdict: Verdict = {
  segment: "wan",
  cause: "WAN_LINK_DOWN",
  summary: "the modem reports its DSL line down",
  evidence: [{ check: "snmp", code: "IF_OPER_DOWN", detail: "ifOperStatus(2)=down" }],
  consequences: [],
  unverified: [],
  next_steps: { customer: [{ en: "Restart the modem", "zh-CN": "重启调制解调器" }], engineer: ["check DSLAM port"] },
};

/** Events go through the wire schema, so a drift in shared/protocol.ts breaks these tests loudly. */
const ev = {
  accepted: (runId: string, seq = 0) => RunEvent.parse({ type: "run.accepted", runId, seq, at: T0 }),
  refused: (runId: string, seq = 0) =>
    RunEvent.parse({ type: "run.refused", runId, seq, at: T0, code: "NO_GRANT", reason: "customer said no" }),
  step: (runId: string, seq: number) => RunEvent.parse({ type: "step", runId, seq, at: T0 + seq, result: stepResult(seq) }),
  verdict: (runId: string, seq: number) => RunEvent.parse({ type: "verdict", runId, seq, at: T0, verdict }),
  finished: (runId: string, seq: number, outcome: "completed" | "cancelled" | "failed" = "completed") =>
    RunEvent.parse({ type: "run.finished", runId, seq, at: T0, outcome, steps: seq - 1 }),
  offline: (runId: string, ticketId: string, seq = 0) =>
    RunEvent.parse({ type: "run.offline", runId, seq, at: T0 - 5000, ticketId, checks: ["host", "dns"] }),
};

/** Just the outcome of an append ("stored", "duplicate", "unknown_run", "refused"). */
const outcome = async (p: Promise<{ outcome: string }>) => (await p).outcome;

/** A ticket, agents and one requested run per agent: run "run-<agent>" picked up by T0 + 60 s. */
async function seed(store: Store, agentIds: string[] = ["agent-a", "agent-b"], ticketId = "ticket-1"): Promise<void> {
  if (!(await store.getTicket(ticketId))) await store.createTicket(ticketId, ticketBody, "token:t1:alice", T0);
  for (const id of agentIds) {
    await store.createAgent({ id, name: `pc of ${id}`, secretHash: `hash-${id}`, createdAt: T0, ticketId });
    await store.createRun({
      id: `run-${id}`,
      ticketId,
      agentId: id,
      checks: ["host", "gateway"],
      params: {},
      requestedBy: "token:t1:alice",
      pickupBy: T0 + 60_000,
      createdAt: T0,
    });
  }
}
import { Run, Ticket } from "../../../shared/api.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";
import { migrate, MIGRATIONS } from "../../../collector/store/migrations.js";
import { SqliteDb } from "../../../collector/store/sqlite-db.js";
import { benchAppend } from "../../../bench/store-bench.js";
import { STORE_BACKENDS } from "../../helpers/store-backends.js";

type OpenStore = Awaited<ReturnType<typeof openSqliteStore>>;

/** A separate raw connection, to look at (and try to tamper with) the file behind the store's back. */
function raw<T = Record<string, unknown>>(path: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (err) => {
      if (err) return reject(err);
      db.all<T>(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows))));
    });
  });
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

let n = 0;
const freshPath = (): string => join(tmp.dir, `sub-${++n}`, "netdiag.db");

describe("migrations of a SQLite file", () => {
  test("creates the directory and file, applies every migration once, and reopening is a no-op", async () => {
    const path = freshPath();
    await (await openSqliteStore(path)).close();
    await (await openSqliteStore(path)).close();
    const rows = await raw<{ version: number }>(path, "SELECT version FROM schema_migrations ORDER BY version");
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const tables = await raw<{ name: string }>(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(["agents", "audit", "enrollment_codes", "run_events", "runs", "tickets", "tokens"]),
    );
    const [mode] = await raw<{ journal_mode: string }>(path, "PRAGMA journal_mode");
    expect(mode?.journal_mode).toBe("wal");
  });

  test("stores opening the same new file at once all succeed and migrate it once", async () => {
    // A new file switched to WAL by two connections at once can answer SQLITE_BUSY at once, without
    // waiting (sqlite.org/wal.html): measured here in ~2 of 40 rounds before the open was retried.
    // Two stores only: more in one process starve libuv's 4-thread pool (each waiting connection
    // holds a thread), an artefact of the test, not of two collector processes.
    for (let round = 0; round < 40; round++) {
      const path = freshPath();
      const stores = await Promise.all(Array.from({ length: 2 }, () => openSqliteStore(path)));
      await Promise.all(stores.map((st) => st.close()));
      expect(await raw(path, "SELECT version FROM schema_migrations")).toHaveLength(MIGRATIONS.length);
    }
  });

  test("migration 3 counts the bytes of runs stored before it, so their byte limit holds", async () => {
    const path = freshPath();
    await mkdir(dirname(path), { recursive: true });
    const old = await SqliteDb.open(path, { synchronous: "FULL", busyTimeoutMs: 5000, maxBatch: 10 }, async (tx) => {
      await migrate({ dialect: "sqlite", tx }, MIGRATIONS.filter((m) => m.version <= 2));
    });
    const body = JSON.stringify(ev.step("run-old", 1));
    await old.write(async (tx) => {
      await tx.run("INSERT INTO tickets (id, customer_name, customer_contact, service, symptom, category, severity, created_at, created_by, respond_by, resolve_by) VALUES ('t1', 'n', 'c', 's', 's', 'network', 'general', 0, 'x', 0, 0)");
      await tx.run("INSERT INTO agents (id, name, secret_hash, created_at, ticket_id) VALUES ('agent-a', 'pc', 'h', 0, 't1')");
      await tx.run("INSERT INTO runs (id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at, pickup_by) VALUES ('run-old', 't1', 'agent-a', '[]', '{}', 'running', 'x', 0, 0, 0)");
      await tx.run("INSERT INTO run_events (run_id, seq, type, body, received_at) VALUES ('run-old', 1, 'step', ?, 0)", [body]);
    });
    await old.close();
    const store = await openSqliteStore(path);
    expect(await raw(path, "SELECT bytes FROM runs WHERE id = 'run-old'")).toEqual([{ bytes: Buffer.byteLength(body) }]);
    const tight = { maxRunBytes: Buffer.byteLength(body) + 10, runEndReserveBytes: 0, maxOfflineRunsPerHour: 1 };
    expect(await store.appendRunEvent("agent-a", ev.step("run-old", 2), T0, tight)).toMatchObject({ outcome: "refused", code: "RUN_TOO_BIG" });
    await store.close();
  });

  test("refuses a file whose schema is newer than this build", async () => {
    const path = freshPath();
    await (await openSqliteStore(path)).close();
    await raw(path, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
    await expect(openSqliteStore(path)).rejects.toThrow(/newer than this build/);
  });
});

describe.each(STORE_BACKENDS)("store on $title", (backend) => {
  let path: string;
  let store: OpenStore;
  const raw = <T = Record<string, unknown>>(where: string, sql: string, params: unknown[] = []) => backend.raw<T>(where, sql, params);
  beforeEach(async (ctx) => {
    if (backend.skip) return ctx.skip();
    path = await backend.newLocation();
    store = await backend.open(path);
  });
  afterEach(async () => {
    await store?.close();
  });

  test("tickets: created with deadlines from severity, read back, listed newest first with a limit", async () => {
    const t = await store.createTicket("ticket-1", { ...ticketBody, customer: { ...ticketBody.customer, site: "Bldg 3" } }, "token:t1:alice", T0);
    expect(Ticket.parse(t)).toEqual(t);
    expect(t).toMatchObject({ status: "new", createdBy: "token:t1:alice", respondBy: T0 + 2 * 3_600_000, resolveBy: T0 + 24 * 3_600_000 });
    expect(await store.getTicket("ticket-1")).toEqual(t);
    expect(await store.getTicket("ticket-x")).toBeUndefined();
    await store.createTicket("ticket-2", { ...ticketBody, severity: "severe" }, "token:t1:alice", T0 + 1);
    await store.createTicket("ticket-3", ticketBody, "token:t1:alice", T0 + 2);
    expect((await store.listTickets({ sort: "created", limit: 2 }, T0 + 3)).map((x) => x.id)).toEqual(["ticket-3", "ticket-2"]);
    await expect(store.createTicket("ticket-1", ticketBody, "x", T0)).rejects.toThrow(/UNIQUE|duplicate key/);
  });

  test("enrollment codes: ok once with the ticket, then used; unknown; expired", async () => {
    await seed(store, []);
    await store.createEnrollmentCode("h-ok", T0 + 1000, "token:t1:alice", "ticket-1");
    await store.createEnrollmentCode("h-noticket", T0 + 1000, "token:t1:alice");
    await store.createEnrollmentCode("h-old", T0 + 1000, "token:t1:alice");
    expect(await store.consumeEnrollmentCode("h-ok", T0)).toEqual({ ok: true, ticketId: "ticket-1" });
    expect(await store.consumeEnrollmentCode("h-ok", T0 + 1)).toEqual({ ok: false, reason: "used" });
    expect(await store.consumeEnrollmentCode("h-noticket", T0)).toEqual({ ok: true });
    expect(await store.consumeEnrollmentCode("h-none", T0)).toEqual({ ok: false, reason: "unknown" });
    expect(await store.consumeEnrollmentCode("h-old", T0 + 1000)).toEqual({ ok: false, reason: "expired" });
  });

  test("enrollment codes: of 20 concurrent consumers exactly one wins", async () => {
    await store.createEnrollmentCode("h-race", T0 + 1000, "token:t1:alice");
    const results = await Promise.all(Array.from({ length: 20 }, () => store.consumeEnrollmentCode("h-race", T0)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "used")).toHaveLength(19);
  });

  test("agents: create, get, list, touch never goes backwards, revoke keeps the first time", async () => {
    await seed(store, []);
    await store.createAgent({ id: "agent-a", name: "pc a", hostname: "pc-a", ticketId: "ticket-1", secretHash: "s1", createdAt: T0 });
    await store.createAgent({ id: "agent-b", name: "pc b", secretHash: "s2", createdAt: T0 + 1 });
    expect(await store.getAgent("agent-a")).toEqual({ id: "agent-a", name: "pc a", hostname: "pc-a", ticketId: "ticket-1", secretHash: "s1", createdAt: T0 });
    expect((await store.listAgents()).map((a) => a.id)).toEqual(["agent-a", "agent-b"]);
    await store.touchAgent("agent-a", T0 + 50);
    await store.touchAgent("agent-a", T0 + 10);
    expect((await store.getAgent("agent-a"))?.lastSeenAt).toBe(T0 + 50);
    expect(await store.revokeAgent("agent-a", T0 + 60)).toBe(true);
    expect(await store.revokeAgent("agent-a", T0 + 70)).toBe(true);
    expect((await store.getAgent("agent-a"))?.revokedAt).toBe(T0 + 60);
    expect(await store.revokeAgent("agent-x", T0)).toBe(false);
    expect(await store.getAgent("agent-x")).toBeUndefined();
  });

  test("re-enrollment claims the code and re-keys together; a revoked agent gets neither, and stays revoked", async () => {
    await seed(store, []);
    await store.createAgent({ id: "agent-a", name: "pc a", ticketId: "ticket-1", secretHash: "s1", createdAt: T0 });
    await store.createEnrollmentCode("h-re1", T0 + 1000, "token:t1:alice", "ticket-1");
    await store.createEnrollmentCode("h-re2", T0 + 1000, "token:t1:alice", "ticket-1");
    expect(await store.reenrollAgent("h-re1", "agent-a", "s2", T0)).toMatchObject({ ok: true, agent: { id: "agent-a", secretHash: "s2", ticketId: "ticket-1" } });
    expect((await store.getAgent("agent-a"))?.secretHash).toBe("s2");
    expect(await store.reenrollAgent("h-re1", "agent-a", "s3", T0)).toEqual({ ok: false, reason: "used" });
    expect(await store.reenrollAgent("h-none", "agent-a", "s3", T0)).toEqual({ ok: false, reason: "unknown" });
    expect(await store.reenrollAgent("h-re2", "agent-x", "s3", T0)).toEqual({ ok: false, reason: "unknown" });
    await store.revokeAgent("agent-a", T0 + 1);
    expect(await store.reenrollAgent("h-re2", "agent-a", "s3", T0 + 2)).toEqual({ ok: false, reason: "revoked" });
    expect(await store.getAgent("agent-a")).toMatchObject({ secretHash: "s2", revokedAt: T0 + 1 });
    // The refused attempt changed nothing, the code included.
    expect(await store.consumeEnrollmentCode("h-re2", T0 + 3)).toMatchObject({ ok: true });
  });

  test("re-enrollment and revocation queued together: the agent ends revoked in every order", async () => {
    await seed(store, []);
    for (let i = 0; i < 20; i++) {
      const id = `agent-r${i}`;
      await store.createAgent({ id, name: "pc", secretHash: "old", createdAt: T0 });
      await store.createEnrollmentCode(`h-r${i}`, T0 + 1000, "token:t1:alice");
      const jobs = [store.reenrollAgent(`h-r${i}`, id, "new", T0), store.revokeAgent(id, T0)];
      if (i % 2) jobs.reverse();
      await Promise.all(jobs);
      expect((await store.getAgent(id))?.revokedAt).toBe(T0);
    }
  });

  test("runs: created requested, valid Run shape, listed per ticket, pending only while not past pickupBy", async () => {
    await seed(store, ["agent-a", "agent-b"]);
    await store.createRun({ id: "run-late", ticketId: "ticket-1", agentId: "agent-a", checks: ["dns"], params: { names: ["example.test"] }, requestedBy: "token:t1:alice", pickupBy: T0 + 120_000, createdAt: T0 + 5 });
    const run = await store.getRun("run-agent-a");
    expect(Run.parse(run)).toEqual(run);
    expect(run).toMatchObject({ state: "requested", offline: false, steps: [], pickupBy: T0 + 60_000, updatedAt: T0 });
    expect(run?.verdict).toBeUndefined();
    expect(await store.getRun("run-nope")).toBeUndefined();
    expect((await store.listRunsForTicket("ticket-1")).map((r) => r.id)).toEqual(["run-agent-a", "run-agent-b", "run-late"]);
    expect((await store.pendingRunsForAgent("agent-a", T0)).map((r) => r.id)).toEqual(["run-agent-a", "run-late"]);
    expect((await store.pendingRunsForAgent("agent-a", T0 + 60_000)).map((r) => r.id)).toEqual(["run-late"]);
    // Sent but not acknowledged: still pending (re-sent on every connection); acknowledged: not.
    await store.transitionRuns({ runId: "run-late" }, { kind: "dispatch" }, T0 + 6);
    expect((await store.pendingRunsForAgent("agent-a", T0 + 60_000)).map((r) => r.id)).toEqual(["run-late"]);
    await store.appendRunEvent("agent-a", RunEvent.parse({ type: "run.received", runId: "run-late", seq: 0, at: T0 }), T0 + 7);
    expect(await store.pendingRunsForAgent("agent-a", T0 + 60_000)).toEqual([]);
    expect((await store.getRun("run-late"))?.params).toEqual({ names: ["example.test"] });
  });

  test("runs: a run for an unknown ticket or agent is rejected by foreign keys", async () => {
    await seed(store, ["agent-a"]);
    await expect(
      store.createRun({ id: "run-bad", ticketId: "ticket-x", agentId: "agent-a", checks: ["dns"], params: {}, requestedBy: "x", pickupBy: T0, createdAt: T0 }),
    ).rejects.toThrow(/FOREIGN KEY|foreign key/);
  });

  test("transitionRuns: through the state machine; a terminal state is never left; an unknown run throws", async () => {
    await seed(store, ["agent-a", "agent-b"]);
    const [t] = await store.transitionRuns({ runId: "run-agent-a" }, { kind: "cancel", by: "alice" }, T0 + 1);
    expect(t).toMatchObject({ runId: "run-agent-a", ticketId: "ticket-1", agentId: "agent-a", from: "requested", decision: { ok: true, state: "cancelled", changed: true } });
    const [again] = await store.transitionRuns({ runId: "run-agent-a" }, { kind: "dispatch" }, T0 + 2);
    expect(again?.decision).toMatchObject({ ok: false, code: "NOT_WAITING" });
    expect(await store.getRun("run-agent-a")).toMatchObject({ state: "cancelled", reason: "cancelled by alice before the agent acknowledged it", updatedAt: T0 + 1 });
    await expect(store.transitionRuns({ runId: "run-nope" }, { kind: "dispatch" }, T0)).rejects.toThrow(/unknown run/);
  });

  test("transitionRuns: a lost link re-queues sent runs and marks held ones delivering, for that agent only", async () => {
    await seed(store, ["agent-a", "agent-b"]);
    await store.createRun({ id: "run-a2", ticketId: "ticket-1", agentId: "agent-a", checks: ["dns"], params: {}, requestedBy: "x", pickupBy: T0 + 60_000, createdAt: T0 + 1 });
    await store.transitionRuns({ runId: "run-agent-a" }, { kind: "dispatch" }, T0 + 2);
    await store.transitionRuns({ runId: "run-a2" }, { kind: "dispatch" }, T0 + 2);
    await store.appendRunEvent("agent-a", ev.accepted("run-a2"), T0 + 3);
    await store.transitionRuns({ runId: "run-agent-b" }, { kind: "dispatch" }, T0 + 2);
    const lost = await store.transitionRuns({ agentId: "agent-a" }, { kind: "link_lost" }, T0 + 4);
    expect(lost.map((t) => [t.runId, t.from, t.decision.ok && t.decision.state])).toEqual([
      ["run-agent-a", "sent", "requested"],
      ["run-a2", "running", "delivering"],
    ]);
    expect((await store.getRun("run-agent-a"))?.reason).toMatch(/link dropped before it acknowledged/);
    expect((await store.getRun("run-agent-b"))?.state).toBe("sent");
  });

  test("transitionRuns: expiry takes requested and sent runs at or past pickupBy, others stay", async () => {
    await seed(store, ["agent-a", "agent-b", "agent-c"]);
    const expire = async (now: number) =>
      (await store.transitionRuns({ pickupDueBy: now }, { kind: "expire", now }, now)).filter((t) => t.decision.ok && t.decision.changed).map((t) => t.runId);
    await store.transitionRuns({ runId: "run-agent-b" }, { kind: "dispatch" }, T0 + 1);
    await store.appendRunEvent("agent-c", ev.accepted("run-agent-c"), T0 + 1);
    expect(await expire(T0 + 59_999)).toEqual([]);
    expect(await expire(T0 + 60_000)).toEqual(["run-agent-a", "run-agent-b"]);
    expect(await expire(T0 + 70_000)).toEqual([]);
    expect(await store.getRun("run-agent-a")).toMatchObject({ state: "expired", reason: "the agent did not pick the run up in time" });
    expect((await store.getRun("run-agent-c"))?.state).toBe("running");
  });

  test("appendRunEvent: a whole run, steps ordered by seq whatever the arrival order, verdict parsed", async () => {
    await seed(store, ["agent-a"]);
    const r = "run-agent-a";
    expect(await outcome(store.appendRunEvent("agent-a", ev.accepted(r), T0 + 10))).toBe("stored");
    expect((await store.getRun(r))?.state).toBe("running");
    for (const seq of [3, 1, 2]) expect(await outcome(store.appendRunEvent("agent-a", ev.step(r, seq), T0 + 10 + seq))).toBe("stored");
    expect(await outcome(store.appendRunEvent("agent-a", ev.verdict(r, 4), T0 + 20))).toBe("stored");
    expect(await outcome(store.appendRunEvent("agent-a", ev.finished(r, 5), T0 + 30))).toBe("stored");
    const run = await store.getRun(r);
    expect(Run.parse(run)).toEqual(run);
    expect(run?.steps).toEqual([1, 2, 3].map((seq) => ({ seq, receivedAt: T0 + 10 + seq, result: stepResult(seq) })));
    expect(run).toMatchObject({ state: "completed", verdict, updatedAt: T0 + 30 });
  });

  test("appendRunEvent: replaying (run, seq) stores one row, answers duplicate and changes nothing", async () => {
    await seed(store, ["agent-a"]);
    const r = "run-agent-a";
    await store.appendRunEvent("agent-a", ev.accepted(r), T0 + 10);
    expect(await outcome(store.appendRunEvent("agent-a", ev.step(r, 1), T0 + 11))).toBe("stored");
    const before = await store.getRun(r);
    expect(await outcome(store.appendRunEvent("agent-a", ev.step(r, 1), T0 + 99))).toBe("duplicate");
    // Same seq, different content (a buggy agent): still the first one wins.
    expect(await outcome(store.appendRunEvent("agent-a", ev.finished(r, 1, "failed"), T0 + 99))).toBe("duplicate");
    expect(await store.getRun(r)).toEqual(before);
    expect(await raw(path, "SELECT * FROM run_events WHERE run_id = ? AND seq = 1", [r])).toHaveLength(1);
  });

  test("appendRunEvent: unknown run, and another agent's run, are unknown_run and store nothing", async () => {
    await seed(store, ["agent-a", "agent-b"]);
    expect(await outcome(store.appendRunEvent("agent-a", ev.step("run-ghost", 1), T0))).toBe("unknown_run");
    expect(await outcome(store.appendRunEvent("agent-a", ev.accepted("run-agent-b"), T0))).toBe("unknown_run");
    expect(await outcome(store.appendRunEvent("agent-a", ev.offline("run-agent-b", "ticket-1"), T0))).toBe("unknown_run");
    expect(await raw(path, "SELECT * FROM run_events")).toEqual([]);
    expect((await store.getRun("run-agent-b"))?.state).toBe("requested");
  });

  test("appendRunEvent: run.offline creates the agent's offline run; an unknown or foreign ticket is refused", async () => {
    await seed(store, ["agent-a"]);
    expect(await outcome(store.appendRunEvent("agent-a", ev.offline("run-off-1", "ticket-1"), T0 + 100))).toBe("stored");
    expect(await outcome(store.appendRunEvent("agent-a", ev.offline("run-off-1", "ticket-1"), T0 + 101))).toBe("duplicate");
    expect(await outcome(store.appendRunEvent("agent-a", ev.step("run-off-1", 1), T0 + 102))).toBe("stored");
    expect(await outcome(store.appendRunEvent("agent-a", ev.finished("run-off-1", 2), T0 + 103))).toBe("stored");
    const run = await store.getRun("run-off-1");
    expect(Run.parse(run)).toEqual(run);
    expect(run).toMatchObject({ offline: true, state: "completed", ticketId: "ticket-1", agentId: "agent-a", checks: ["host", "dns"], requestedBy: "agent:agent-a" });
    expect(run?.steps.map((s) => s.seq)).toEqual([1]);
    expect(await store.appendRunEvent("agent-a", ev.offline("run-off-2", "ticket-nope"), T0)).toMatchObject({ outcome: "refused", code: "TICKET_NOT_ALLOWED" });
    expect(await store.getRun("run-off-2")).toBeUndefined();
    // A ticket that exists but that agent-a was neither enrolled for nor run on.
    await store.createTicket("ticket-9", ticketBody, "token:t1:alice", T0);
    expect(await store.appendRunEvent("agent-a", ev.offline("run-off-3", "ticket-9"), T0)).toMatchObject({ outcome: "refused", code: "TICKET_NOT_ALLOWED", reason: expect.stringContaining("ticket-9") });
    expect(await raw(path, "SELECT * FROM runs WHERE ticket_id = 'ticket-9'")).toEqual([]);
  });

  test("appendRunEvent: run.refused records the code and reason", async () => {
    await seed(store, ["agent-a"]);
    await store.transitionRuns({ runId: "run-agent-a" }, { kind: "dispatch" }, T0 + 1);
    expect(await outcome(store.appendRunEvent("agent-a", ev.refused("run-agent-a"), T0 + 2))).toBe("stored");
    expect(await store.getRun("run-agent-a")).toMatchObject({ state: "refused", reason: "NO_GRANT: customer said no" });
  });

  test("appendRunEvent: the state machine refuses events after the end, a second verdict, a verdict without steps; nothing is stored", async () => {
    await seed(store, ["agent-a", "agent-b"]);
    const r = "run-agent-a";
    await store.appendRunEvent("agent-a", ev.accepted(r), T0 + 1);
    expect(await store.appendRunEvent("agent-a", ev.verdict(r, 1), T0 + 2)).toMatchObject({ outcome: "refused", code: "VERDICT_WITHOUT_STEPS" });
    await store.appendRunEvent("agent-a", ev.step(r, 2), T0 + 3);
    expect(await outcome(store.appendRunEvent("agent-a", ev.verdict(r, 3), T0 + 4))).toBe("stored");
    expect(await store.appendRunEvent("agent-a", ev.verdict(r, 4), T0 + 5)).toMatchObject({ outcome: "refused", code: "VERDICT_EXISTS" });
    expect(await store.appendRunEvent("agent-a", ev.finished(r, 5), T0 + 6)).toMatchObject({ outcome: "stored", state: "completed", changed: true });
    const done = await store.getRun(r);
    expect(await store.appendRunEvent("agent-a", ev.step(r, 6), T0 + 7)).toMatchObject({ outcome: "refused", code: "RUN_FINISHED" });
    expect(await store.appendRunEvent("agent-a", ev.finished(r, 7, "failed"), T0 + 8)).toMatchObject({ outcome: "refused", code: "RUN_FINISHED" });
    // A replay of the end is a duplicate, not a refusal.
    expect(await outcome(store.appendRunEvent("agent-a", ev.finished(r, 5), T0 + 9))).toBe("duplicate");
    expect(await store.getRun(r)).toEqual(done);
    expect((await raw<{ seq: number }>(path, "SELECT seq FROM run_events WHERE run_id = ? ORDER BY seq", [r])).map((e) => e.seq)).toEqual([0, 2, 3, 5]);

    // Cancelled before the agent acknowledged it: the agent's events are refused and it is told to stop.
    await store.transitionRuns({ runId: "run-agent-b" }, { kind: "cancel", by: "alice" }, T0 + 10);
    expect(await store.appendRunEvent("agent-b", ev.step("run-agent-b", 1), T0 + 11)).toEqual({
      outcome: "refused",
      code: "RUN_CANCELLED",
      reason: expect.stringMatching(/cancelled before the agent acknowledged it/),
      effects: ["send_cancel"],
    });
    expect((await store.getRun("run-agent-b"))?.steps).toEqual([]);
  });

  test("state machine in the store: events after the end may fill gaps below it; a late event revives an expired run", async () => {
    await seed(store, ["agent-a", "agent-b"]);
    await store.appendRunEvent("agent-a", ev.accepted("run-agent-a"), T0 + 1);
    // The end (seq 3) arrives before the step at seq 1 and the verdict at seq 2 it counted.
    expect(await outcome(store.appendRunEvent("agent-a", ev.finished("run-agent-a", 3), T0 + 2))).toBe("stored");
    expect(await outcome(store.appendRunEvent("agent-a", ev.step("run-agent-a", 1), T0 + 3))).toBe("stored");
    expect(await outcome(store.appendRunEvent("agent-a", ev.verdict("run-agent-a", 2), T0 + 4))).toBe("stored");
    expect(await store.getRun("run-agent-a")).toMatchObject({ state: "completed", verdict });

    await store.transitionRuns({ pickupDueBy: T0 + 60_000 }, { kind: "expire", now: T0 + 60_000 }, T0 + 60_000);
    expect((await store.getRun("run-agent-b"))?.state).toBe("expired");
    expect(await outcome(store.appendRunEvent("agent-b", ev.accepted("run-agent-b"), T0 + 60_001))).toBe("stored");
    expect((await store.getRun("run-agent-b"))?.state).toBe("running");
    await store.appendRunEvent("agent-b", ev.finished("run-agent-b", 1), T0 + 60_002);
    expect((await store.getRun("run-agent-b"))?.state).toBe("completed");
  });

  test("consentUntil: the deadline of the customer's question while the run waits for it", async () => {
    await seed(store, ["agent-a"]);
    await store.appendRunEvent("agent-a", RunEvent.parse({ type: "run.received", runId: "run-agent-a", seq: 0, at: T0 }), T0);
    await store.appendRunEvent("agent-a", RunEvent.parse({ type: "run.consent", runId: "run-agent-a", seq: 1, at: T0, until: T0 + 300_000 }), T0 + 1);
    expect(await store.getRun("run-agent-a")).toMatchObject({ state: "awaiting_consent", consentUntil: T0 + 300_000 });
    await store.appendRunEvent("agent-a", ev.accepted("run-agent-a", 2), T0 + 2);
    const running = await store.getRun("run-agent-a");
    expect(running?.state).toBe("running");
    expect(running?.consentUntil).toBeUndefined();
    expect(running?.reason).toBeUndefined();
  });

  test("1000 events from 10 agents at once, each sent twice: all stored exactly once, shared commits", async () => {
    const agents = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    await seed(store, agents);
    const before = store.stats;
    const eventsOf = (a: string) => {
      const r = `run-${a}`;
      return [ev.accepted(r), ...Array.from({ length: 97 }, (_, i) => ev.step(r, i + 1)), ev.verdict(r, 98), ev.finished(r, 99)];
    };
    const calls = agents.flatMap((a) => eventsOf(a).flatMap((e) => [store.appendRunEvent(a, e, T0 + e.seq), store.appendRunEvent(a, e, T0 + e.seq)]));
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((s) => s.status === "rejected")).toEqual([]);
    const results = settled.map((s) => (s.status === "fulfilled" ? s.value.outcome : "rejected"));
    expect(results.filter((x) => x === "stored")).toHaveLength(1000);
    expect(results.filter((x) => x === "duplicate")).toHaveLength(1000);
    const [count] = await raw<{ n: number }>(path, "SELECT count(*) AS n FROM run_events");
    expect(count?.n).toBe(1000);
    for (const a of agents) {
      const run = await store.getRun(`run-${a}`);
      expect(run?.steps.map((s) => s.seq)).toEqual(Array.from({ length: 97 }, (_, i) => i + 1));
      expect(run).toMatchObject({ state: "completed", verdict });
    }
    const after = store.stats;
    expect(after.jobs - before.jobs).toBe(2000);
    expect(after.commits - before.commits).toBeLessThan(2000);
  });

  test("a failing write in a shared transaction fails alone; the others in its batch commit", async () => {
    await seed(store, ["agent-a"]);
    await store.appendRunEvent("agent-a", ev.accepted("run-agent-a"), T0);
    const bad = store.createRun({ id: "run-bad", ticketId: "ticket-x", agentId: "agent-a", checks: ["dns"], params: {}, requestedBy: "x", pickupBy: T0, createdAt: T0 });
    const good = Array.from({ length: 20 }, (_, i) => outcome(store.appendRunEvent("agent-a", ev.step("run-agent-a", i + 1), T0)));
    const both = Promise.all([bad.catch((e: Error) => e), ...good]);
    const [err, ...oks] = await both;
    expect(err).toBeInstanceOf(Error);
    expect(oks).toEqual(Array(20).fill("stored"));
    expect((await store.getRun("run-agent-a"))?.steps).toHaveLength(20);
    expect(await store.getRun("run-bad")).toBeUndefined();
  });

  test("tokens: create, find by hash (revoked ones too), list, revoke, count; hash is unique", async () => {
    await store.createToken({ id: "tok-1", name: "admin", role: "admin", hash: "th1", createdAt: T0 });
    await store.createToken({ id: "tok-2", name: "eng", role: "engineer", hash: "th2", createdAt: T0 + 1, expiresAt: T0 + 10 });
    expect(await store.findTokenByHash("th2")).toEqual({ id: "tok-2", name: "eng", role: "engineer", hash: "th2", createdAt: T0 + 1, expiresAt: T0 + 10 });
    expect(await store.findTokenByHash("nope")).toBeUndefined();
    expect(await store.countTokens()).toBe(2);
    expect(await store.revokeToken("tok-1", T0 + 5)).toBe(true);
    expect(await store.revokeToken("tok-9", T0 + 5)).toBe(false);
    expect((await store.findTokenByHash("th1"))?.revokedAt).toBe(T0 + 5);
    expect((await store.listTokens()).map((t) => t.id)).toEqual(["tok-1", "tok-2"]);
    await expect(store.createToken({ id: "tok-3", name: "dup", role: "technician", hash: "th1", createdAt: T0 })).rejects.toThrow(/UNIQUE|duplicate key/);
  });

  test("audit: appended, filtered, newest first, limited; UPDATE and DELETE are rejected by the database", async () => {
    await store.appendAudit({ at: T0, actor: "token:t1:alice", action: "run.request", agentId: "agent-a", ticketId: "ticket-1", runId: "run-1", outcome: "allowed", detail: { checks: ["dns"] } });
    await store.appendAudit({ at: T0 + 1, actor: "agent:agent-a", action: "run.refused", agentId: "agent-a", outcome: "ok" });
    await store.appendAudit({ at: T0 + 2, actor: "system", action: "auth.denied", outcome: "denied" });
    const all = await store.listAudit({});
    expect(all.map((a) => a.action)).toEqual(["auth.denied", "run.refused", "run.request"]);
    expect(all[2]).toEqual({ id: all[2]!.id, at: T0, actor: "token:t1:alice", action: "run.request", agentId: "agent-a", ticketId: "ticket-1", runId: "run-1", outcome: "allowed", detail: { checks: ["dns"] } });
    expect((await store.listAudit({ agentId: "agent-a" })).map((a) => a.action)).toEqual(["run.refused", "run.request"]);
    expect((await store.listAudit({ since: T0 + 1, until: T0 + 2 })).map((a) => a.action)).toEqual(["run.refused"]);
    expect((await store.listAudit({ actor: "system", action: "auth.denied" })).length).toBe(1);
    expect((await store.listAudit({ limit: 1 })).map((a) => a.action)).toEqual(["auth.denied"]);
    await expect(raw(path, "UPDATE audit SET outcome = 'allowed'")).rejects.toThrow(/append-only/);
    await expect(raw(path, "DELETE FROM audit")).rejects.toThrow(/append-only/);
    expect(await store.listAudit({})).toEqual(all);
  });

  test("close waits for queued writes; data survives reopening; writes after close reject", async () => {
    await seed(store, ["agent-a"]);
    await store.appendRunEvent("agent-a", ev.accepted("run-agent-a"), T0);
    const pending = Array.from({ length: 50 }, (_, i) => outcome(store.appendRunEvent("agent-a", ev.step("run-agent-a", i + 1), T0)));
    await store.close();
    expect(await Promise.all(pending)).toEqual(Array(50).fill("stored"));
    await expect(store.appendRunEvent("agent-a", ev.step("run-agent-a", 99), T0)).rejects.toThrow(/closed/);
    const before = await (async () => {
      store = await backend.open(path);
      return store.getRun("run-agent-a");
    })();
    expect(before?.steps.map((s) => s.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await store.getTicket("ticket-1")).toMatchObject({ id: "ticket-1" });
    expect(await store.integrityCheck()).toBe("ok");
  });

  test("benchAppend stores every event it times (times are printed, never asserted)", async () => {
    const r = await benchAppend(store, 50);
    expect(r.events).toBe(50);
    expect(r.sequentialPerS).toBeGreaterThan(0);
    expect(r.concurrentPerS).toBeGreaterThan(0);
    const [count] = await raw<{ n: number }>(path, "SELECT count(*) AS n FROM run_events WHERE type = 'step'");
    expect(count?.n).toBe(100);
  });
});
