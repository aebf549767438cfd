// The terminal prompt, driven through injected streams as a terminal would: it shows who asks, the
// ticket, each check with a description and the duration; y approves, anything else refuses.
import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { ConsentBroker } from "../../../agent/consent/broker.js";
import { attachTerminalPrompt } from "../../../agent/consent/prompt.js";

function terminal(locale: "en" | "zh-CN", timeoutMs = 10_000) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (d: Buffer) => (shown += d.toString()));
  const broker = new ConsentBroker({ timeoutMs });
  const detach = attachTerminalPrompt({ broker, input, output, locale });
  const ask = (checks = ["dns", "ping"], requestedBy = "alice") => broker.ask({ runId: "run_aaaaaa", ticketId: "tkt_one", requestedBy, checks, changes: [], grantMs: 2 * 3600_000 });
  const waitShown = async (re: RegExp) => {
    while (!re.test(shown)) await new Promise((r) => output.once("data", r));
  };
  return { input, broker, detach, ask, waitShown, shown: () => shown };
}

describe("terminal consent prompt", () => {
  test.each([
    ["y", "approved"],
    ["yes", "approved"],
    ["", "refused"],
    ["n", "refused"],
    ["maybe", "refused"],
  ])("answer %j → %s", async (line, want) => {
    const tt = terminal("en");
    const answer = tt.ask();
    await tt.waitShown(/Allow\? \[y\/N\] $/);
    expect(tt.shown()).toMatch(/Requested by: alice/);
    expect(tt.shown()).toMatch(/Ticket: tkt_one/);
    expect(tt.shown()).toMatch(/- dns: whether internet names can be looked up/);
    expect(tt.shown()).toMatch(/- ping: /);
    expect(tt.shown()).toMatch(/valid for: 2h/);
    tt.input.write(line + "\n");
    expect(await answer).toBe(want);
    tt.detach();
  });

  test("in Chinese, and a request answered elsewhere is withdrawn from the terminal", async () => {
    const tt = terminal("zh-CN");
    const first = tt.ask();
    const second = tt.ask(["host"]);
    await tt.waitShown(/是否允许/);
    expect(tt.shown()).toMatch(/请求人: alice/);
    expect(tt.shown()).toMatch(/dns：能否解析网址域名/);
    tt.broker.answer(tt.broker.pending()[0]!.id, true, "local-channel");
    expect(await first).toBe("approved");
    await tt.waitShown(/此请求已在别处处理。[\s\S]*host：/);
    tt.input.write("是\n");
    expect(await second).toBe("approved");
    tt.detach();
  });

  test("no answer in time counts as refused and says so", async () => {
    const tt = terminal("en", 50);
    expect(await tt.ask()).toBe("timeout");
    await tt.waitShown(/No answer in time: refused/);
    tt.detach();
  });

  test("what the collector sent cannot rewrite the question: control characters are shown escaped", async () => {
    const tt = terminal("en");
    // Erase the line above and print a harmless-looking question instead; retitle the window.
    const answer = tt.ask(["dns", "renew\x1b[2K"], "alice\x1b[1A\x1b[2K\rnothing to see\x1b]0;x\x07\u202e");
    await tt.waitShown(/Allow\? \[y\/N\] $/);
    expect(tt.shown()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
    expect(tt.shown()).toContain("Requested by: alice\\u001b[1A\\u001b[2K\\rnothing to see\\u001b]0;x\\u0007\\u202e");
    expect(tt.shown()).toContain("renew\\u001b[2K");
    tt.input.write("n\n");
    expect(await answer).toBe("refused");
    tt.detach();
  });
});
