// The consent page's pure rendering: escaping of what the collector sent (text and attributes), the
// time left, and no markup the page's CSP would block.
import { describe, expect, test } from "vitest";
import { renderApprovalPage, timeLeft } from "../../../agent/consent/approval-page.js";
import type { ConsentRequest } from "../../../agent/consent/broker.js";

const req = (o: Partial<ConsentRequest> = {}): ConsentRequest => ({
  id: "req_abc",
  runId: "run_abc",
  ticketId: "tk_abc",
  requestedBy: "alice",
  checks: ["dns"],
  changes: [],
  grantMs: 3600_000,
  askedAt: 0,
  deadline: 300_000,
  ...o,
});
const render = async (o: Partial<Parameters<typeof renderApprovalPage>[0]> = {}) =>
  String(await renderApprovalPage({ locale: "en", pending: [req()], now: 0, pageKey: "KEY", ...o }));

describe("consent page rendering", () => {
  test("everything the collector sent is escaped, in text and in attributes", async () => {
    const body = await render({ pending: [req({ requestedBy: `"><img src=x onerror=alert(1)>`, ticketId: "tk_<i>", checks: ["<svg/onload=x>"] })], pageKey: `K"&'<` });
    expect(body).not.toMatch(/<img|<i>|<svg/);
    expect(body).toContain('<dd class="by">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</dd>');
    expect(body).toContain('<dd class="ticket">tk_&lt;i&gt;</dd>');
    expect(body).toContain("<li>&lt;svg/onload=x&gt;: an action without a description</li>");
    expect(body).toContain('<input type="hidden" name="k" value="K&quot;&amp;&#39;&lt;">');
  });

  test("no markup the CSP blocks: no script, no inline style, no event handler", async () => {
    for (const pending of [[], [req(), req({ id: "req_two", changes: ["x"], checks: ["dns", "x"] })]]) {
      const body = await render({ pending, notice: "approved" });
      expect(body).not.toMatch(/<script|<style|\sstyle=|\son\w+=|javascript:/i);
    }
  });

  test("a request that only changes something says so in its title", async () => {
    const body = await render({ pending: [req({ checks: ["x"], changes: ["x"], grantMs: 0 })] });
    expect(body).toContain("A support engineer asks to CHANGE something on this computer or network device.");
    expect(body).toContain('<dd class="duration">this one time only</dd>');
  });

  test.each([
    [300_000, "5m"],
    [299_000, "4m"],
    [60_000, "1m"],
    [59_400, "59s"],
    [400, "1s"],
    [-5_000, "1s"],
  ])("time left %i ms reads %s (rounded down)", (ms, want) => expect(timeLeft(ms)).toBe(want));
});
