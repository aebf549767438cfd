// The desk pages through a real collector (SQLite file, HTTP on port 0), signed in through the real
// sign-in form: intake, list with filters and deadlines, the ticket page, role rules on every action.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TicketWithRuns } from "../../shared/api.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { connectAgent, healthySteps, wanDownSteps } from "./desk-agent.js";
import { makeToken, signIn, type WebClient } from "./desk-client.js";

let tc: TestCollector;
let eng: WebClient;
let tech: WebClient;

beforeAll(async () => {
  tc = await startTestCollector();
  eng = await signIn(tc, await makeToken(tc, "engineer", "alice"));
  tech = await signIn(tc, await makeToken(tc, "technician", "tom"));
});
afterAll(async () => {
  await tc?.close();
});

const INTAKE = { name: "Wang Fang", contact: "+86 138 0000 1234", site: "Building 3, flat 402", service: "Fiber 300M", symptom: "internet down since 9:00\nthe modem light is red", severity: "important", category: "network" };

async function openTicket(fields: Record<string, string> = INTAKE): Promise<string> {
  const res = await eng.post("/tickets/new", fields);
  expect(res.status, res.html.slice(0, 500)).toBe(303);
  const id = /^\/tickets\/(tk_[A-Za-z0-9_-]+)$/.exec(res.location ?? "")?.[1];
  expect(id).toBeDefined();
  return id!;
}

describe("intake", () => {
  test("the form opens a ticket through the API's schema; the ticket page shows the intake and time limits", async () => {
    const id = await openTicket();
    const stored = await tc.api(`/api/tickets/${id}`, TicketWithRuns);
    expect(stored.customer.name).toBe("Wang Fang");
    expect(stored.severity).toBe("important");
    expect(stored.createdBy).toBe("alice");
    const page = await eng.get(`/tickets/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("+86 138 0000 1234");
    expect(page.html).toContain("internet down since 9:00<br>the modem light is red");
    expect(page.html).toMatch(/data-deadline="respond"><span class="deadline (ok|soon)">1 h 59 min left|data-deadline="respond"><span class="deadline ok">2 h 0 min left/);
    expect(page.html).toContain('action="/tickets/' + id + '/enroll"');
  });

  test("a missing field re-renders the form with the error in the page's language and what was typed", async () => {
    const res = await eng.post("/tickets/new", { ...INTAKE, symptom: "" });
    expect(res.status).toBe(400);
    expect(res.html).toContain("Please check the form: Symptom");
    expect(res.html).toContain('value="Wang Fang"');
    await eng.get("/tickets?lang=zh-CN");
    const zh = await eng.post("/tickets/new", { ...INTAKE, contact: "" });
    expect(zh.html).toContain("请检查表单：联系方式");
    await eng.get("/tickets?lang=en");
  });

  test("what a person typed is text, never markup", async () => {
    const id = await openTicket({ ...INTAKE, name: '<script>alert(1)</script>', symptom: '"><img src=x onerror=alert(1)>' });
    const page = await eng.get(`/tickets/${id}`);
    expect(page.html).not.toContain("<script>alert(1)");
    expect(page.html).not.toContain("<img src=x");
    expect(page.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

describe("the list", () => {
  test("filters by severity and status, nearest deadline first, with the time left", async () => {
    const severe = await openTicket({ ...INTAKE, name: "Severe Customer", severity: "severe" });
    const general = await openTicket({ ...INTAKE, name: "General Customer", severity: "general" });
    const all = await eng.get("/tickets");
    expect(all.status).toBe(200);
    // severe: respond within 30 min, the nearest deadline: first.
    expect(all.html.indexOf(`data-ticket="${severe}"`)).toBeLessThan(all.html.indexOf(`data-ticket="${general}"`));
    const sev = await eng.get("/tickets?severity=severe&status=new&overdue=&agentId=&cause=");
    expect(sev.html).toContain(severe);
    expect(sev.html).not.toContain(general);
    expect(sev.html).toContain('<option value="severe" selected>');
    // The contact is masked in a list, as in the API.
    expect(all.html).not.toContain("+86 138 0000 1234");
  });

  test("a bad filter is a clear message, not a crash", async () => {
    const res = await eng.get("/tickets?cause=not-a-cause");
    expect(res.status).toBe(400);
    expect(res.html).toContain("These filters are not valid: cause");
  });
});

describe("roles", () => {
  test("a technician reads the ticket with no form, and every POST is refused and audited", async () => {
    const id = await openTicket();
    const page = await tech.get(`/tickets/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Wang Fang");
    expect(page.html).not.toMatch(/<form method="post" action="\/tickets/);
    expect(page.html).toContain("only engineers change it");
    for (const path of [`/tickets/${id}/enroll`, `/tickets/${id}/runs`, `/tickets/${id}/escalate`, `/tickets/${id}/resolve`, "/tickets/new"]) {
      const res = await tech.post(path, { to: "field_service", agentId: "ag_xxxxxx", checks: "host", name: "x" });
      expect(res.status, path).toBe(403);
    }
    const stored = await tc.api(`/api/tickets/${id}`, TicketWithRuns);
    expect(stored.status).toBe("new");
  });

  test("a POST without the session's CSRF token changes nothing", async () => {
    const id = await openTicket();
    const res = await eng.post(`/tickets/${id}/enroll`, {}, { csrf: false });
    expect(res.status).toBe(403);
    expect(res.html).not.toContain("data-enrollment-code");
  });
});

describe("request authorization", () => {
  test("makes a one-time code bound to the ticket and shows the customer's commands, never in a URL", async () => {
    const id = await openTicket();
    const res = await eng.post(`/tickets/${id}/enroll`, {});
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const code = /data-enrollment-code>([^<]+)</.exec(res.html)?.[1];
    expect(code).toMatch(/^[A-Z0-9-]{8,}$/);
    // One line downloads the agent this collector serves, checks its hash and enrolls (shared/onboarding.ts).
    expect(res.html).toMatch(new RegExp(`curl -fsSLO ${tc.url}/download/netdiag-agent\\.js &amp;&amp; echo &quot;[0-9a-f]{64}  netdiag-agent\\.js&quot; \\| sha256sum -c &amp;&amp; node netdiag-agent\\.js enroll --collector ${tc.url} --code ${code}`));
    expect(res.html).toContain(`node netdiag-agent.js authorize --ticket ${id} --all --for 2h`);
  });
});

describe("a support case through the pages", () => {
  test("trigger, verdict on the chain, escalate, hand-over, verify, comparison, resolve, close; then knowledge on the next ticket", async () => {
    const id = await openTicket();
    const agent = await connectAgent(tc, id);
    try {
      let page = await eng.get(`/tickets/${id}`);
      expect(page.html).toContain(`<option value="${agent.id}" selected>`);
      // Trigger through the form: the same path as POST /api/runs (the ticket moves to diagnosing).
      const trig = await eng.post(`/tickets/${id}/runs`, { agentId: agent.id, checks: ["host", "gateway", "dhcp", "dns", "path", "service", "snmp"], service: "https://www.shop.test/", targets: "" });
      expect(trig.status, trig.html.slice(0, 400)).toBe(303);
      const req = await agent.nextRun();
      expect(trig.location).toBe(`/tickets/${id}#run-${req.runId}`);
      expect(req.params.service).toBe("https://www.shop.test/");
      await agent.accept(req);
      const run = agent.plan(req, wanDownSteps());
      await agent.sendStep(run, 0);
      await agent.sendStep(run, 1);
      // Mid-run: the page draws the stored steps and the live-run hooks for desk-live.js.
      page = await eng.get(`/tickets/${id}`);
      expect(page.html).toContain(`data-live-run="${req.runId}"`);
      expect(page.html).toContain(`data-events="/api/runs/${req.runId}/events"`);
      expect(page.html).toContain("2 of 7 checks");
      expect(page.html).toContain('<script src="/static/desk-live.js" defer></script>');
      for (let i = 2; i < run.steps.length; i++) await agent.sendStep(run, i);
      const verdict = await agent.finish(run);
      expect(verdict.cause).toBe("WAN_LINK_DOWN");
      page = await eng.get(`/tickets/${id}`);
      expect(page.html).not.toContain("data-live-run");
      expect(page.html).toContain('data-cause="WAN_LINK_DOWN"');
      expect(page.html).toMatch(/<g data-link="wan" data-state="fault">/);
      expect(page.html).toMatch(/<g data-link="router" data-state="ok">/);
      expect(page.html).toContain("WAN_LINK_DOWN");
      expect(page.html).toContain('data-status="diagnosing"');
      expect(page.html).toContain('data-verified="no"');

      // Escalate -> the hand-over page.
      const esc = await eng.post(`/tickets/${id}/escalate`, { to: "field_service", note: "line down at the cabinet?" });
      expect(esc.status).toBe(303);
      expect(esc.location).toBe(`/tickets/${id}/handover`);
      const ho = await eng.follow(esc);
      expect(ho.html).toContain('data-escalated-to="field_service"');
      expect(ho.html).toMatch(/<pre class="mono small" data-handover-text>HAND-OVER  ticket/);
      expect(ho.html).toContain("WAN_LINK_DOWN");
      expect(ho.html).toContain(`href="/api/tickets/${id}/handover"`);
      page = await eng.get(`/tickets/${id}`);
      expect(page.html).toContain('data-escalated-to="field_service"');

      // Resolving without a healthy verification and without a reason is refused, in words.
      const early = await eng.post(`/tickets/${id}/resolve`, { rootCause: "splitter", fix: "re-seated" });
      expect(early.status).toBe(409);
      expect(early.html).toContain("No healthy verification run");
      expect(early.html).toContain(">splitter</textarea>");

      // Verify the fix: the same agent and checks again; the agent now finds nothing wrong.
      const ver = await eng.post(`/tickets/${id}/verify`, {});
      expect(ver.status).toBe(303);
      const req2 = await agent.nextRun();
      expect(req2.checks).toEqual(req.checks);
      expect(ver.location).toBe(`/tickets/${id}#run-${req2.runId}`);
      expect((await agent.complete(req2, healthySteps())).cause).toBe("NONE");
      const cmp = await eng.get(`/tickets/${id}/compare`);
      expect(cmp.status).toBe(200);
      expect(cmp.html).toContain('data-healthy="yes"');
      expect(cmp.html).toMatch(/data-check="snmp" data-change="fixed"/);
      expect(cmp.html).toContain("WAN_LINK_DOWN");
      page = await eng.get(`/tickets/${id}`);
      expect(page.html).toContain('data-verified="yes"');

      const res = await eng.post(`/tickets/${id}/resolve`, { rootCause: "splitter loose at the cabinet", fix: "re-seated the splitter" });
      expect(res.status, res.html.slice(0, 300)).toBe(303);
      const badClose = await eng.post(`/tickets/${id}/close`, { outcome: "confirmed", satisfaction: "" });
      expect(badClose.status).toBe(409);
      expect(badClose.html).toContain("needs the satisfaction");
      const closed = await eng.post(`/tickets/${id}/close`, { outcome: "confirmed", satisfaction: "5", note: "works again" });
      expect(closed.status).toBe(303);
      page = await eng.get(`/tickets/${id}`);
      expect(page.html).toContain('data-status="closed"');
      expect(page.html).toContain('data-confirmation="confirmed"');
      expect(page.html).toContain("satisfaction 5/5");
      expect(page.html).toContain(`action="/tickets/${id}/reopen"`);
      const stored = await tc.api(`/api/tickets/${id}`, TicketWithRuns);
      expect(stored.status).toBe("closed");
      expect(stored.resolution?.verificationRunId).toBe(req2.runId);

      // The next ticket with the same cause shows what fixed it.
      const id2 = await openTicket({ ...INTAKE, name: "Li Lei" });
      const other = await connectAgent(tc, id2);
      try {
        await eng.post(`/tickets/${id2}/runs`, { agentId: other.id, checks: ["host", "gateway", "dhcp", "dns", "path", "service", "snmp"] });
        await other.complete(await other.nextRun(), wanDownSteps());
        const p2 = await eng.get(`/tickets/${id2}`);
        expect(p2.html).toContain('data-knowledge="WAN_LINK_DOWN"');
        expect(p2.html).toContain("re-seated the splitter");
        expect(p2.html).toContain(`href="/tickets/${id}"`);
      } finally {
        await other.stop();
      }
    } finally {
      await agent.stop();
    }
  });

  test("a forged trigger with a hostile target is refused by the API's own rules", async () => {
    const id = await openTicket();
    const agent = await connectAgent(tc, id);
    try {
      const res = await eng.post(`/tickets/${id}/runs`, { agentId: agent.id, checks: ["ping"], targets: "-c 1000" });
      expect(res.status).toBe(400);
      expect(res.html).toContain("Refused: invalid target");
      const none = await eng.post(`/tickets/${id}/runs`, { agentId: agent.id });
      expect(none.status).toBe(400);
      expect(none.html).toContain("Please check the form: Checks");
      expect((await tc.api(`/api/tickets/${id}`, TicketWithRuns)).runs).toHaveLength(0);
    } finally {
      await agent.stop();
    }
  });
});
