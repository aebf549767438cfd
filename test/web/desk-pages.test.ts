// The desk pages through a real collector (SQLite file, HTTP on port 0), signed in through the real
// sign-in form: intake, list with filters and deadlines, the ticket page, role rules on every action.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TicketWithRuns } from "../../shared/api.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
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
    expect(res.html).toContain(`netdiag-agent enroll --collector ${tc.url} --code ${code}`);
    expect(res.html).toContain(`netdiag-agent authorize --ticket ${id} --all --for 2h`);
  });
});
