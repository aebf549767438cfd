// Escape sequences must never reach the engineer's terminal. Hostile text comes from an enrolled
// agent (its name, step data, the verdict it computes) and from records stored before the schemas
// refused control characters; the real CLI binary prints all of it, and its output must hold no
// control character other than its own newlines.
import { afterAll, beforeAll, expect, test } from "vitest";
import { z } from "zod";
import { Agent, Ticket, TicketWithRuns, TokenCreated } from "../../shared/api.js";
import { HttpClientError, httpJson } from "../../shared/http-client.js";
import type { RunEvent } from "../../shared/protocol.js";
import { runBin } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { enrollAgents, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";

/** Erase the line, move up and rewrite; retitle the window (OSC); 8-bit CSI; right-to-left override. */
const ERASE = "\x1b[1A\x1b[2K\r";
const OSC = "\x1b]0;pwned\x07";
const C1 = "\u009b2K";
const RLO = "\u202e";
const FORGED = `${ERASE}VERDICT: NONE — NONE: nothing wrong${OSC}${C1}${RLO}`;

/** Any control or bidi character except the newline that ends each line. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let col: TestCollector;
let engineer: string;
let ticketId: string;
let legacyTicketId: string;
let agent: FakeAgent;
const env = () => ({ NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 1000 });
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
  ticketId = (await col.api("/api/tickets", Ticket, { token: engineer, body: { customer: { name: "Wang Fang", contact: "+86 138 0000 0000" }, service: "Fiber", symptom: "down" } })).id;
  // Written straight into the store: records from before the schemas refused control characters.
  legacyTicketId = "tk_legacyticket1";
  await col.running.store.createTicket(legacyTicketId, { customer: { name: `Li${FORGED}`, contact: `+86${OSC}`, site: `Road${C1}` }, service: `Fiber${RLO}`, symptom: `slow\nVERDICT: NONE — forged line`, category: "network", severity: "general" }, `eve${ERASE}`, Date.now());
  await col.running.store.createAgent({ id: "ag_legacyagent1", name: `pc${FORGED}`, secretHash: "00", createdAt: Date.now(), hostname: `h${OSC}` });

  const [creds] = await enrollAgents(col.url, engineer, 1, ticketId);
  agent = startFakeAgent({ url: col.url, creds: creds! });
  await agent.opened();
  const runId = "off_escapes01";
  const now = Date.now();
  const events: RunEvent[] = [
    { type: "run.offline", runId, seq: 0, at: now, ticketId, checks: ["ping", "dns"] },
    { type: "step", runId, seq: 1, at: now, result: { check: "ping", status: "fail", startedAt: now, durationMs: 3, findings: [{ code: "TARGET_UNREACHABLE", severity: "fail", message: `m${FORGED}`, subject: `s${OSC}` }], data: { targets: [] } } },
    { type: "step", runId, seq: 2, at: now, result: { check: "dns", status: "error", startedAt: now, durationMs: 3, findings: [], error: { code: "DNS_BROKEN", message: `boom${FORGED}` }, data: {} } },
    {
      type: "verdict",
      runId,
      seq: 3,
      at: now,
      verdict: {
        segment: "isp",
        cause: "ISP_UPSTREAM_UNREACHABLE",
        summary: `the ISP is down${FORGED}`,
        evidence: [{ check: "ping", code: "TARGET_UNREACHABLE", detail: `d${FORGED}` }],
        consequences: [{ check: "dns", code: "DNS_BROKEN", detail: `c${OSC}` }],
        unverified: [],
        next_steps: { customer: [{ en: `wait${FORGED}`, "zh-CN": `等${FORGED}` }], engineer: [`escalate${FORGED}`] },
      },
    },
    { type: "run.finished", runId, seq: 4, at: now, outcome: "completed", steps: 2 },
  ];
  for (const ev of events) await agent.emit(ev);
  await agent.drained();
});

afterAll(async () => {
  await agent?.stop();
  await col?.close();
});

test.each([
  ["agents", () => ["agents"]],
  ["ticket list", () => ["ticket", "list"]],
  ["ticket show (agent's verdict and steps)", () => ["ticket", "show", ticketId]],
  ["ticket show (legacy record)", () => ["ticket", "show", legacyTicketId]],
  ["ticket show --json", () => ["ticket", "show", ticketId, "--json"]],
  ["device (legacy agent name)", () => ["device", "ag_legacyagent1"]],
  ["watch", () => ["watch", "off_escapes01"]],
])("%s prints no control characters", async (_name, args) => {
  const r = await runBin("cli", args(), env());
  expect(r.stderr).not.toMatch(UNSAFE);
  expect(r.stdout).not.toMatch(UNSAFE);
  expect(r.code, r.stderr).toBeLessThanOrEqual(1);
  // Nothing a field carries can start a line of its own, e.g. a second VERDICT line.
  expect(r.stdout.match(/^\s*VERDICT: /gm)?.length ?? 0).toBeLessThanOrEqual(1);
});

test("the hostile text is still shown, escaped, so the engineer sees what was sent", async () => {
  const show = await runBin("cli", ["ticket", "show", ticketId], env());
  expect(show.stdout).toContain("the ISP is down\\u001b[1A\\u001b[2K\\rVERDICT: NONE");
  expect(show.stdout).toContain("\\u009b2K\\u202e");
  const legacy = await runBin("cli", ["ticket", "show", legacyTicketId], env());
  expect(legacy.stdout).toContain("slow\\nVERDICT: NONE — forged line");
  const agents = await runBin("cli", ["agents"], env());
  expect(agents.stdout).toMatch(/ag_legacyagent1 .*pc\\u001b\[1A/);
  // --json stays valid JSON with the same values.
  const json = await runBin("cli", ["ticket", "show", ticketId, "--json"], env());
  expect(TicketWithRuns.parse(JSON.parse(json.stdout)).runs[0]!.verdict!.summary).toBe(`the ISP is down${FORGED}`);
});

test("control characters are refused where names and ticket fields are made", async () => {
  const bad = (body: unknown, path: string, token?: string) =>
    httpJson(`${col.url}${path}`, z.unknown(), { body, ...(token ? { token } : {}) }).then(
      () => 201,
      (e: HttpClientError) => e.status,
    );
  const ticket = (over: Record<string, unknown>) => ({ customer: { name: "Wang", contact: "+86 1" }, service: "Fiber", symptom: "down", ...over });
  expect(await bad(ticket({ customer: { name: `Wang${ERASE}`, contact: "+86 1" } }), "/api/tickets", engineer)).toBe(400);
  expect(await bad(ticket({ service: `Fiber${RLO}` }), "/api/tickets", engineer)).toBe(400);
  expect(await bad(ticket({ symptom: `down${OSC}` }), "/api/tickets", engineer)).toBe(400);
  // A symptom may span lines: newline and tab are fine there.
  expect(await bad(ticket({ symptom: "down since 9:00\n\tafter a storm" }), "/api/tickets", engineer)).toBe(201);
  expect(await bad({ name: `x${ERASE}`, role: "engineer" }, "/api/tokens", col.adminToken)).toBe(400);
  const code = (await httpJson(`${col.url}/api/enrollments`, z.object({ code: z.string() }), { token: engineer, body: {} })).code;
  expect(await bad({ code, name: `pc${FORGED}`, agentVersion: "0.1.0" }, "/api/agents/enroll")).toBe(400);
  expect(await bad({ code, name: "pc", hostname: `h${OSC}`, agentVersion: "0.1.0" }, "/api/agents/enroll")).toBe(400);
  // The refused attempts did not use the code up.
  expect(await bad({ code, name: "pc-wang", agentVersion: "0.1.0" }, "/api/agents/enroll")).toBe(201);
  expect((await col.api("/api/agents", z.array(Agent))).some((a) => a.name === "pc-wang")).toBe(true);
});
