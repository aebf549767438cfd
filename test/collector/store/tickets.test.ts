// The support desk's part of the store on both engines (test/helpers/store-backends.ts): list filters and sorts, a
// transition and its history in one transaction (a refused one writes nothing), the append-only
// history, the ticket's newest verdict kept with the verdict event, knowledge by cause, a resolution
// that cannot be read back, and a version-3 database migrated with its tickets intact.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { Ticket, type CreateTicketBody } from "../../../shared/api.js";
import { memoryLogger } from "../../../shared/log.js";
import { RunEvent } from "../../../shared/protocol.js";
import { TicketQuery, type Resolution, type TicketAction } from "../../../shared/ticket.js";
import type { Verdict } from "../../../shared/verdict.js";
import { migrate, MIGRATIONS } from "../../../collector/store/migrations.js";
import { SqliteDb } from "../../../collector/store/sqlite-db.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";
import { STORE_BACKENDS } from "../../helpers/store-backends.js";

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;

const body = (severity: CreateTicketBody["severity"] = "general"): CreateTicketBody => ({
  customer: { name: "Wang Fang", contact: "+86 138 0000 0000" },
  service: "Fiber 300M",
  symptom: "internet down since 9:00",
  category: "network",
  severity,
});

const q = (o: Record<string, string> = {}) => TicketQuery.parse(o);

const verdict = (segment: Verdict["segment"], cause: string): Verdict => ({
  segment,
  cause,
  summary: cause,
  evidence: [],
  consequences: [],
  unverified: [],
  next_steps: { customer: [], engineer: [] },
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-desk-store-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
let n = 0;
const freshPath = () => join(dir, `db-${++n}`, "netdiag.sqlite");

describe.each(STORE_BACKENDS)("desk store on $title", (backend) => {
  let path: string;
  let log: ReturnType<typeof memoryLogger>;
  let store: Awaited<ReturnType<typeof openSqliteStore>>;
  const raw = <T = Record<string, unknown>>(where: string, sql: string, params: unknown[] = []) => backend.raw<T>(where, sql, params);
  beforeEach(async (ctx) => {
    if (backend.skip) return ctx.skip();
    path = await backend.newLocation();
    log = memoryLogger();
    store = await backend.open(path, { log });
  });
  afterEach(async () => {
    await store?.close();
  });

  const deadlines = (createdAt: number, respondMs: number, resolveMs: number) => ({ respondBy: createdAt + respondMs, resolveBy: createdAt + resolveMs });

  /** A run of `agentId` on the ticket, completed with a verdict through the real event path. */
  async function runWithVerdict(ticketId: string, agentId: string, runId: string, createdAt: number, v: Verdict): Promise<void> {
    if (!(await store.getAgent(agentId))) await store.createAgent({ id: agentId, name: agentId, secretHash: `h-${agentId}`, createdAt: T0 });
    await store.createRun({ id: runId, ticketId, agentId, checks: ["host"], params: {}, requestedBy: "alice", pickupBy: createdAt + HOUR, createdAt });
    const at = createdAt;
    for (const e of [
      { type: "run.accepted", runId, seq: 0, at },
      { type: "step", runId, seq: 1, at, result: { check: "host", status: "skipped", startedAt: at, durationMs: 1, findings: [], data: {}, skipReason: "test" } },
      { type: "verdict", runId, seq: 2, at, verdict: v },
      { type: "run.finished", runId, seq: 3, at, outcome: "completed", steps: 1 },
    ]) {
      expect((await store.appendRunEvent(agentId, RunEvent.parse(e), at)).outcome).toBe("stored");
    }
  }

  test("createTicket stamps the deadlines it is given; a new ticket is 'new' with no lifecycle fields", async () => {
    const t = await store.createTicket("tk_aaaa", body("severe"), "alice", T0, deadlines(T0, 10 * MIN, 2 * HOUR));
    expect(t).toMatchObject({ status: "new", respondBy: T0 + 10 * MIN, resolveBy: T0 + 2 * HOUR });
    expect(Object.keys(t)).not.toEqual(expect.arrayContaining(["firstResponseAt"]));
    expect(await store.getTicket("tk_aaaa")).toEqual(t);
  });

  test("filters: status list, severity list, agent (enrolled or ran), cause; limit", async () => {
    await store.createTicket("tk_new", body("general"), "alice", T0);
    await store.createTicket("tk_diag", body("important"), "alice", T0 + 1);
    await store.createTicket("tk_esc", body("severe"), "alice", T0 + 2);
    await store.createTicket("tk_other", body("severe"), "alice", T0 + 3);
    await store.transitionTicket("tk_diag", { kind: "set_status", to: "diagnosing" }, "alice", T0 + 10);
    await store.transitionTicket("tk_esc", { kind: "escalate", to: "field_service" }, "alice", T0 + 10);
    // ag_enrolled was enrolled for tk_new; ag_runner ran on tk_diag (enrolled for nothing).
    await store.createAgent({ id: "ag_enrolled", name: "pc", secretHash: "h1", createdAt: T0, ticketId: "tk_new" });
    await runWithVerdict("tk_diag", "ag_runner", "run_0001", T0 + 20, verdict("router", "ROUTER_NAT_FAILED"));
    await runWithVerdict("tk_esc", "ag_other", "run_0002", T0 + 21, verdict("wan", "WAN_LINK_DOWN"));

    const ids = async (o: Record<string, string>) => (await store.listTickets(q({ sort: "created", ...o }), T0 + 100)).map((t) => t.id);
    expect(await ids({ status: "new,escalated" })).toEqual(["tk_other", "tk_esc", "tk_new"]);
    expect(await ids({ status: "diagnosing" })).toEqual(["tk_diag"]);
    expect(await ids({ severity: "severe" })).toEqual(["tk_other", "tk_esc"]);
    expect(await ids({ severity: "general,important" })).toEqual(["tk_diag", "tk_new"]);
    expect(await ids({ status: "new", severity: "severe" })).toEqual(["tk_other"]);
    expect(await ids({ agentId: "ag_enrolled" })).toEqual(["tk_new"]);
    expect(await ids({ agentId: "ag_runner" })).toEqual(["tk_diag"]);
    expect(await ids({ cause: "ROUTER_NAT_FAILED" })).toEqual(["tk_diag"]);
    expect(await ids({ cause: "DNS_ALL_FAILED" })).toEqual([]);
    expect(await ids({ limit: "2" })).toEqual(["tk_other", "tk_esc"]);

    const diag = await store.getTicket("tk_diag");
    expect(diag).toMatchObject({ agentId: "ag_runner", lastVerdict: { runId: "run_0001", segment: "router", cause: "ROUTER_NAT_FAILED" } });
    expect((await store.getTicket("tk_new"))?.agentId).toBe("ag_enrolled");
    expect((await store.getTicket("tk_other"))?.agentId).toBeUndefined();
  });

  test("overdue: a response or a resolution deadline not met and past; met deadlines never are", async () => {
    // respond by +10 min, resolve by +1 h for all of them.
    const mk = (id: string) => store.createTicket(id, body(), "alice", T0, deadlines(T0, 10 * MIN, HOUR));
    await mk("tk_untouched");
    await mk("tk_answered");
    await mk("tk_resolved");
    await store.transitionTicket("tk_answered", { kind: "set_status", to: "diagnosing" }, "alice", T0 + 5 * MIN);
    const resolution: Resolution = { rootCause: "modem hung", fix: "restarted it", unverifiedReason: "fixed on the call" };
    await store.transitionTicket("tk_resolved", { kind: "resolve", resolution }, "alice", T0 + 5 * MIN);
    const overdue = async (now: number) => (await store.listTickets(q({ overdue: "1", sort: "created" }), now)).map((t) => t.id).sort();
    expect(await overdue(T0 + 10 * MIN)).toEqual([]); // due, not past
    expect(await overdue(T0 + 10 * MIN + 1)).toEqual(["tk_untouched"]); // no response in time
    expect(await overdue(T0 + HOUR + 1)).toEqual(["tk_answered", "tk_untouched"]); // not resolved in time
    expect(await store.listTickets(q({ overdue: "0" }), T0 + HOUR + 1)).toHaveLength(3);
  });

  test("sort by deadline: nearest unmet deadline first (overdue on top), resolved then closed after the open ones", async () => {
    // Created at different times with different limits, so the nearest deadline is not the creation order.
    await store.createTicket("tk_late", body(), "alice", T0, deadlines(T0, 5 * MIN, 3 * HOUR)); // respond overdue at T0+30min
    await store.createTicket("tk_soon", body(), "alice", T0 + 1, deadlines(T0 + 1, 40 * MIN, 2 * HOUR)); // respond due in 10 min
    await store.createTicket("tk_answered", body(), "alice", T0 + 2, deadlines(T0 + 2, 6 * MIN, 50 * MIN)); // responded; resolve due in 20 min
    await store.createTicket("tk_far", body(), "alice", T0 + 3, deadlines(T0 + 3, 4 * HOUR, 72 * HOUR));
    await store.createTicket("tk_resolved", body(), "alice", T0 + 4, deadlines(T0 + 4, MIN, 2 * MIN)); // would be most overdue, but resolved
    await store.createTicket("tk_closed", body(), "alice", T0 + 5, deadlines(T0 + 5, MIN, 2 * MIN));
    await store.transitionTicket("tk_answered", { kind: "set_status", to: "waiting_customer" }, "alice", T0 + MIN);
    const resolution: Resolution = { rootCause: "cable", fix: "replugged", unverifiedReason: "customer confirmed by phone" };
    for (const id of ["tk_resolved", "tk_closed"]) await store.transitionTicket(id, { kind: "resolve", resolution }, "alice", T0 + MIN);
    await store.transitionTicket("tk_closed", { kind: "close", confirmation: { outcome: "confirmed", satisfaction: 5 } }, "alice", T0 + 2 * MIN);
    const now = T0 + 30 * MIN;
    expect((await store.listTickets(q({ sort: "deadline" }), now)).map((t) => t.id)).toEqual(["tk_late", "tk_soon", "tk_answered", "tk_far", "tk_resolved", "tk_closed"]);
    expect((await store.listTickets(q(), now)).map((t) => t.id)[0]).toBe("tk_late"); // deadline is the default sort
    expect((await store.listTickets(q({ sort: "created" }), now)).map((t) => t.id)).toEqual(["tk_closed", "tk_resolved", "tk_far", "tk_answered", "tk_soon", "tk_late"]);
  });

  test("a transition writes the ticket and one history entry together; the first move out of new is the response", async () => {
    await store.createTicket("tk_aaaa", body(), "alice", T0);
    const r = await store.transitionTicket("tk_aaaa", { kind: "escalate", to: "network_operations", note: "DSLAM port down?" }, "token:t1:alice", T0 + 7);
    expect(r).toMatchObject({ ok: true, changed: true, ticket: { status: "escalated", escalatedTo: "network_operations", escalatedAt: T0 + 7, firstResponseAt: T0 + 7 } });
    expect(Ticket.parse((r as { ticket: unknown }).ticket)).toBeDefined();
    const history = await store.listTicketHistory("tk_aaaa");
    expect(history).toEqual([
      { at: T0 + 7, actor: "token:t1:alice", action: "escalate", from: "new", to: "escalated", note: "DSLAM port down?", detail: { to: "network_operations" } },
    ]);
    expect(r.ok && r.entry).toEqual(history[0]);
    expect(await store.getTicket("tk_aaaa")).toEqual(r.ok ? r.ticket : undefined);
  });

  test("a refused transition writes nothing; an allowed no-op writes no history; an unknown ticket is NOT_FOUND", async () => {
    await store.createTicket("tk_aaaa", body(), "alice", T0);
    const before = await raw(path, "SELECT * FROM tickets WHERE id = 'tk_aaaa'");
    const refusals: [TicketAction, string][] = [
      [{ kind: "close", confirmation: { outcome: "confirmed", satisfaction: 4 } }, "ILLEGAL_TRANSITION"],
      [{ kind: "resolve", resolution: { rootCause: "x", fix: "y" } }, "VERIFICATION_REQUIRED"],
      [{ kind: "set_status", to: "diagnosing" }, "OK"],
      [{ kind: "set_status", to: "diagnosing" }, "NO_CHANGE"],
    ];
    for (const [a, code] of refusals.slice(0, 2)) expect(await store.transitionTicket("tk_aaaa", a, "alice", T0 + 1)).toMatchObject({ ok: false, code });
    expect(await raw(path, "SELECT * FROM tickets WHERE id = 'tk_aaaa'")).toEqual(before);
    expect(await raw(path, "SELECT * FROM ticket_history")).toEqual([]);
    await store.transitionTicket("tk_aaaa", refusals[2]![0], "alice", T0 + 2);
    const afterOne = await raw(path, "SELECT * FROM tickets WHERE id = 'tk_aaaa'");
    expect(await store.transitionTicket("tk_aaaa", refusals[3]![0], "alice", T0 + 3)).toMatchObject({ ok: false, code: "NO_CHANGE" });
    // A run triggered on a ticket already being diagnosed: allowed, nothing to write.
    expect(await store.transitionTicket("tk_aaaa", { kind: "diagnosis_triggered", runId: "run_x" }, "alice", T0 + 4)).toMatchObject({ ok: true, changed: false, ticket: { status: "diagnosing" } });
    expect(await raw(path, "SELECT * FROM tickets WHERE id = 'tk_aaaa'")).toEqual(afterOne);
    expect(await store.listTicketHistory("tk_aaaa")).toHaveLength(1);
    expect(await store.transitionTicket("tk_zzzz", { kind: "reopen", note: "x" }, "alice", T0)).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  test("the history is append-only in the database itself", async () => {
    await store.createTicket("tk_aaaa", body(), "alice", T0);
    await store.transitionTicket("tk_aaaa", { kind: "set_status", to: "diagnosing", note: "called back" }, "alice", T0 + 1);
    await expect(raw(path, "UPDATE ticket_history SET note = 'rewritten'")).rejects.toThrow(/append-only/);
    await expect(raw(path, "DELETE FROM ticket_history")).rejects.toThrow(/append-only/);
    expect((await store.listTicketHistory("tk_aaaa"))[0]?.note).toBe("called back");
  });

  test("resolve stores the resolution and its cause, close the confirmation, reopen clears both and keeps the history", async () => {
    await store.createTicket("tk_aaaa", body(), "alice", T0);
    const resolution: Resolution = { rootCause: "NAT rule lost after firmware update", fix: "restored the router config", verificationRunId: "run_ok", cause: "ROUTER_NAT_FAILED", segment: "router" };
    const r = await store.transitionTicket("tk_aaaa", { kind: "resolve", resolution, note: "verified" }, "alice", T0 + 5);
    expect(r).toMatchObject({ ok: true, ticket: { status: "resolved", resolvedAt: T0 + 5, resolution } });
    expect(await raw(path, "SELECT resolution_cause FROM tickets")).toEqual([{ resolution_cause: "ROUTER_NAT_FAILED" }]);
    const c = await store.transitionTicket("tk_aaaa", { kind: "close", confirmation: { outcome: "confirmed", satisfaction: 4, note: "works" } }, "alice", T0 + 6);
    expect(c).toMatchObject({ ok: true, ticket: { status: "closed", closedAt: T0 + 6, confirmation: { outcome: "confirmed", satisfaction: 4 } } });
    const o = await store.transitionTicket("tk_aaaa", { kind: "reopen", note: "down again" }, "alice", T0 + 7);
    expect(o.ok && o.ticket.status).toBe("diagnosing");
    expect(o.ok && [o.ticket.resolution, o.ticket.confirmation, o.ticket.resolvedAt, o.ticket.closedAt]).toEqual([undefined, undefined, undefined, undefined]);
    expect(await raw(path, "SELECT resolution_cause, resolution, confirmation FROM tickets")).toEqual([{ resolution_cause: null, resolution: null, confirmation: null }]);
    expect((await store.listTicketHistory("tk_aaaa")).map((h) => `${h.action}:${h.from}->${h.to}`)).toEqual(["resolve:new->resolved", "close:resolved->closed", "reopen:closed->diagnosing"]);
  });

  test("the ticket keeps its newest verdict; a late verdict of an older run does not replace it", async () => {
    await store.createTicket("tk_aaaa", body(), "alice", T0);
    await runWithVerdict("tk_aaaa", "ag_0001", "run_new", T0 + 200, verdict("dns", "DNS_ALL_FAILED"));
    await runWithVerdict("tk_aaaa", "ag_0001", "run_old", T0 + 100, verdict("wan", "WAN_LINK_DOWN"));
    expect((await store.getTicket("tk_aaaa"))?.lastVerdict).toEqual({ runId: "run_new", segment: "dns", cause: "DNS_ALL_FAILED" });
    await runWithVerdict("tk_aaaa", "ag_0001", "run_newer", T0 + 300, verdict("none", "NONE"));
    expect((await store.getTicket("tk_aaaa"))?.lastVerdict).toEqual({ runId: "run_newer", segment: "none", cause: "NONE" });
  });

  test("knowledge: resolved and closed tickets with the cause, newest first, with a total; others and the asking ticket left out", async () => {
    const resolve = async (id: string, at: number, cause: string | undefined, fix: string, verified: boolean) => {
      await store.createTicket(id, body(), "alice", at);
      const resolution: Resolution = { rootCause: `root of ${id}`, fix, ...(verified ? { verificationRunId: `run_${id}` } : { unverifiedReason: "agent gone" }), ...(cause ? { cause, segment: "router" } : {}) };
      expect((await store.transitionTicket(id, { kind: "resolve", resolution }, "alice", at + 10)).ok).toBe(true);
    };
    await resolve("tk_0001", T0, "ROUTER_NAT_FAILED", "restored NAT", true);
    await resolve("tk_0002", T0 + 100, "ROUTER_NAT_FAILED", "replaced router", false);
    await resolve("tk_0003", T0 + 200, "WAN_LINK_DOWN", "fixed line", true);
    await resolve("tk_0004", T0 + 300, undefined, "no cause", true);
    await resolve("tk_0005", T0 + 400, "ROUTER_NAT_FAILED", "will be reopened", true);
    await store.transitionTicket("tk_0005", { kind: "reopen", note: "not fixed" }, "alice", T0 + 500);
    await store.transitionTicket("tk_0001", { kind: "close", confirmation: { outcome: "confirmed", satisfaction: 5 } }, "alice", T0 + 600);

    const k = await store.listKnowledge("ROUTER_NAT_FAILED", { limit: 10 });
    expect(k.total).toBe(2);
    expect(k.tickets).toEqual([
      { ticketId: "tk_0002", cause: "ROUTER_NAT_FAILED", segment: "router", rootCause: "root of tk_0002", fix: "replaced router", resolvedAt: T0 + 110, verified: false },
      { ticketId: "tk_0001", cause: "ROUTER_NAT_FAILED", segment: "router", rootCause: "root of tk_0001", fix: "restored NAT", resolvedAt: T0 + 10, verified: true, satisfaction: 5 },
    ]);
    expect(await store.listKnowledge("ROUTER_NAT_FAILED", { limit: 1 })).toMatchObject({ total: 2, tickets: [{ ticketId: "tk_0002" }] });
    expect(await store.listKnowledge("ROUTER_NAT_FAILED", { limit: 10, excludeTicketId: "tk_0002" })).toMatchObject({ total: 1, tickets: [{ ticketId: "tk_0001" }] });
    expect(await store.listKnowledge("DNS_ALL_FAILED", { limit: 10 })).toEqual({ tickets: [], total: 0 });
  });

  test("a resolution that cannot be read back is left out of the ticket and logged, never a failed read", async () => {
    await store.createTicket("tk_aaaa", body(), "alice", T0);
    await store.transitionTicket("tk_aaaa", { kind: "resolve", resolution: { rootCause: "r", fix: "f", unverifiedReason: "u", cause: "WAN_LINK_DOWN" } }, "alice", T0 + 1);
    // Written behind the store's back: nested past the JSON depth limit, and a shape the schema refuses.
    await raw(path, "UPDATE tickets SET resolution = ?, confirmation = ? WHERE id = 'tk_aaaa'", ["[".repeat(100) + "]".repeat(100), '{"outcome":"maybe"}']);
    const t = await store.getTicket("tk_aaaa");
    expect(t).toMatchObject({ id: "tk_aaaa", status: "resolved" });
    expect(t?.resolution).toBeUndefined();
    expect(t?.confirmation).toBeUndefined();
    expect((await store.listTickets(q(), T0)).map((x) => x.id)).toEqual(["tk_aaaa"]);
    const warned = log.lines.filter((l) => l.msg === "unreadable stored record").map((l) => [l.fields.part, l.fields.code]);
    expect(warned).toEqual(expect.arrayContaining([["resolution", "JSON_TOO_DEEP"], ["confirmation", "INVALID_RECORD"]]));
    // Knowledge counts it but cannot show its text.
    expect(await store.listKnowledge("WAN_LINK_DOWN", { limit: 5 })).toEqual({ tickets: [], total: 1 });
  });
});

test("a version-3 database keeps its tickets readable after migration: 'open' becomes 'new', its newest verdict is found", async () => {
  const path = freshPath();
  await mkdir(dirname(path), { recursive: true });
  const old = await SqliteDb.open(path, { synchronous: "FULL", busyTimeoutMs: 5000, maxBatch: 10 }, async (tx) => {
    await migrate({ dialect: "sqlite", tx }, MIGRATIONS.filter((m) => m.version <= 3));
  });
  const v = JSON.stringify(verdict("wan", "WAN_LINK_DOWN"));
  await old.write(async (tx) => {
    await tx.run(
      "INSERT INTO tickets (id, customer_name, customer_contact, service, symptom, category, severity, status, created_at, created_by, respond_by, resolve_by) VALUES ('tk_old', 'Li', '+86 1', 'ADSL', 'slow', 'network', 'important', 'open', ?, 'bob', ?, ?)",
      [T0, T0 + 2 * HOUR, T0 + 24 * HOUR],
    );
    await tx.run("INSERT INTO agents (id, name, secret_hash, created_at, ticket_id) VALUES ('ag_old', 'pc', 'h', ?, 'tk_old')", [T0]);
    await tx.run("INSERT INTO runs (id, ticket_id, agent_id, checks, params, state, requested_by, created_at, updated_at, pickup_by, verdict) VALUES ('run_aaaa', 'tk_old', 'ag_old', '[]', '{}', 'completed', 'bob', ?, ?, ?, ?)", [T0 + 1, T0 + 1, T0 + 1, v]);
  });
  await old.close();
  const store = await openSqliteStore(path, { log: memoryLogger() });
  try {
    const t = await store.getTicket("tk_old");
    expect(Ticket.parse(t)).toEqual(t);
    expect(t).toMatchObject({ status: "new", severity: "important", agentId: "ag_old", lastVerdict: { runId: "run_aaaa", segment: "wan", cause: "WAN_LINK_DOWN" } });
    expect((await store.listTickets(TicketQuery.parse({ status: "new" }), T0)).map((x) => x.id)).toEqual(["tk_old"]);
    expect(await store.transitionTicket("tk_old", { kind: "set_status", to: "diagnosing" }, "alice", T0 + 5)).toMatchObject({ ok: true, ticket: { status: "diagnosing", firstResponseAt: T0 + 5 } });
  } finally {
    await store.close();
  }
});
