// The agent's consent decision: grants cover without asking; otherwise the customer is asked, and the
// answer (or silence) decides; "change" actions are asked every time, even under a grant.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createConsentAuthorizer } from "../../../agent/consent/authorizer.js";
import { ConsentBroker, type ConsentRequest } from "../../../agent/consent/broker.js";
import { GrantStore } from "../../../agent/consent/grant-store.js";
import { CHECK_KINDS, type ActionKind } from "../../../agent/consent/grant.js";
import type { RunRequestFrame } from "../../../shared/protocol.js";
import { memoryLogger } from "../../../shared/log.js";

let dir: string;
let store: GrantStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-authz-"));
  store = new GrantStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const req = (checks: string[], o: Partial<RunRequestFrame> = {}): RunRequestFrame => ({ type: "run.request", runId: `run_test${n++}x`, ticketId: "tkt_one", checks, params: {}, requestedBy: "alice", notAfter: Date.now() + 60_000, ...o });
const grantFor = (checks: string[], o = {}) => store.add({ agentId: "agt_1", ticketId: "tkt_one", checks: checks as never, notBefore: Date.now() - 1000, notAfter: Date.now() + 3600_000, createdAt: Date.now(), createdBy: "customer", ...o });

/** Answers every question the broker asks with `answer` (or never, for "silent"), recording them. */
function customer(broker: ConsentBroker, answer: "yes" | "no" | "silent") {
  const asked: ConsentRequest[] = [];
  broker.onRequest((r) => {
    asked.push(r);
    if (answer !== "silent") queueMicrotask(() => broker.answer(r.id, answer === "yes", "terminal"));
  });
  return asked;
}

describe("consent authorizer", () => {
  test("a covering grant runs without asking", async () => {
    const broker = new ConsentBroker({ timeoutMs: 10_000 });
    const asked = customer(broker, "no");
    const g = await grantFor(["dns", "ping"]);
    const a = createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), broker });
    expect(await a.authorize(req(["dns"]))).toEqual({ ok: true });
    expect(asked).toHaveLength(0);
    // Revoking the grant marks the run for cancellation.
    const r = req(["ping"]);
    await a.authorize(r);
    await store.revoke({ grantId: g.id }, Date.now());
    expect(await a.runsToCancel()).toContain(r.runId);
  });

  test("no grant: the customer is asked (who, ticket, what, how long); yes creates a grant for that ticket and those checks", async () => {
    const broker = new ConsentBroker({ timeoutMs: 10_000 });
    const asked = customer(broker, "yes");
    const log = memoryLogger();
    const a = createConsentAuthorizer({ store, agentId: "agt_1", log, broker });
    expect(await a.authorize(req(["dns", "ping"], { consentTtlS: 1800 }))).toEqual({ ok: true });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ requestedBy: "alice", ticketId: "tkt_one", checks: ["dns", "ping"], grantMs: 1_800_000 });
    const [g] = await store.list();
    expect(g).toMatchObject({ ticketId: "tkt_one", checks: ["dns", "ping"], createdBy: "approved-request", agentId: "agt_1" });
    expect(g!.notAfter - g!.notBefore).toBe(1_800_000);
    // The next run for the same ticket and checks needs no question.
    expect(await a.authorize(req(["ping"]))).toEqual({ ok: true });
    expect(asked).toHaveLength(1);
    expect(log.lines.map((l) => l.msg)).toContain("consent: grant created from approved request");
  });

  test("refused → CONSENT_REFUSED, no answer → CONSENT_TIMEOUT; neither creates a grant", async () => {
    const no = new ConsentBroker({ timeoutMs: 10_000 });
    customer(no, "no");
    const refused = await createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), broker: no }).authorize(req(["dns"]));
    expect(refused).toMatchObject({ ok: false, code: "CONSENT_REFUSED" });
    const silent = new ConsentBroker({ timeoutMs: 50 });
    const asked = customer(silent, "silent");
    const timedOut = await createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), broker: silent }).authorize(req(["dns"]));
    expect(timedOut).toMatchObject({ ok: false, code: "CONSENT_TIMEOUT" });
    expect(timedOut.ok === false && timedOut.reason).toBe("the customer was asked to allow dns and did not answer in time. No grant covered the run: the customer has not authorized diagnosis for ticket tkt_one.");
    expect(asked).toHaveLength(1);
    expect(silent.pending()).toHaveLength(0);
    expect(await store.list()).toEqual([]);
  });

  test("after a revocation, a refusal names one cause in its own words: no second code mixed in", async () => {
    await grantFor(["dns"]);
    await store.revoke({ all: true }, Date.now());
    const silent = new ConsentBroker({ timeoutMs: 50 });
    customer(silent, "silent");
    const timedOut = await createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), broker: silent }).authorize(req(["dns"]));
    expect(timedOut).toMatchObject({ ok: false, code: "CONSENT_TIMEOUT" });
    const reason = timedOut.ok === false ? timedOut.reason : "";
    expect(reason).toMatch(/^the customer was asked to allow dns and did not answer in time\. No grant covered the run: the customer revoked grant grt_\S+ for ticket tkt_one at \S+\.$/);
    expect(reason).not.toMatch(/[A-Z]{3,}_[A-Z_]+/);
    const no = new ConsentBroker({ timeoutMs: 10_000 });
    customer(no, "no");
    const refused = await createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), broker: no }).authorize(req(["dns"]));
    expect(refused.ok === false && refused.reason).toMatch(/^the customer was asked to allow dns and said no\. No grant covered the run: the customer revoked grant /);
    // Without asking (grants-only) the revocation is the reason, under its own code.
    const only = await createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger() }).authorize(req(["dns"]));
    expect(only).toMatchObject({ ok: false, code: "GRANT_REVOKED" });
    expect(only.ok === false && only.reason).toMatch(/^the customer revoked grant grt_\S+ for ticket tkt_one at \S+$/);
  });

  test("grants-only mode (no broker) refuses with the grant's own code", async () => {
    const a = createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger() });
    expect(await a.authorize(req(["dns"]))).toMatchObject({ ok: false, code: "NO_GRANT" });
    await grantFor(["dns"]);
    expect(await a.authorize(req(["dns", "path"]))).toMatchObject({ ok: false, code: "CHECKS_NOT_GRANTED" });
    await store.revoke({ all: true }, Date.now());
    expect(await a.authorize(req(["dns"]))).toMatchObject({ ok: false, code: "GRANT_REVOKED" });
  });

  describe("a change action (test-only 'renew-dhcp'; no real one exists yet)", () => {
    const kindOf = (id: string): ActionKind => (id === "renew-dhcp" ? "change" : CHECK_KINDS[id as keyof typeof CHECK_KINDS]);

    test("is asked for every time even under a grant covering everything, and approval never becomes a grant", async () => {
      await grantFor(["diagnosis"]);
      const broker = new ConsentBroker({ timeoutMs: 10_000 });
      const asked = customer(broker, "yes");
      const a = createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), broker, kindOf });
      expect(await a.authorize(req(["dns", "renew-dhcp"]))).toEqual({ ok: true });
      expect(await a.authorize(req(["renew-dhcp"]))).toEqual({ ok: true });
      expect(asked).toHaveLength(2);
      expect(asked[0]).toMatchObject({ checks: ["renew-dhcp"], changes: ["renew-dhcp"], grantMs: 0 });
      expect((await store.list()).map((g) => g.createdBy)).toEqual(["customer"]);
    });

    test("refused when the customer says no, and in grants-only mode", async () => {
      await grantFor(["diagnosis"]);
      const broker = new ConsentBroker({ timeoutMs: 10_000 });
      customer(broker, "no");
      expect(await createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), broker, kindOf }).authorize(req(["renew-dhcp"]))).toMatchObject({ ok: false, code: "CONSENT_REFUSED" });
      expect(await createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger(), kindOf }).authorize(req(["renew-dhcp"]))).toMatchObject({ ok: false, code: "CHANGE_NEEDS_APPROVAL" });
    });

    test("the real kind map marks an unknown id as change (never silently diagnostic)", async () => {
      const a = createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger() });
      await grantFor(["diagnosis"]);
      expect(await a.authorize(req(["reboot-modem"]))).toMatchObject({ ok: false, code: "CHANGE_NEEDS_APPROVAL" });
    });
  });

  test("an unreadable grant file refuses (GRANT_STORE_INVALID) and stops running runs", async () => {
    await grantFor(["dns"]);
    const a = createConsentAuthorizer({ store, agentId: "agt_1", log: memoryLogger() });
    const r = req(["dns"]);
    expect(await a.authorize(r)).toEqual({ ok: true });
    const { writeFile } = await import("node:fs/promises");
    await writeFile(store.path, "garbage");
    expect(await a.authorize(req(["dns"]))).toMatchObject({ ok: false, code: "GRANT_STORE_INVALID" });
    expect(await a.runsToCancel()).toEqual([r.runId]);
  });
});
