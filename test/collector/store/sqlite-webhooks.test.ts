// The store's side of ticket systems (migration v5, collector/store/sqlite-webhooks.ts): a v4 file
// migrates with its tickets; externalId is unique and intake on it is idempotent even when two requests
// race; a webhook event is part of the transaction of its change (rolled back with it); the deadline
// sweep adds each warning once.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateTicketBody } from "../../../shared/api.js";
import { migrate, MIGRATIONS } from "../../../collector/store/migrations.js";
import { SqliteDb } from "../../../collector/store/sqlite-db.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";

const T0 = 1_700_000_000_000;
let dir: string;
let n = 0;
const freshPath = () => join(dir, `s${++n}`, "db.sqlite");

function raw<T = Record<string, unknown>>(path: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (err) => {
      if (err) return reject(err);
      db.all<T>(sql, [], (e, rows) => db.close(() => (e ? reject(e) : resolve(rows))));
    });
  });
}

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

  test("unique: racing intakes with one externalId open one ticket and all get it; the index refuses a second by hand", async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => store.createTicket(`tk_race0000000${i}`, intake("INC-77"), "crm", T0 + i)));
    expect(new Set(got.map((t) => t.id)).size).toBe(1);
    expect(got[0]!.externalId).toBe("INC-77");
    expect(await store.listTickets({ sort: "created", limit: 10, externalId: "INC-77" }, T0)).toHaveLength(1);
    expect(await store.listTickets({ sort: "created", limit: 10 }, T0, "external")).toHaveLength(1);
    await store.createTicket("tk_plain00000001", intake(), "alice", T0);
    expect(await store.listTickets({ sort: "created", limit: 10 }, T0, "external")).toHaveLength(1);
    await store.close();
    await expect(raw(path, "INSERT INTO tickets (id, customer_name, customer_contact, service, symptom, category, severity, created_at, created_by, respond_by, resolve_by, external_id) VALUES ('tk_dup', 'n', 'c', 's', 's', 'network', 'general', 0, 'x', 0, 0, 'INC-77')")).rejects.toThrow(/UNIQUE/);
  });
});

describe("the outbox", () => {
  test("an event commits with its change: a transition rolled back takes its event with it", async () => {
    const path = freshPath();
    const store = await openSqliteStore(path);
    const t = await store.createTicket("tk_roll00000001", intake(), "alice", T0);
    // The history table refuses UPDATE by trigger; make its INSERT fail the same way for this test, so
    // the transition fails after the ticket row and the event were written in its transaction.
    await store.close();
    await raw(path, "CREATE TRIGGER test_fail BEFORE INSERT ON ticket_history BEGIN SELECT RAISE(ABORT, 'injected'); END");
    const again = await openSqliteStore(path);
    await expect(again.transitionTicket(t.id, { kind: "escalate", to: "field_service" }, "alice", T0)).rejects.toThrow(/injected/);
    expect((await again.getTicket(t.id))?.status).toBe("new");
    expect(await again.webhooks.unexpandedEvents(10)).toEqual([]);
    await again.close();
    await raw(path, "DROP TRIGGER test_fail");
    const fixed = await openSqliteStore(path);
    expect((await fixed.transitionTicket(t.id, { kind: "escalate", to: "field_service" }, "alice", T0)).ok).toBe(true);
    expect((await fixed.webhooks.unexpandedEvents(10)).map((e) => [e.type, e.ticketId])).toEqual([["ticket.escalated", t.id]]);
    await fixed.close();
  });

  test("the deadline sweep adds each warning once per ticket and deadline", async () => {
    const store = await openSqliteStore(freshPath());
    await store.createTicket("tk_due000000001", intake(), "alice", T0, { respondBy: T0 + 5 * 60_000, resolveBy: T0 + 10 * 60_000 });
    expect(await store.webhooks.enqueueDeadlineWarnings(T0, 15 * 60_000)).toBe(2);
    expect(await store.webhooks.enqueueDeadlineWarnings(T0 + 60_000, 15 * 60_000)).toBe(0);
    // Past due: not "about to pass" any more.
    await store.createTicket("tk_due000000002", intake(), "alice", T0, { respondBy: T0 - 1, resolveBy: T0 - 1 });
    expect(await store.webhooks.enqueueDeadlineWarnings(T0 + 120_000, 15 * 60_000)).toBe(0);
    await store.close();
  });
});
