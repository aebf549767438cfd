// THE support case in the browser alone (Debian chromium via playwright-core): a real collector on
// loopback, the customer's agent on the real link (test/web/desk-agent.ts: real-shaped steps sent one
// at a time, the verdict from the real isolateFault). The engineer signs in, opens a ticket, requests
// authorization, triggers the diagnosis, SEES the steps appear live before the run ends, sees the
// verdict on the chain, escalates and reads the hand-over, verifies the fix (the agent now finds
// nothing wrong) and reads the comparison, resolves and closes with the customer's confirmation. A
// technician reads the ticket but has no form, and a forged POST is refused. Screenshots (desktop and
// phone) go to test-artifacts/screenshots/ for people to look at.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Ticket, TicketWithRuns } from "../../shared/api.js";
import { UserView } from "../../shared/users.js";
import { DESKTOP, HAVE_CHROMIUM, launchBrowser, NO_CHROMIUM_REASON, PHONE, type TestBrowser } from "../helpers/browser.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { connectAgent, healthySteps, wanDownSteps, type ScriptedAgent } from "./desk-agent.js";

if (!HAVE_CHROMIUM) console.warn(`skipping the browser support case: ${NO_CHROMIUM_REASON}`);

const PASSWORD = "correct horse battery";

describe.skipIf(!HAVE_CHROMIUM)("a support case in the browser alone", () => {
  let tc: TestCollector;
  let b: TestBrowser;
  const agents: ScriptedAgent[] = [];

  /** The collector's clock runs this far from the real one (older tickets are made in the past). */
  let clockOffset = 0;

  beforeAll(async () => {
    tc = await startTestCollector({}, { now: () => Date.now() + clockOffset });
    // Other tickets on the desk, opened three hours ago: the list shows overdue ones in red.
    clockOffset = -3 * 3600_000;
    for (const [name, severity, symptom] of [
      ["Li Lei", "severe", "whole office offline"],
      ["Zhang Wei", "important", "video calls drop every few minutes"],
      ["Chen Jing", "general", "one website does not open"],
    ] as const) {
      await tc.api("/api/tickets", Ticket, { body: { customer: { name, contact: "+86 139 0000 0000" }, service: "Fiber 100M", symptom, severity } });
    }
    clockOffset = 0;
    await tc.api("/api/users", UserView, { body: { username: "alice", role: "engineer", password: PASSWORD } });
    await tc.api("/api/users", UserView, { body: { username: "tom", role: "technician", password: PASSWORD } });
    b = await launchBrowser();
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await b?.close();
    await tc?.close();
  });

  async function signedIn(viewport: { width: number; height: number }, user: string): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await b.context(viewport);
    const page = await ctx.newPage();
    await page.goto(`${tc.url}/login`);
    await page.locator('form[action="/login"] input[name=username]').fill(user);
    await page.locator('form[action="/login"] input[name=password]').fill(PASSWORD);
    await page.locator('form[action="/login"] button[type=submit]').click();
    await page.waitForURL(/\/(tickets|devices)$/);
    return { ctx, page };
  }

  /** The same view on the phone, for its screenshot. */
  async function phoneShot(phone: Page, path: string, name: string): Promise<void> {
    await phone.goto(`${tc.url}${path}`);
    await b.shot(phone, name);
  }

  test("sign in, open, authorize, trigger, live steps, verdict on the chain, escalate, verify, compare, resolve, close", { timeout: 180_000 }, async () => {
    const { page } = await signedIn(DESKTOP, "alice");
    const { page: phone } = await signedIn(PHONE, "alice");
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

    // Intake.
    await page.getByRole("link", { name: "New ticket" }).click();
    await page.locator("input[name=name]").fill("Wang Fang");
    await page.locator("input[name=contact]").fill("+86 138 0000 1234");
    await page.locator("input[name=site]").fill("Building 3, flat 402, Chaoyang");
    await page.locator("input[name=service]").fill("Fiber 300M");
    await page.locator("textarea[name=symptom]").fill("Internet down since 9:00; the modem's DSL light blinks");
    await page.locator("input[name=startedAt]").fill("today 9:00");
    await page.locator("select[name=severity]").selectOption("important");
    await page.getByRole("button", { name: "Open the ticket" }).click();
    await page.waitForURL(/\/tickets\/tk_[A-Za-z0-9_-]+$/);
    const ticketId = /\/tickets\/(tk_[A-Za-z0-9_-]+)$/.exec(page.url())![1]!;
    await expect.poll(() => page.locator("[data-deadline=respond] .deadline").textContent()).toMatch(/left$/);

    // Request authorization: the code and the customer's commands; the customer's agent enrolls with it.
    await page.getByRole("button", { name: "Request authorization (enrollment code)" }).click();
    const code = (await page.locator("[data-enrollment-code]").textContent())!.trim();
    expect(await page.locator("[data-commands]").textContent()).toContain(`--code ${code}`);
    expect(page.url()).not.toContain(code);
    const agent = await connectAgent(tc, ticketId, code);
    agents.push(agent);

    // Trigger.
    await page.goto(`${tc.url}/tickets/${ticketId}`);
    await expect.poll(() => page.locator(".badge.ok", { hasText: "connected" }).count()).toBe(1);
    await page.locator("input[name=service]").fill("https://www.shop.test/");
    await page.getByRole("button", { name: "Start the diagnosis" }).click();
    const req = await agent.nextRun();
    await page.waitForURL(new RegExp(`#run-${req.runId}$`));
    const section = page.locator(`section[data-run="${req.runId}"]`);
    const rows = section.locator("tbody[data-live=steps] tr");
    // A mark on the window: if the page reloaded, it would be gone (steps must land without a reload).
    await page.evaluate(() => ((globalThis as unknown as Record<string, unknown>).deskMark = 1));

    await agent.accept(req);
    const run = agent.plan(req, wanDownSteps());
    const total = run.steps.length;
    for (let i = 0; i < total; i++) {
      await agent.sendStep(run, i);
      await expect.poll(() => rows.count()).toBe(i + 1);
      await expect.poll(() => section.locator("[data-live=progress]").textContent()).toBe(`${i + 1} of ${total} checks`);
      if (i === 3) {
        await b.shot(page, "desk-ticket-midrun-desktop");
        await phoneShot(phone, `/tickets/${ticketId}#run-${req.runId}`, "desk-ticket-midrun-phone");
      }
    }
    // Every step is on the page, the run has not ended, and the page never reloaded.
    expect(await section.locator("[data-live=state]").getAttribute("data-state")).toBe("running");
    expect(await page.evaluate(() => (globalThis as unknown as Record<string, unknown>).deskMark)).toBe(1);
    expect(await section.locator(".verdict").count()).toBe(0);
    const snmpRow = section.locator('tbody[data-live=steps] tr[data-check="snmp"]');
    expect(await snmpRow.getAttribute("data-status")).toBe("fail");
    expect(await snmpRow.locator("td").first().textContent()).toBe("✘\u00a0snmpfail · 860\u00a0ms");
    expect(await snmpRow.locator("td").nth(1).textContent()).toContain("WAN_LINK_DOWN");

    // Verdict, then the end of the run: the page draws it on the chain.
    const verdict = await agent.finish(run);
    expect(verdict.cause).toBe("WAN_LINK_DOWN");
    const fresh = page.locator(`section[data-run="${req.runId}"] .verdict[data-cause="WAN_LINK_DOWN"]`);
    await fresh.waitFor();
    expect(await page.locator(`section[data-run="${req.runId}"]`).getAttribute("data-state")).toBe("completed");
    expect(await fresh.locator('svg g[data-link="wan"]').getAttribute("data-state")).toBe("fault");
    expect(await fresh.locator('svg g[data-link="router"]').getAttribute("data-state")).toBe("ok");
    expect(await fresh.locator('svg g[data-link="wan"] title').textContent()).toBe("Line / modem: fault");
    // The server draws the stored steps exactly as the browser drew them live.
    expect(await page.locator(`section[data-run="${req.runId}"] tr[data-check="snmp"] td`).first().textContent()).toBe("✘\u00a0snmpfail · 860\u00a0ms");
    await b.shot(page, "desk-ticket-verdict-desktop");
    await phoneShot(phone, `/tickets/${ticketId}#run-${req.runId}`, "desk-ticket-verdict-phone");

    // Escalate -> hand-over.
    await page.locator("form[data-form=escalate] select[name=to]").selectOption("field_service");
    await page.locator("form[data-form=escalate] textarea[name=note]").fill("Line down: please check the DSLAM port and the cabinet.");
    await page.getByRole("button", { name: "Escalate and write the hand-over" }).click();
    await page.waitForURL(new RegExp(`/tickets/${ticketId}/handover$`));
    const text = (await page.locator("[data-handover-text]").textContent())!;
    expect(text).toContain(`HAND-OVER  ticket ${ticketId}  to field_service`);
    expect(text).toContain("WAN_LINK_DOWN");
    expect(text).toContain("snmp");
    expect(await page.locator("[data-handover-copy]").inputValue()).toBe(text);
    await b.shot(page, "desk-handover-desktop");
    await phoneShot(phone, `/tickets/${ticketId}/handover`, "desk-handover-phone");

    // Verify the fix: the line is repaired, the agent finds nothing wrong.
    await page.goto(`${tc.url}/tickets/${ticketId}`);
    expect(await page.locator("[data-escalated-to]").first().textContent()).toBe("field service");
    await page.getByRole("button", { name: "Verify the fix" }).click();
    const req2 = await agent.nextRun();
    expect(req2.checks).toEqual(req.checks);
    await page.waitForURL(new RegExp(`#run-${req2.runId}$`));
    expect((await agent.complete(req2, healthySteps())).cause).toBe("NONE");
    await page.locator(`section[data-run="${req2.runId}"] .verdict[data-cause="NONE"]`).waitFor();
    await page.getByRole("link", { name: "Compare before and after" }).first().click();
    await page.waitForURL(new RegExp(`/tickets/${ticketId}/compare$`));
    await page.locator("[data-healthy=yes]").waitFor();
    expect(await page.locator('tr[data-check="snmp"]').getAttribute("data-change")).toBe("fixed");
    await b.shot(page, "desk-compare-desktop");
    await phoneShot(phone, `/tickets/${ticketId}/compare`, "desk-compare-phone");

    // Resolve (the page says the fix is verified), close with the customer's confirmation.
    await page.goto(`${tc.url}/tickets/${ticketId}`);
    await page.locator("[data-verified=yes]").waitFor();
    await page.locator("form[data-form=resolve] textarea[name=rootCause]").fill("Splitter loose at the street cabinet");
    await page.locator("form[data-form=resolve] textarea[name=fix]").fill("Field service re-seated the splitter; the line resynced at 300M");
    await page.getByRole("button", { name: "Mark resolved" }).click();
    await page.locator('[data-status="resolved"]').waitFor();
    await page.locator("form[data-form=close] select[name=outcome]").selectOption("confirmed");
    await page.locator("form[data-form=close] select[name=satisfaction]").selectOption("5");
    await page.locator("form[data-form=close] textarea[name=note]").fill("Customer confirms browsing works.");
    await page.getByRole("button", { name: "Close the ticket" }).click();
    await page.locator('[data-status="closed"]').waitFor();
    expect(await page.locator("[data-confirmation=confirmed]").textContent()).toContain("satisfaction 5/5");
    await b.shot(page, "desk-ticket-closed-desktop");
    await phoneShot(phone, `/tickets/${ticketId}`, "desk-ticket-closed-phone");

    // The list: this ticket closed, its deadlines met, the newest verdict (nothing wrong) and what it was resolved for.
    await page.goto(`${tc.url}/tickets`);
    const listed = (await page.locator(`tr[data-ticket="${ticketId}"]`).textContent())!;
    expect(listed).toContain("NONE");
    expect(listed).toContain("resolved: WAN_LINK_DOWN");
    expect(await page.locator("tr[data-overdue] .deadline.overdue").count()).toBe(2);
    // Nearest deadline first: the overdue severe ticket on top.
    expect(await page.locator("tbody tr").first().textContent()).toContain("Li Lei");
    await b.shot(page, "desk-list-desktop");
    await phoneShot(phone, "/tickets", "desk-list-phone");

    // The same ticket in Chinese (the switch in the header).
    await page.goto(`${tc.url}/tickets/${ticketId}`);
    await page.getByRole("link", { name: "中文" }).click();
    await page.locator("html[lang=zh-CN]").waitFor();
    expect(await page.locator(`section[data-run="${req.runId}"] .verdict h4`).first().textContent()).toContain("诊断结论");
    expect(await page.locator(`section[data-run="${req.runId}"] svg g[data-link="wan"] title`).textContent()).toBe("线路/光猫: 故障");
    await b.shot(page, "desk-ticket-closed-zh-desktop");
    await page.getByRole("link", { name: "en" }).click();
    await page.locator("html[lang=en]").waitFor();

    const stored = await tc.api(`/api/tickets/${ticketId}`, TicketWithRuns);
    expect(stored.status).toBe("closed");
    expect(stored.confirmation).toEqual({ outcome: "confirmed", satisfaction: 5, note: "Customer confirms browsing works." });
    expect(stored.resolution?.verificationRunId).toBe(req2.runId);
    expect(errors).toEqual([]);

    // A technician reads the same ticket: no form to change anything, and a forged POST is refused.
    const { page: techPage } = await signedIn(PHONE, "tom");
    await techPage.goto(`${tc.url}/tickets/${ticketId}`);
    await techPage.locator("[data-read-only]").waitFor();
    expect(await techPage.locator(`form[method=post][action^="/tickets/"]`).count()).toBe(0);
    const forged = await techPage.evaluate(async (id) => {
      // The page's own CSRF token (the sign-out form carries it): the forgery is as good as it gets.
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document;
      const csrf = doc.querySelector('input[name="_csrf"]')!.value;
      const asPage = await fetch(`/tickets/${id}/reopen`, { method: "POST", body: new URLSearchParams({ _csrf: csrf, note: "reopen it" }) });
      const asApi = await fetch(`/api/tickets/${id}/reopen`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ note: "reopen it" }) });
      return [asPage.status, asApi.status];
    }, ticketId);
    expect(forged).toEqual([403, 401]);
    expect((await tc.api(`/api/tickets/${ticketId}`, TicketWithRuns)).status).toBe("closed");
    await b.shot(techPage, "desk-ticket-technician-phone");
  });

  test("what an agent reports is text in the live rows too, never markup", { timeout: 60_000 }, async () => {
    const id = (await tc.api("/api/tickets", Ticket, { body: { customer: { name: "Hostile Agent", contact: "+86 1" }, service: "x", symptom: "x" } })).id;
    const agent = await connectAgent(tc, id);
    agents.push(agent);
    const { page } = await signedIn(DESKTOP, "alice");
    await page.goto(`${tc.url}/tickets/${id}`);
    await page.locator("form[data-form=run] input[value=routeros]").uncheck();
    await page.getByRole("button", { name: "Start the diagnosis" }).click();
    const req = await agent.nextRun();
    await page.waitForURL(new RegExp(`#run-${req.runId}$`));
    await agent.accept(req);
    const evil = '<img src=x onerror="document.title=\'pwned\'">';
    const run = agent.plan(req, {});
    run.steps[0] = { ...run.steps[0]!, status: "skipped", skipReason: evil } as (typeof run.steps)[number];
    await agent.sendStep(run, 0);
    const rows = page.locator(`section[data-run="${req.runId}"] tbody[data-live=steps] tr`);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(evil);
    expect(await page.locator(`section[data-run="${req.runId}"] tbody img`).count()).toBe(0);
    expect(await page.title()).not.toBe("pwned");
  });
});
