// The store's side of ticket systems (migration v5, collector/store/sql-webhooks.ts), on both engines
// where it is not about an old SQLite file: a v4 file migrates with its tickets; externalId is unique
// and intake on it is idempotent even when requests race, on one store or on two stores (two
// collectors) sharing the database; a webhook event is part of the transaction of its change (rolled
// back with it); the deadline sweep adds each warning once; two stores never lease one delivery at once.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CreateTicketBody } from "../../../shared/api.js";
import { migrate, MIGRATIONS } from "../../../collector/store/migrations.js";
import { SqliteDb } from "../../../collector/store/sqlite-db.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";
import { STORE_BACKENDS } from "../../helpers/store-backends.js";

const T0 = 1_700_000_000_000;
let dir: string;
let n = 0;
const freshPath = () => join(dir, `s${++n}`, "db.sqlite");

const intake = (externalId?: string) =>
  CreateTicketBody.parse({ customer: { name: "Wang Fang", contact: "+86 1" }, service: "Fiber", symptom: "down", ...(externalId ? { externalId } : {}) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-store-hooks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("externalId", () => {
  test("a v4 file migrates: its tickets have none, and any number of tickets may have none", async () => {
    const path = freshPath();
    await mkdir(dirname(path), { recursive: true });
    const old = await SqliteDb.open(path, { synchronous: "FULL", busyTimeoutMs: 5000, maxBatch: 10 }, (tx) => migrate({ dialect: "sqlite", tx }, MIGRATIONS.filter((m) => m.version <= 4)).then(() => undefined));
    await old.write((tx) =>
      tx.run("INSERT INTO tickets (id, customer_name, customer_contact, service, symptom, category, severity, created_at, created_by, respond_by, resolve_by) VALUES ('tk_old000000001', 'n', 'c', 's', 's', 'network', 'general', 0, 'x', 0, 0)"),
    );
    await old.close();
    const store = await openSqliteStore(path);
    expect((await store.getTicket("tk_old000000001"))?.externalId).toBeUndefined();
    await store.createTicket("tk_new000000001", intake(), "alice", T0);
    await store.createTicket("tk_new000000002", intake(), "alice", T0);
    expect(await store.listTickets({ sort: "created", limit: 10 }, T0)).toHaveLength(3);
    await store.close();
  });
});

describe.each(STORE_BACKENDS)("ticket systems on $title", (backend) => {
  let path: string;
  beforeEach(async (ctx) => {
    if (backend.skip) return ctx.skip();
    path = await backend.newLocation();
  });
  const raw = (sql: string, params: unknown[] = []) => backend.raw(path, sql, params);

  test("unique: racing intakes with one externalId open one ticket and all get it; the index refuses a second by hand", async () => {
    const store = await backend.open(path);
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => store.createTicket(`tk_race0000000${i}`, intake("INC-77"), "crm", T0 + i)));
    expect(new Set(got.map((t) => t.id)).size).toBe(1);
    expect(got[0]!.externalId).toBe("INC-77");
    expect(await store.listTickets({ sort: "created", limit: 10, externalId: "INC-77" }, T0)).toHaveLength(1);
    expect(await store.listTickets({ sort: "created", limit: 10 }, T0, "external")).toHaveLength(1);
    await store.createTicket("tk_plain00000001", intake(), "alice", T0);
    expect(await store.listTickets({ sort: "created", limit: 10 }, T0, "external")).toHaveLength(1);
    await store.close();
    await expect(raw("INSERT INTO tickets (id, customer_name, customer_contact, service, symptom, category, severity, created_at, created_by, respond_by, resolve_by, external_id) VALUES ('tk_dup', 'n', 'c', 's', 's', 'network', 'general', 0, 'x', 0, 0, 'INC-77')")).rejects.toThrow(/UNIQUE|duplicate key/);
  });

  test("two stores on one database (two collectors) racing intakes with one externalId open one ticket", async () => {
    const a = await backend.open(path);
    const b = await backend.open(path);
    try {
      for (let round = 0; round < 10; round++) {
        const ext = `INC-${round}`;
        const got = await Promise.all([0, 1, 2, 3].map((i) => (i % 2 ? a : b).createTicket(`tk_two${round}_${i}`, intake(ext), "crm", T0)));
        expect(new Set(got.map((t) => t.id)).size).toBe(1);
        expect(await a.listTickets({ sort: "created", limit: 10, externalId: ext }, T0)).toHaveLength(1);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("an event commits with its change: a transition rolled back takes its event with it", async () => {
    const store = await backend.open(path);
    const t = await store.createTicket("tk_roll00000001", intake(), "alice", T0);
    // The history table refuses UPDATE by trigger; make its INSERT fail the same way for this test, so
    // the transition fails after the ticket row and the event were written in its transaction.
    await store.close();
    await raw(
      backend.name === "sqlite"
        ? "CREATE TRIGGER test_fail BEFORE INSERT ON ticket_history BEGIN SELECT RAISE(ABORT, 'injected'); END"
        : "CREATE TRIGGER test_fail BEFORE INSERT ON ticket_history FOR EACH ROW EXECUTE FUNCTION netdiag_refuse('injected')",
    );
    const again = await backend.open(path);
    await expect(again.transitionTicket(t.id, { kind: "escalate", to: "field_service" }, "alice", T0)).rejects.toThrow(/injected/);
    expect((await again.getTicket(t.id))?.status).toBe("new");
    expect(await again.webhooks.unexpandedEvents(10)).toEqual([]);
    await again.close();
    await raw(backend.name === "sqlite" ? "DROP TRIGGER test_fail" : "DROP TRIGGER test_fail ON ticket_history");
    const fixed = await backend.open(path);
    expect((await fixed.transitionTicket(t.id, { kind: "escalate", to: "field_service" }, "alice", T0)).ok).toBe(true);
    expect((await fixed.webhooks.unexpandedEvents(10)).map((e) => [e.type, e.ticketId])).toEqual([["ticket.escalated", t.id]]);
    await fixed.close();
  });

  test("the deadline sweep adds each warning once per ticket and deadline", async () => {
    const store = await backend.open(path);
    await store.createTicket("tk_due000000001", intake(), "alice", T0, { respondBy: T0 + 5 * 60_000, resolveBy: T0 + 10 * 60_000 });
    expect(await store.webhooks.enqueueDeadlineWarnings(T0, 15 * 60_000)).toBe(2);
    expect(await store.webhooks.enqueueDeadlineWarnings(T0 + 60_000, 15 * 60_000)).toBe(0);
    // Past due: not "about to pass" any more.
    await store.createTicket("tk_due000000002", intake(), "alice", T0, { respondBy: T0 - 1, resolveBy: T0 - 1 });
    expect(await store.webhooks.enqueueDeadlineWarnings(T0 + 120_000, 15 * 60_000)).toBe(0);
    await store.close();
  });

  test("two stores (two collectors) claiming the same target's due deliveries never lease one delivery twice", async () => {
    const a = await backend.open(path);
    const b = await backend.open(path);
    try {
      const t = await a.createTicket("tk_claim0000001", intake(), "alice", T0);
      await a.transitionTicket(t.id, { kind: "escalate", to: "field_service" }, "alice", T0);
      const [e] = await a.webhooks.unexpandedEvents(10);
      const ids = Array.from({ length: 40 }, (_, i) => `dl_${i}`);
      await a.webhooks.expandEvents([{ eventId: e!.id, body: "{}", deliveries: ids.map((id) => ({ id, target: "crm" })) }], T0);
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).webhooks.claimDue("crm", T0, 60_000, 10)));
      const claimed = claims.flat().map((c) => c.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.sort()).toEqual([...ids].sort());
    } finally {
      await a.close();
      await b.close();
    }
  });
});
