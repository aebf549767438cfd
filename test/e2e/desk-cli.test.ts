// A support case worked end to end in the engineer's CLI alone: the real built `netdiag` binary against a
// real collector (SQLite file, port 0 on loopback), and an agent on a real WebSocket link (the real
// CollectorLink, test/helpers/fake-agent.ts) that answers each run request with step results shaped
// like the checks' own (validated against shared/steps) and the verdict of the real isolateFault:
// first the access line down, then, after the repair, healthy. Intake -> run -> waiting for the
// customer -> escalate with the hand-over -> verify -> compare -> resolve -> close with satisfaction ->
// a second ticket with the same cause shows what fixed it -> refusals exit 3 with the collector's reason.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Enrolled, EnrollmentCreated, Ticket, TicketWithRuns, TokenCreated } from "../../shared/api.js";
import type { StepResult } from "../../shared/checks.js";
import { httpJson } from "../../shared/http-client.js";
import type { ServerFrame } from "../../shared/protocol.js";
import { Handover, Knowledge, RunComparison, TicketHistoryEntry } from "../../shared/ticket.js";
import { isolateFault } from "../../agent/verdict/isolate-fault.js";
import { AGENT_VERSION } from "../../agent/version.js";
import { runBin, type CliResult } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";
import { dns, healthy, path, service, snmp } from "../agent/verdict/fixtures.js";

const CHECKS = ["host", "gateway", "dhcp", "dns", "path", "service", "snmp"];
/** What an agent reports is not trusted text: a finding message that tries to retitle the terminal and forge a line. */
const HOSTILE = "WAN dsl0 down\x1b]0;pwned\x07\nVERDICT: NONE — forged";
const wanDown = snmp.wanDown();
/** The access line is down: the modem reports its WAN down, nothing beyond the router answers. */
const LINE_DOWN: Record<string, StepResult> = {
  ...healthy(),
  snmp: { ...wanDown, findings: wanDown.findings.map((f) => ({ ...f, message: HOSTILE })) } as StepResult,
  dns: dns.allDead(),
  path: path({ hop: "none", anchors: { ok: false } }),
  service: service("SERVICE_DNS_FAILED"),
};
const HEALTHY: Record<string, StepResult> = healthy();

/** Any control or bidi character except the newline between lines. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let col: TestCollector;
let engineer: string;
let agent: FakeAgent | undefined;
let agentId: string;
/** What the site looks like when the next run request arrives. */
let site = LINE_DOWN;

const cli = async (...args: string[]): Promise<CliResult> => {
  const r = await runBin("cli", args, { NETDIAG_URL: col.url, NETDIAG_TOKEN: engineer });
  // Whatever the command, nothing it prints may act on the terminal.
  expect(r.stdout).not.toMatch(UNSAFE);
  expect(r.stderr).not.toMatch(UNSAFE);
  return r;
};
const ok = (r: CliResult, code = 0) => {
  expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
  return r.stdout;
};

beforeAll(async () => {
  col = await startTestCollector({ heartbeatMs: 60_000 });
  engineer = (await col.api("/api/tokens", TokenCreated, { body: { name: "alice", role: "engineer" } })).token;
});

afterAll(async () => {
  await agent?.stop();
  await col?.close();
});

/** The agent's side of a run: received, accepted, each requested check's step as the site is now, the verdict, finished. */
function answerRuns(a: () => FakeAgent) {
  return (f: ServerFrame) => {
    if (f.type !== "run.request") return;
    const req = f;
    const steps = req.checks.map((c) => site[c]).filter((s): s is StepResult => s !== undefined);
    void (async () => {
      let seq = 0;
      const at = () => Date.now();
      await a().emit({ type: "run.received", runId: req.runId, seq: seq++, at: at() });
      await a().emit({ type: "run.accepted", runId: req.runId, seq: seq++, at: at() });
      for (const s of steps) await a().emit({ type: "step", runId: req.runId, seq: seq++, at: at(), result: { ...s, startedAt: at() } });
      await a().emit({ type: "verdict", runId: req.runId, seq: seq++, at: at(), verdict: isolateFault(steps) });
      await a().emit({ type: "run.finished", runId: req.runId, seq: seq++, at: at(), outcome: "completed", steps: steps.length });
    })();
  };
}

describe("a support case in the CLI alone", () => {
  let t1: Ticket;
  let failingRunId: string;
  let verifyRunId: string;

  test("intake: the engineer opens a ticket and reads the customer an enrollment code; the agent connects", async () => {
    t1 = Ticket.parse(JSON.parse(ok(await cli("ticket", "create", "--customer", "Wang Fang", "--contact", "+86 138 0000 0000", "--site", "Road 1, Chaoyang", "--service", "Fiber 300M", "--symptom", "internet down since 9:00", "--tried", "restarted the modem", "--severity", "important", "--json"))));
    expect(t1.status).toBe("new");
    const code = EnrollmentCreated.parse(JSON.parse(ok(await cli("enroll-code", "--ticket", t1.id, "--json"))));
    const creds = await httpJson(`${col.url}/api/agents/enroll`, Enrolled, { body: { code: code.code, name: "wang-pc", agentVersion: AGENT_VERSION } });
    agentId = creds.agentId;
    agent = startFakeAgent({ url: col.url, creds, onFrame: answerRuns(() => agent!) });
    await agent.opened();
  });

  test("run: the diagnosis finds the access line down (exit 1) and the ticket is being diagnosed", async () => {
    const r = await cli("run", "--ticket", t1.id, "--agent", agentId, "--checks", CHECKS.join(","), "--follow");
    const outText = ok(r, 1);
    expect(outText).toMatch(/VERDICT: WAN — WAN_LINK_DOWN/);
    expect(outText).toMatch(/^✘ snmp +fail .*WAN_LINK_DOWN/m);
    failingRunId = /^run (\S+) /m.exec(outText)![1]!;
    const list = z.array(Ticket).parse(JSON.parse(ok(await cli("ticket", "list", "--json"))));
    const row = list.find((t) => t.id === t1.id)!;
    expect(row.status).toBe("diagnosing");
    expect(row.lastVerdict?.cause).toBe("WAN_LINK_DOWN");
    expect(row.deadlines?.respond.metAt).toBeDefined();
  });

  test("status: waiting for the customer, with a note; the list filters and shows time left and the cause", async () => {
    expect(ok(await cli("ticket", "status", t1.id, "--to", "waiting_customer", "--note", "customer checks the modem's DSL light"))).toContain(`ticket ${t1.id} is now waiting_customer`);
    const lines = ok(await cli("ticket", "list", "--status", "waiting_customer,escalated", "--cause", "wan_link_down")).split("\n");
    console.log(`[desk-cli] ticket list:\n${lines.join("\n")}`);
    const row = lines.find((l) => l.startsWith(t1.id));
    expect(row).toMatch(new RegExp(`^${t1.id} +waiting_customer +important +[\\dhdm ]+ left \\(resolve\\) +WAN_LINK_DOWN +Wang Fang — internet down since 9:00`));
    // A filter that excludes it: not listed.
    expect(ok(await cli("ticket", "list", "--status", "new"))).not.toContain(t1.id);
  });

  test("escalate: the hand-over to paste has the symptom, every step checked, the verdict, the deadlines and the team", async () => {
    const r = await cli("ticket", "escalate", t1.id, "--to", "field_service", "--note", "line down at the cabinet?");
    const text = ok(r);
    console.log(`[desk-cli] ticket escalate printed:\n${text}`);
    expect(r.stderr).toContain(`ticket ${t1.id} escalated to field_service`);
    expect(text).toMatch(new RegExp(`^HAND-OVER  ticket ${t1.id}  to field_service`));
    expect(text).toContain("symptom: internet down since 9:00");
    expect(text).toContain("already tried: restarted the modem");
    expect(text).toContain("Wang Fang");
    for (const check of CHECKS) expect(text).toMatch(new RegExp(`^  ${failingRunId}  ${check} +${LINE_DOWN[check]!.status} `, "m"));
    // The agent's hostile message is shown escaped, and starts no line of its own.
    expect(text).toContain("WAN_LINK_DOWN: WAN dsl0 down\\u001b]0;pwned\\u0007\\nVERDICT: NONE — forged");
    expect(text.match(/^\s*VERDICT/gm)).toHaveLength(1);
    expect(text).toContain(`VERDICT (run ${failingRunId}): WAN — WAN_LINK_DOWN`);
    expect(text).toMatch(/^  respond by \S+: met, /m);
    expect(text).toMatch(/^  resolve by \S+: (\d+h )?\d+m left/m);
    // The same hand-over as JSON, and again later from the ticket.
    const h = Handover.parse(JSON.parse(ok(await cli("ticket", "handover", t1.id, "--json"))));
    expect(h.to).toBe("field_service");
    expect(h.steps.map((s) => s.check).sort()).toEqual([...CHECKS].sort());
    expect(ok(await cli("ticket", "handover", t1.id))).toContain(`VERDICT (run ${failingRunId}): WAN — WAN_LINK_DOWN`);
    expect(ok(await cli("ticket", "show", t1.id))).toContain("status: escalated  (escalated to field_service at ");
  });

  test("resolving before the fix is verified is refused with the reason and what to do (exit 3)", async () => {
    const r = await cli("ticket", "resolve", t1.id, "--root-cause", "x", "--fix", "y");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`ticket ${t1.id}: refused (VERIFICATION_REQUIRED): `);
    expect(r.stderr).toContain(`netdiag ticket verify ${t1.id} --follow`);
  });

  test("verify: after the repair the failing run's checks run again, followed live, then compared: fixed (exit 0)", async () => {
    site = HEALTHY;
    const r = await cli("ticket", "verify", t1.id, "--follow");
    const text = ok(r, 0);
    console.log(`[desk-cli] ticket verify --follow printed:\n${text}`);
    verifyRunId = /^verification run (\S+) /m.exec(text)![1]!;
    expect(text).toMatch(/^✔ snmp +ok/m);
    expect(text).toMatch(/VERDICT: NONE — NONE/);
    expect(text).toMatch(/^ {2}snmp +fail +-> ok +FIXED {2}\(cleared WAN_LINK_DOWN\)$/m);
    expect(text).toMatch(/^verification: HEALTHY/m);
  });

  test("compare: per check before -> after, the change, healthy", async () => {
    const text = ok(await cli("ticket", "compare", t1.id));
    expect(text).toContain(`  before: run ${failingRunId}`);
    expect(text).toContain(`  after:  run ${verifyRunId}`);
    for (const check of ["snmp", "dns", "path", "service"]) expect(text).toMatch(new RegExp(`^  ${check} +fail +-> ok +FIXED`, "m"));
    expect(text).toMatch(/^ {2}host +ok +-> ok +ok$/m);
    const c = RunComparison.parse(JSON.parse(ok(await cli("ticket", "compare", t1.id, "--before", failingRunId, "--after", verifyRunId, "--json"))));
    expect(c.healthy).toBe(true);
  });

  test("resolve and close: the resolution with its verification, the customer's confirmation and satisfaction", async () => {
    const resolved = ok(await cli("ticket", "resolve", t1.id, "--root-cause", "splitter loose at the cabinet", "--fix", "re-seated the splitter, line resynced at 300M"));
    expect(resolved).toContain(`ticket ${t1.id} resolved, verified by run ${verifyRunId}`);
    expect(ok(await cli("ticket", "close", t1.id, "--confirmed", "--satisfaction", "5", "--note", "works again"))).toContain(`ticket ${t1.id} closed (confirmed, satisfaction 5/5)`);
    const show = ok(await cli("ticket", "show", t1.id));
    console.log(`[desk-cli] ticket show after close:\n${show}`);
    expect(show).toContain("  status: closed");
    expect(show).toContain("    root cause: splitter loose at the cabinet");
    expect(show).toContain(`    verified by run ${verifyRunId}`);
    expect(show).toContain("the customer confirmed it works, satisfaction 5/5");
    expect(show).toMatch(/^ {2}resolve by \S+: met, /m);
    // The history: who did what, from which status to which, with the notes.
    const hist = ok(await cli("ticket", "history", t1.id));
    for (const step of ["new -> diagnosing", "diagnosing -> waiting_customer", "waiting_customer -> escalated", "escalated -> resolved", "resolved -> closed"]) expect(hist).toContain(step);
    expect(hist).toContain("note: customer checks the modem's DSL light");
    expect(hist).toMatch(/alice/);
    const entries = z.array(TicketHistoryEntry).parse(JSON.parse(ok(await cli("ticket", "history", t1.id, "--json"))));
    expect(entries.filter((e) => e.from !== e.to).map((e) => e.to)).toEqual(["diagnosing", "waiting_customer", "escalated", "resolved", "closed"]);
    expect(entries.every((e) => e.actor.includes("alice"))).toBe(true);
  });

  test("a second ticket with the same cause shows what fixed it last time", async () => {
    site = LINE_DOWN;
    const t2 = Ticket.parse(JSON.parse(ok(await cli("ticket", "create", "--customer", "Li Lei", "--contact", "+86 139 0000 0000", "--service", "Fiber 100M", "--symptom", "no internet", "--json"))));
    expect(ok(await cli("run", "--ticket", t2.id, "--agent", agentId, "--checks", CHECKS.join(","), "--follow"), 1)).toMatch(/VERDICT: WAN — WAN_LINK_DOWN/);
    const show = ok(await cli("ticket", "show", t2.id));
    console.log(`[desk-cli] second ticket:\n${show}`);
    expect(show).toContain("what fixed WAN_LINK_DOWN last time (1 resolved ticket):");
    expect(show).toMatch(new RegExp(`^  ${t1.id}  resolved \\S+  verified  satisfaction 5/5$`, "m"));
    expect(show).toContain("    fix: re-seated the splitter, line resynced at 300M");
    const k = Knowledge.parse(JSON.parse(ok(await cli("knowledge", "WAN_LINK_DOWN", "--json"))));
    expect(k.tickets.map((e) => e.ticketId)).toEqual([t1.id]);
    expect(ok(await cli("knowledge", "wan_link_down"))).toContain("root cause: splitter loose at the cabinet");
    expect(TicketWithRuns.parse(JSON.parse(ok(await cli("ticket", "show", t2.id, "--json")))).status).toBe("diagnosing");

    // An illegal transition: closing a ticket that is being diagnosed. Refused, the reason printed, exit 3.
    const close = await cli("ticket", "close", t2.id, "--confirmed", "--satisfaction", "3");
    expect(close.code).toBe(3);
    expect(close.stdout).toBe("");
    expect(close.stderr).toMatch(new RegExp(`^netdiag: ticket ${t2.id}: refused \\(ILLEGAL_TRANSITION\\): cannot close a ticket that is diagnosing`));
    // A closed ticket takes no new run until it is reopened.
    const run = await cli("run", "--ticket", t1.id, "--agent", agentId, "--checks", "host");
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`ticket ${t1.id}: refused (TICKET_CLOSED)`);
    expect(run.stderr).toContain(`netdiag ticket reopen ${t1.id} --note TEXT`);
    expect(ok(await cli("ticket", "reopen", t1.id, "--note", "the line dropped again"))).toContain(`ticket ${t1.id} reopened: now diagnosing`);
  });

  test("usage errors are caught before anything is sent (exit 2)", async () => {
    const cases: [string[], RegExp][] = [
      [["ticket", "status", t1.id, "--to", "resolved"], /unknown status 'resolved' \(known: diagnosing, waiting_customer\)/],
      [["ticket", "escalate", t1.id, "--to", "noc"], /unknown team 'noc' \(known: network_operations, field_service, second_line, service_owner\)/],
      [["ticket", "close", t1.id, "--confirmed"], /--confirmed needs --satisfaction 1-5/],
      [["ticket", "close", t1.id, "--confirmed", "--satisfaction", "7"], /--satisfaction '7': /],
      [["ticket", "close", t1.id, "--unreachable"], /--unreachable needs --note/],
      [["ticket", "list", "--severity", "urgent"], /unknown severity 'urgent' \(known: general, important, severe\)/],
      [["ticket", "list", "--sort", "age"], /unknown sort order 'age' \(known: deadline, created\)/],
      [["ticket", "reopen", t1.id], /reopen needs --note/],
      [["ticket", "resolve", t1.id, "--fix", "y"], /needs --root-cause TEXT and --fix TEXT/],
      [["ticket", "show", "not an id"], /ticket id 'not an id'/],
    ];
    for (const [args, err] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(err);
    }
  });
});
