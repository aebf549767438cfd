// Personal data per role (collector/auth/redact.ts, the one place it is decided): who sees a
// customer's contact and site, lists never disclose contacts in bulk, and step data never carries an
// equipment secret out of the collector even if an agent sent one. In-process on a real SQLite store.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { ROLES, Ticket, type Role } from "../../shared/api.js";
import type { StepResult } from "../../shared/checks.js";
import { memoryLogger } from "../../shared/log.js";
import { hashSecret, randomSecret } from "../../shared/secrets.js";
import { createApp } from "../../collector/app.js";
import { FailureLimiter } from "../../collector/auth/failure-limiter.js";
import { TOKEN_PREFIX } from "../../collector/auth/principal.js";
import { maskContact, PERSONAL_DATA_POLICY, scrubSecrets } from "../../collector/auth/redact.js";
import { TOO_DEEP } from "../../shared/secret-scrub.js";
import { AgentHub } from "../../collector/hub/agent-hub.js";
import { RunBus } from "../../collector/run-bus.js";
import { openSqliteStore } from "../../collector/store/sql-store.js";
import type { Store } from "../../collector/store/types.js";

const NOW = 1_700_000_000_000;
const CONTACT = "+86 138 1234 5678";
const SITE = "Room 1204, 88 Jianguo Road, Beijing";
let dir: string;
let store: Store;
let hub: AgentHub;
let app: ReturnType<typeof createApp>;
const tokens = {} as Record<Role, string>;
let ticketId: string;
const runId = "run_secret1";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "netdiag-conf-"));
  store = await openSqliteStore(join(dir, "db.sqlite"));
  const log = memoryLogger();
  const bus = new RunBus();
  hub = new AgentHub({ store, bus, log, now: () => NOW, heartbeatMs: 60_000 });
  app = createApp({ store, hub, bus, log, now: () => NOW, limiter: new FailureLimiter() });
  for (const r of ROLES) {
    tokens[r] = randomSecret(TOKEN_PREFIX);
    await store.createToken({ id: `tok_${r}1`, name: r, role: r, hash: hashSecret(tokens[r]), createdAt: NOW });
  }
  // With an externalId, so the integration role (which reads only such tickets) is walked too.
  const t = await store.createTicket("tk_conf01", { customer: { name: "Wang Fang", contact: CONTACT, site: SITE }, service: "FTTH", symptom: "down", category: "network", severity: "general", externalId: "CONF-1" }, "eng", NOW);
  ticketId = t.id;
  await store.createAgent({ id: "ag_conf01", name: "pc", secretHash: hashSecret("x"), createdAt: NOW, ticketId });
  await store.createRun({ id: runId, ticketId, agentId: "ag_conf01", checks: ["snmp"], params: {}, requestedBy: "eng", pickupBy: NOW + 60_000, createdAt: NOW });
  await store.appendRunEvent("ag_conf01", { type: "run.accepted", runId, seq: 0, at: NOW }, NOW);
  // A buggy agent that failed to scrub: the collector must not pass these on. The hub's strict step
  // schema refuses unknown keys like these on the wire; written straight into the store, they test the
  // scrubber behind it (defence in depth for rows stored by an older, looser collector).
  const data = { device: "192.168.1.1", community: "s3cr3t-comm", v3: { authKey: "AUTHKEY123", privKey: "PRIVKEY123" }, routers: [{ host: "r1", password: "hunter2" }], ifOperStatus: 1 };
  await store.appendRunEvent("ag_conf01", { type: "step", runId, seq: 1, at: NOW, result: { check: "snmp", status: "ok", startedAt: NOW, durationMs: 5, findings: [], data } as unknown as StepResult }, NOW);
});

afterAll(async () => {
  hub?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, role: Role) => app.request(path, { headers: { authorization: `Bearer ${tokens[role]}` } });
const SECRETS = ["s3cr3t-comm", "AUTHKEY123", "PRIVKEY123", "hunter2"];

describe("customer personal data per role", () => {
  test.each(ROLES)("%s: one ticket (audited read) shows name, site and contact as the policy says", async (role) => {
    const res = await get(`/api/tickets/${ticketId}`, role);
    expect(res.status).toBe(200);
    // Ticket, not TicketWithRuns: the injected step (see beforeAll) does not fit the strict step schema.
    const t = Ticket.parse(await res.json());
    const rule = PERSONAL_DATA_POLICY[role];
    expect(t.customer.name === "Wang Fang").toBe(rule.name);
    expect(t.customer.contact === CONTACT).toBe(rule.contactOnRecord);
    expect(t.customer.site === SITE).toBe(rule.site);
    // Technicians visit the site: the decision in SECURITY.md is that they see all three.
    if (role === "technician") expect(t.customer).toEqual({ name: "Wang Fang", contact: CONTACT, site: SITE });
    expect((await store.listAudit({ action: "ticket.read", actor: `token:tok_${role}1:${role}` })).length).toBeGreaterThan(0);
  });

  test.each(ROLES)("%s: the ticket list masks the contact (no bulk disclosure)", async (role) => {
    const list = z.array(Ticket).parse(await (await get("/api/tickets", role)).json());
    const t = list.find((x) => x.id === ticketId)!;
    expect(t.customer.contact).not.toBe(CONTACT);
    expect(t.customer.contact).toBe(maskContact(CONTACT));
    expect(t.customer.contact).not.toMatch(/1234/);
  });
});

describe("equipment secrets never leave the collector", () => {
  test.each(ROLES)("%s: run and ticket responses carry no secret values", async (role) => {
    // A ticket system's token reads runs only inside its tickets (GET /api/runs/:id is not its route).
    const paths = role === "integration" ? [`/api/tickets/${ticketId}`] : [`/api/runs/${runId}`, `/api/tickets/${ticketId}`];
    for (const path of paths) {
      const res = await get(path, role);
      expect(res.status, `${path} for ${role}`).toBe(200);
      const text = await res.text();
      for (const s of SECRETS) expect(text, `${path} for ${role}`).not.toContain(s);
    }
    // Read loosely: the injected data does not fit the snmp step schema (see beforeAll).
    type Loose = { steps: { result: { data: Record<string, unknown> } }[] };
    const run =
      role === "integration"
        ? ((await (await get(`/api/tickets/${ticketId}`, role)).json()) as { runs: Loose[] }).runs[0]!
        : ((await (await get(`/api/runs/${runId}`, role)).json()) as Loose);
    const data = run.steps[0]!.result.data;
    expect(data.device).toBe("192.168.1.1");
    expect(data.ifOperStatus).toBe(1);
    expect(data.community).toBe("[redacted]");
  });

  test("the live SSE stream is scrubbed too", async () => {
    const ctl = new AbortController();
    const res = await app.request(`/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${tokens.technician}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("event: step")) text += new TextDecoder().decode((await reader.read()).value);
    // Read up to the end of the step event's data line.
    while (!/event: step\ndata: .*\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    await reader.cancel().catch(() => undefined);
    expect(text).toContain("[redacted]");
    for (const s of SECRETS) expect(text).not.toContain(s);
  });
});

describe("redaction helpers", () => {
  test.each([
    ["+86 138 1234 5678", "+86 1** **** **78"],
    ["wang@example.cn", "wang@*******.cn"],
    ["12345", "*****"],
  ])("maskContact(%j) = %j", (input, out) => {
    expect(maskContact(input)).toBe(out);
  });

  test.each([
    [{ community: "c" }, { community: "[redacted]" }],
    [{ a: [{ b: { RouterPassword: "p", ok: 1 } }] }, { a: [{ b: { RouterPassword: "[redacted]", ok: 1 } }] }],
    [{ d1: { d2: { d3: { d4: { d5: { d6: { d7: { d8: { secret: "deep" } } } } } } } } }, { d1: { d2: { d3: { d4: { d5: { d6: { d7: { d8: { secret: "[redacted]" } } } } } } } } }],
    [{ snr: 7.5, host: "10.0.0.1" }, { snr: 7.5, host: "10.0.0.1" }],
  ])("scrubSecrets(%j)", (input, out) => {
    expect(scrubSecrets(input)).toEqual(out);
  });

  test("scrubSecrets is iterative and bounded: a document 100,000 levels deep costs a loop, not a RangeError", () => {
    let deep: unknown = { password: "p" };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const out = scrubSecrets({ data: deep });
    // The result is shallow enough to serialize, and nothing below the bound survives unchecked.
    const text = JSON.stringify(out);
    expect(text).toContain(TOO_DEEP);
    expect(text).not.toContain('"p"');
  });
});
