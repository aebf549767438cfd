// The webhook queue end to end below the HTTP API: a real SQLite store, the real dispatcher, and a real
// receiver on loopback that verifies every signature (test/helpers/webhook-receiver.ts). Time is a
// manual clock (no real waiting): retries are checked against the backoff schedule by moving it.
// Events come from the store's own transactions (ticket transitions, runs reaching their end, the
// deadline sweep); restarts reopen the same SQLite file.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { CreateTicketBody, type Ticket } from "../../../shared/api.js";
import { memoryLogger } from "../../../shared/log.js";
import type { RunEvent } from "../../../shared/protocol.js";
import { openSqliteStore } from "../../../collector/store/sql-store.js";
import type { Store } from "../../../collector/store/types.js";
import { WebhooksConfig } from "../../../collector/webhooks/config.js";
import { DEADLINE_SWEEP_MS, ORPHAN_REASON, WebhookDispatcher } from "../../../collector/webhooks/dispatcher.js";
import { resolveTargets } from "../../../collector/webhooks/targets.js";
import { makeTestPki } from "../../helpers/certs.js";
import { ManualClock } from "../../helpers/manual-clock.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../helpers/webhook-receiver.js";
import { judge, LINE_DOWN } from "../tickets/desk-fixtures.js";

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const SECRET = "whsec-test-0123456789abcdef0123456789abcdef";

interface Env {
  dir: string;
  dbPath: string;
  secretFile: string;
  store: Store;
  clock: ManualClock;
  receiver: WebhookReceiver;
  dispatcher: WebhookDispatcher;
  config: WebhooksConfig;
  log: ReturnType<typeof memoryLogger>;
}

let env: Env | undefined;

afterEach(async () => {
  if (!env) return;
  await env.dispatcher.close();
  await env.store.close().catch(() => undefined);
  await env.receiver.close();
  await rm(env.dir, { recursive: true, force: true });
  env = undefined;
});

/** `random: 0.5` makes the jitter exact: each wait is 3/4 of the doubled delay (backoff.ts). */
async function newDispatcher(e: Pick<Env, "store" | "clock" | "config" | "log">): Promise<WebhookDispatcher> {
  return new WebhookDispatcher({ store: e.store, targets: await resolveTargets(e.config, e.log), config: e.config, log: e.log, now: e.clock.now, scheduler: e.clock, random: () => 0.5 });
}

async function setup(extra: Record<string, unknown> = {}, targets?: (url: string, secretFile: string) => unknown[]): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "netdiag-webhooks-"));
  const secretFile = join(dir, "crm.secret");
  await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const log = memoryLogger();
  const dbPath = join(dir, "db.sqlite");
  const store = await openSqliteStore(dbPath, { log });
  const clock = new ManualClock(T0);
  const receiver = await startWebhookReceiver({ secret: SECRET, nowS: () => Math.floor(clock.t / 1000) });
  const config = WebhooksConfig.parse({ targets: targets ? targets(receiver.url, secretFile) : [{ name: "crm", url: receiver.url, secretFile }], ...extra });
  const partial = { dir, dbPath, secretFile, store, clock, receiver, config, log };
  env = { ...partial, dispatcher: await newDispatcher(partial) };
  return env;
}

let ticketSeq = 0;
async function newTicket(e: Env, o: { externalId?: string; respondBy?: number; resolveBy?: number } = {}): Promise<Ticket> {
  const body = CreateTicketBody.parse({ customer: { name: "Wang Fang", contact: "+86 138 0013 8000" }, service: "Fiber 300M", symptom: "internet down", ...(o.externalId ? { externalId: o.externalId } : {}) });
  const deadlines = o.respondBy !== undefined ? { respondBy: o.respondBy, resolveBy: o.resolveBy ?? T0 + 72 * 60 * MIN } : undefined;
  return e.store.createTicket(`tk_test${String(++ticketSeq).padStart(8, "0")}`, body, "alice", e.clock.t, deadlines);
}

async function escalate(e: Env, ticketId: string): Promise<void> {
  const r = await e.store.transitionTicket(ticketId, { kind: "escalate", to: "field_service", note: "line down at the cabinet?" }, "alice", e.clock.t);
  expect(r.ok).toBe(true);
}

async function deliveryOf(e: Env, ticketId: string) {
  const [d] = await e.store.webhooks.listDeliveries({ ticketId, limit: 10 });
  expect(d, `a delivery for ${ticketId}`).toBeDefined();
  return (await e.store.webhooks.getDelivery(d!.id))!;
}

describe("delivery", () => {
  test("an escalation goes out signed, with the hand-over; the event exists exactly when the transition committed", async () => {
    const e = await setup();
    const t = await newTicket(e, { externalId: "INC0012345" });
    // A refused transition writes nothing, so no event either.
    const refused = await e.store.transitionTicket(t.id, { kind: "close", confirmation: { outcome: "confirmed", satisfaction: 5 } }, "alice", e.clock.t);
    expect(refused.ok).toBe(false);
    expect(await e.store.webhooks.unexpandedEvents(10)).toEqual([]);
    await escalate(e, t.id);
    // In the outbox before any dispatcher runs: written by the transition's own transaction.
    expect((await e.store.webhooks.unexpandedEvents(10)).map((x) => x.type)).toEqual(["ticket.escalated"]);

    await e.dispatcher.start();
    await e.dispatcher.settled();
    expect(e.receiver.accepted).toHaveLength(1);
    const [got] = e.receiver.accepted;
    const req = e.receiver.requests[0]!;
    expect(req.verified.ok).toBe(true);
    expect(req.event).toBe("ticket.escalated");
    expect(req.timestamp).toBe(String(Math.floor(T0 / 1000)));
    expect(got!.body).toMatchObject({ type: "ticket.escalated", ticketId: t.id, externalId: "INC0012345", at: T0, data: { by: "alice", from: "new", team: "field_service", note: "line down at the cabinet?" } });
    if (got!.body.type !== "ticket.escalated") throw new Error("type");
    expect(got!.body.data.handover).toMatchObject({ ticketId: t.id, to: "field_service", escalatedBy: "alice", status: "escalated", customer: { name: "Wang Fang" } });

    const d = await deliveryOf(e, t.id);
    expect(d).toMatchObject({ id: got!.delivery, eventId: got!.body.id, target: "crm", status: "delivered", attempts: 1, externalId: "INC0012345", completedAt: T0 });
    expect(d.attemptLog).toEqual([expect.objectContaining({ n: 1, at: T0, statusCode: 204 })]);
    expect(d.body).toBe(got!.raw);
  });

  test("the receiver's checks: a tampered body, a replay with the old timestamp, and a repeat are not processed", async () => {
    const e = await setup();
    await e.dispatcher.start();
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.dispatcher.settled();
    const sent = e.receiver.requests[0]!;
    expect(sent.verified.ok).toBe(true);
    const replay = (body: string) =>
      fetch(e.receiver.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-netdiag-event": sent.event!, "x-netdiag-delivery": sent.delivery!, "x-netdiag-timestamp": sent.timestamp!, "x-netdiag-signature": sent.signature! },
        body,
      });
    // Within the tolerance: a changed body fails the signature; the same bytes are a repeat.
    const tampered = await replay(sent.body.replace('"team":"field_service"', '"team":"network_operations"'));
    expect([tampered.status, await tampered.text()]).toEqual([401, "BAD_SIGNATURE"]);
    const repeat = await replay(sent.body);
    expect([repeat.status, await repeat.text()]).toEqual([200, "duplicate: already processed"]);
    // Captured and sent again ten minutes later: the signed timestamp is too old.
    e.clock.advance(10 * MIN);
    const late = await replay(sent.body);
    expect([late.status, await late.text()]).toEqual([401, "STALE_TIMESTAMP"]);
    expect(e.receiver.accepted).toHaveLength(1);
  });

  test("a failing receiver is retried with exponential backoff and jitter, every attempt recorded, until it answers", async () => {
    const e = await setup();
    e.receiver.failNext(2, "500");
    await e.dispatcher.start();
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.dispatcher.settled();
    let d = await deliveryOf(e, t.id);
    // First retry: 10 s with jitter 0.5 -> 7.5 s; the dispatcher's timer is set for exactly then.
    expect(d).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500, nextAttemptAt: T0 + 7_500 });
    expect(d.lastError).toMatch(/^HTTP_500/);
    expect(e.clock.nextDue()).toBe(T0 + 7_500);

    e.clock.advance(7_499);
    await e.dispatcher.settled();
    expect(e.receiver.requests).toHaveLength(1);
    e.clock.advance(1);
    await e.dispatcher.settled();
    d = await deliveryOf(e, t.id);
    // Doubled: 20 s -> 15 s.
    expect(d).toMatchObject({ status: "pending", attempts: 2, nextAttemptAt: T0 + 7_500 + 15_000 });

    e.clock.advance(15_000);
    await e.dispatcher.settled();
    d = await deliveryOf(e, t.id);
    expect(d.status).toBe("delivered");
    expect(d.attemptLog.map((a) => [a.at - T0, a.statusCode])).toEqual([[0, 500], [7_500, 500], [22_500, 204]]);
    expect(e.receiver.accepted).toHaveLength(1);
    // Every attempt was signed with its own timestamp and verified.
    expect(e.receiver.requests.map((r) => [r.verified.ok, r.timestamp])).toEqual([0, 7, 22].map((s) => [true, String(Math.floor(T0 / 1000) + s)]));
    // One event: the same id and body on every attempt.
    expect(new Set(e.receiver.requests.map((r) => r.body)).size).toBe(1);
  });

  test("a receiver that does not answer: the attempt is aborted at its timeout and retried", async () => {
    const e = await setup({ timeoutMs: 5_000 });
    e.receiver.failNext(1, "timeout");
    await e.dispatcher.start();
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.receiver.whenHeld(1);
    e.clock.advance(5_000);
    await e.dispatcher.settled();
    let d = await deliveryOf(e, t.id);
    expect(d).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: T0 + 5_000 + 7_500 });
    expect(d.attemptLog[0]!.error).toMatch(/^TIMEOUT: no answer within 5000 ms/);
    expect(d.attemptLog[0]!.statusCode).toBeUndefined();
    e.clock.advance(7_500);
    await e.dispatcher.settled();
    d = await deliveryOf(e, t.id);
    expect(d.status).toBe("delivered");
    expect(e.receiver.accepted).toHaveLength(1);
  });

  test("connection refused while the receiver is down; delivered once it listens again on the same port", async () => {
    const e = await setup();
    await e.receiver.stop();
    await e.dispatcher.start();
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.dispatcher.settled();
    let d = await deliveryOf(e, t.id);
    expect(d).toMatchObject({ status: "pending", attempts: 1 });
    expect(d.lastError).toMatch(/^ECONNREFUSED/);
    await e.receiver.restart();
    e.clock.advance(7_500);
    await e.dispatcher.settled();
    d = await deliveryOf(e, t.id);
    expect(d).toMatchObject({ status: "delivered", attempts: 2 });
    expect(e.receiver.accepted[0]!.body.ticketId).toBe(t.id);
  });

  test("given up after maxAttempts; a redelivery is a new delivery of the same event, refused while pending", async () => {
    const e = await setup({ retry: { maxAttempts: 2 } });
    e.receiver.failNext(2, "500");
    await e.dispatcher.start();
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.dispatcher.settled();
    const first = await deliveryOf(e, t.id);
    expect(first.status).toBe("pending");
    expect(await e.store.webhooks.redeliver(first.id, "dlv_again00001", e.clock.t)).toMatchObject({ ok: false, code: "DELIVERY_PENDING" });
    e.clock.advance(7_500);
    await e.dispatcher.settled();
    const failed = (await e.store.webhooks.getDelivery(first.id))!;
    expect(failed).toMatchObject({ status: "failed", attempts: 2, completedAt: T0 + 7_500 });
    expect(failed.nextAttemptAt).toBeUndefined();
    expect(e.receiver.accepted).toHaveLength(0);
    expect(e.log.lines.some((l) => l.msg === "webhook delivery given up")).toBe(true);

    const again = await e.store.webhooks.redeliver(first.id, "dlv_again00001", e.clock.t);
    expect(again).toMatchObject({ ok: true, delivery: { id: "dlv_again00001", eventId: first.eventId, target: "crm", status: "pending", redeliveryOf: first.id } });
    // The redelivery wakes the dispatcher like a new event.
    await e.dispatcher.settled();
    expect(e.receiver.accepted.map((a) => [a.delivery, a.body.id])).toEqual([["dlv_again00001", first.eventId]]);
    expect(e.receiver.accepted[0]!.raw).toBe(first.body);
    expect((await e.store.webhooks.getDelivery(first.id))!.status).toBe("failed");
  });

  test("given up at maxAgeMs whatever the attempts: the last attempt is placed at the age limit", async () => {
    const e = await setup({ retry: { firstDelayMs: 3_600_000, maxDelayMs: 3_600_000, maxAgeMs: 90 * MIN } });
    e.receiver.failNext(10, "500");
    await e.dispatcher.start();
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.dispatcher.settled();
    expect((await deliveryOf(e, t.id)).nextAttemptAt).toBe(T0 + 45 * MIN);
    e.clock.advance(45 * MIN);
    await e.dispatcher.settled();
    // 45 min more would pass the 90 min limit at 90 min: the last try is at the limit itself.
    expect((await deliveryOf(e, t.id)).nextAttemptAt).toBe(T0 + 90 * MIN);
    e.clock.advance(45 * MIN);
    await e.dispatcher.settled();
    expect(await deliveryOf(e, t.id)).toMatchObject({ status: "failed", attempts: 3 });
  });
});

describe("store errors", () => {
  test("a pass that fails on the store is logged and tried again 5 s later, not in a loop", async () => {
    const e = await setup();
    let failures = 1;
    const hooks = new Proxy(e.store.webhooks, {
      get(target, key, receiver) {
        if (key === "unexpandedEvents" && failures > 0) {
          failures--;
          return async () => {
            throw new Error("SQLITE_IOERR: disk I/O error");
          };
        }
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const flaky = Object.create(e.store, { webhooks: { value: hooks } }) as Store;
    e.dispatcher = new WebhookDispatcher({ store: flaky, targets: await resolveTargets(e.config, e.log), config: e.config, log: e.log, now: e.clock.now, scheduler: e.clock, random: () => 0.5 });
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.dispatcher.start();
    await e.dispatcher.settled();
    expect(e.log.lines.some((l) => l.msg === "webhook dispatch pass failed" && String(l.fields.error).includes("SQLITE_IOERR"))).toBe(true);
    expect(e.receiver.requests).toHaveLength(0);
    expect(e.clock.nextDue()).toBe(T0 + 5_000);
    e.clock.advance(5_000);
    await e.dispatcher.settled();
    expect(e.receiver.accepted.map((a) => a.body.ticketId)).toEqual([t.id]);
  });
});

describe("https receivers", () => {
  test("a receiver's private CA is pinned with caFile; a certificate from another CA fails the attempt, nothing sent", async () => {
    const pki = await makeTestPki();
    try {
      const tls = { cert: await readFile(pki.serverCert, "utf8"), key: await readFile(pki.serverKey, "utf8") };
      const e = await setup({}, (url, secretFile) => [
        { name: "pinned", url, secretFile, caFile: pki.caCert },
        { name: "wrong-ca", url, secretFile, caFile: pki.otherCaCert },
      ]);
      // The same server, over TLS on its own port.
      const secure = await startWebhookReceiver({ secret: SECRET, nowS: () => Math.floor(e.clock.t / 1000), tls });
      try {
        e.config = WebhooksConfig.parse({ targets: e.config.targets.map((t) => ({ ...t, url: secure.url })) });
        e.dispatcher = await newDispatcher(e);
        await e.dispatcher.start();
        const t = await newTicket(e);
        await escalate(e, t.id);
        await e.dispatcher.settled();
        const byTarget = Object.fromEntries((await e.store.webhooks.listDeliveries({ ticketId: t.id, limit: 10 })).map((d) => [d.target, d]));
        expect(byTarget.pinned).toMatchObject({ status: "delivered", lastStatusCode: 204 });
        expect(byTarget["wrong-ca"]).toMatchObject({ status: "pending", attempts: 1 });
        expect(byTarget["wrong-ca"]!.lastStatusCode).toBeUndefined();
        expect(byTarget["wrong-ca"]!.lastError).toMatch(/CERT|SIGNATURE|ISSUER/);
        expect(secure.accepted).toHaveLength(1);
        expect(secure.requests).toHaveLength(1);
      } finally {
        await e.dispatcher.close();
        await secure.close();
      }
    } finally {
      await pki.close();
    }
  });
});

describe("restarts", () => {
  test("nothing is lost: deliveries waiting for a retry, one aborted in flight, and events committed but not yet fanned out all go out after the store is reopened", async () => {
    const e = await setup();
    await e.dispatcher.start();
    // 1. a delivery waiting for its retry (the receiver was down)
    await e.receiver.stop();
    const waiting = await newTicket(e);
    await escalate(e, waiting.id);
    await e.dispatcher.settled();
    expect(await deliveryOf(e, waiting.id)).toMatchObject({ status: "pending", attempts: 1 });
    // 2. one in flight when the collector stops (the receiver holds it)
    await e.receiver.restart();
    e.receiver.failNext(1, "timeout");
    const inFlight = await newTicket(e);
    await escalate(e, inFlight.id);
    await e.receiver.whenHeld(1);
    await e.dispatcher.close();
    const aborted = await deliveryOf(e, inFlight.id);
    expect(aborted).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: e.clock.t });
    expect(aborted.lastError).toMatch(/^SHUTDOWN/);
    // 3. committed while no dispatcher runs (a crash right after the commit looks the same)
    const unsent = await newTicket(e);
    expect((await e.store.transitionTicket(unsent.id, { kind: "resolve", resolution: { rootCause: "loose cable", fix: "re-plugged", unverifiedReason: "fixed on the phone" } }, "alice", e.clock.t)).ok).toBe(true);
    await e.store.close();

    // The same file, a new process: a new store and dispatcher.
    e.store = await openSqliteStore(e.dbPath, { log: e.log });
    e.dispatcher = await newDispatcher(e);
    e.clock.advance(10_000);
    await e.dispatcher.start();
    await e.dispatcher.settled();
    const got = e.receiver.accepted.map((a) => [a.body.ticketId, a.body.type]);
    expect(got).toEqual(expect.arrayContaining([[waiting.id, "ticket.escalated"], [inFlight.id, "ticket.escalated"], [unsent.id, "ticket.resolved"]]));
    expect(got).toHaveLength(3);
    expect(await e.store.webhooks.countDeliveries("pending")).toBe(0);
    expect(await e.store.webhooks.countDeliveries("delivered")).toBe(3);
  });

  test("pending deliveries of a target removed from the configuration are given up at start, with the reason", async () => {
    const e = await setup();
    await e.receiver.stop();
    await e.dispatcher.start();
    const t = await newTicket(e);
    await escalate(e, t.id);
    await e.dispatcher.settled();
    await e.dispatcher.close();
    e.config = WebhooksConfig.parse({ targets: [] });
    e.dispatcher = await newDispatcher(e);
    await e.dispatcher.start();
    await e.dispatcher.settled();
    expect(await deliveryOf(e, t.id)).toMatchObject({ status: "failed", lastError: ORPHAN_REASON });
  });
});

describe("events", () => {
  test("run.finished carries the end state and the verdict, from the run's own transactions (agent events and the expiry sweep)", async () => {
    const e = await setup();
    await e.dispatcher.start();
    const t = await newTicket(e, { externalId: "crm:77" });
    await e.store.createAgent({ id: "ag_test000001", name: "pc", ticketId: t.id, secretHash: "x", createdAt: T0 });
    for (const id of ["run_done00001", "run_lost00001"]) {
      await e.store.createRun({ id, ticketId: t.id, agentId: "ag_test000001", checks: ["snmp"], params: {}, requestedBy: "alice", pickupBy: T0 + 5 * MIN, createdAt: T0 });
    }
    const steps = LINE_DOWN();
    const runId = "run_done00001";
    let seq = 0;
    const evs: RunEvent[] = [
      { type: "run.received", runId, seq: seq++, at: T0 },
      { type: "run.accepted", runId, seq: seq++, at: T0 },
      ...Object.values(steps).map((result) => ({ type: "step" as const, runId, seq: seq++, at: T0, result })),
      { type: "verdict", runId, seq: seq++, at: T0, verdict: judge(steps) },
    ];
    for (const ev of evs) expect((await e.store.appendRunEvent("ag_test000001", ev, T0)).outcome).toBe("stored");
    await e.dispatcher.settled();
    expect(e.receiver.accepted).toHaveLength(0);
    await e.store.appendRunEvent("ag_test000001", { type: "run.finished", runId, seq: seq++, at: T0, outcome: "completed", steps: Object.keys(steps).length }, T0);
    // A replay of the end stores nothing and sends nothing.
    await e.store.appendRunEvent("ag_test000001", { type: "run.finished", runId, seq: seq - 1, at: T0, outcome: "completed", steps: 1 }, T0);
    e.clock.advance(5 * MIN);
    await e.store.transitionRuns({ pickupDueBy: e.clock.t }, { kind: "expire", now: e.clock.t }, e.clock.t);
    await e.dispatcher.settled();

    const byRun = Object.fromEntries(e.receiver.accepted.map((a) => [a.body.type === "run.finished" ? a.body.data.runId : "", a.body]));
    expect(Object.keys(byRun).sort()).toEqual(["run_done00001", "run_lost00001"]);
    expect(byRun.run_done00001).toMatchObject({ type: "run.finished", externalId: "crm:77", data: { state: "completed", offline: false, agentId: "ag_test000001", verdict: { segment: "wan", cause: "WAN_LINK_DOWN" } } });
    expect(byRun.run_lost00001).toMatchObject({ type: "run.finished", data: { state: "expired", reason: "the agent did not pick the run up in time" } });
    expect((byRun.run_lost00001 as { data: object }).data).not.toHaveProperty("verdict");
  });

  test("resolved and closed carry the resolution and the customer's confirmation", async () => {
    const e = await setup();
    await e.dispatcher.start();
    const t = await newTicket(e);
    await e.store.transitionTicket(t.id, { kind: "resolve", resolution: { rootCause: "loose cable", fix: "re-plugged", unverifiedReason: "fixed on the phone" }, note: "n1" }, "alice", e.clock.t);
    await e.store.transitionTicket(t.id, { kind: "close", confirmation: { outcome: "confirmed", satisfaction: 4 } }, "bob", e.clock.t);
    // Not events: status changes by hand, reopen, a diagnosis trigger.
    await e.store.transitionTicket(t.id, { kind: "reopen", note: "again" }, "bob", e.clock.t);
    await e.store.transitionTicket(t.id, { kind: "set_status", to: "waiting_customer" }, "bob", e.clock.t);
    await e.dispatcher.settled();
    expect(e.receiver.accepted.map((a) => a.body)).toEqual([
      expect.objectContaining({ type: "ticket.resolved", data: { by: "alice", from: "new", note: "n1", resolution: { rootCause: "loose cable", fix: "re-plugged", unverifiedReason: "fixed on the phone" } } }),
      expect.objectContaining({ type: "ticket.closed", data: { by: "bob", confirmation: { outcome: "confirmed", satisfaction: 4 } } }),
    ]);
  });

  test("deadline warnings: once per ticket and deadline, only for deadlines not met, within the lead time", async () => {
    const e = await setup({ deadlineWarningMs: 15 * MIN });
    const late = await newTicket(e, { respondBy: T0 + 10 * MIN, resolveBy: T0 + 20 * MIN });
    const answered = await newTicket(e, { respondBy: T0 + 10 * MIN, resolveBy: T0 + 20 * MIN });
    await e.store.transitionTicket(answered.id, { kind: "set_status", to: "diagnosing" }, "alice", T0);
    const far = await newTicket(e, { respondBy: T0 + 60 * MIN, resolveBy: T0 + 600 * MIN });
    await e.dispatcher.start();
    await e.dispatcher.settled();
    const warnings = () => e.receiver.accepted.map((a) => (a.body.type === "ticket.deadline_approaching" ? [a.body.ticketId, a.body.data.deadline, a.body.data.leftMs] : []));
    expect(warnings()).toEqual([[late.id, "respond", 10 * MIN]]);
    // Sweep after sweep: each once. At +5 min both resolution deadlines are 15 min away.
    for (let i = 0; i < 5; i++) {
      e.clock.advance(DEADLINE_SWEEP_MS);
      await e.dispatcher.settled();
    }
    expect(warnings()).toEqual([
      [late.id, "respond", 10 * MIN],
      [late.id, "resolve", 15 * MIN],
      [answered.id, "resolve", 15 * MIN],
    ]);
    e.clock.advance(DEADLINE_SWEEP_MS);
    await e.dispatcher.settled();
    expect(warnings()).toHaveLength(3);
    expect(warnings().some((w) => w[0] === far.id)).toBe(false);
  });

  test("targets get only their event types, and with tickets: external only tickets opened with an externalId", async () => {
    const e = await setup({}, (url, secretFile) => [
      { name: "crm", url, secretFile, tickets: "external" },
      { name: "noc", url, secretFile, events: ["ticket.closed"] },
    ]);
    await e.dispatcher.start();
    const own = await newTicket(e, { externalId: "INC1" });
    const other = await newTicket(e);
    for (const t of [own, other]) await escalate(e, t.id);
    await e.dispatcher.settled();
    const list = await e.store.webhooks.listDeliveries({ limit: 100 });
    expect(list.map((d) => [d.target, d.ticketId, d.type])).toEqual([["crm", own.id, "ticket.escalated"]]);
    expect(await e.store.webhooks.listDeliveries({ target: "noc", limit: 100 })).toEqual([]);
  });
});
