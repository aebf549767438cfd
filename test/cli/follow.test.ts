// What the engineer reads while following a run (`netdiag run --follow`, `netdiag watch`): one line per
// state as it happens, with the reason and the deadline. The text per state as a table, then the real
// CLI binary following a run that is queued (agent offline), sent when the agent connects, received,
// waiting for the customer's consent, running and completed.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Run } from "../../shared/api.js";
import { describeState, formatDeadline } from "../../cli/follow.js";
import { startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { createTicket, enrollAgents, markedStep, startFakeAgent, type FakeAgent } from "../helpers/fake-agent.js";

const NOW = new Date(2024, 0, 1, 10, 30, 0).getTime();

describe("describeState", () => {
  test.each([
    [{ state: "requested" as const, until: NOW + 298_000 }, "· queued: the agent is offline; the run is sent when it connects, expires at 10:34:58 (in 4m 58s)"],
    [{ state: "requested" as const, until: NOW + 5_000, reason: "the agent's link dropped" }, "· queued: the agent is offline; the run is sent when it connects, expires at 10:30:05 (in 5s) (the agent's link dropped)"],
    [{ state: "sent" as const, until: NOW + 60_000 }, "· sent to the agent, waiting for its acknowledgement; expires at 10:31:00 (in 1m 0s)"],
    [{ state: "received" as const }, "· received by the agent"],
    [{ state: "awaiting_consent" as const, until: NOW + 300_000 }, "· waiting for the customer's consent (answer due by 10:35:00 (in 5m 0s))"],
    [{ state: "running" as const }, "· running"],
    [{ state: "delivering" as const }, "· delivering: the agent's link dropped while it holds the run; its answer and results follow when it reconnects"],
    [{ state: "expired" as const, reason: "the agent did not pick the run up in time" }, "· expired: the agent did not pick the run up in time"],
    [{ state: "refused" as const, reason: "NO_GRANT: no grant" }, "· run refused: NO_GRANT: no grant"],
    [{ state: "cancelled" as const, reason: "the customer revoked the grant" }, "· run cancelled: the customer revoked the grant"],
    [{ state: "completed" as const }, "· run completed"],
  ])("%o", (ev, line) => {
    expect(describeState(ev, NOW)).toBe(line);
  });

  test("a deadline already passed says so", () => expect(formatDeadline(NOW - 1000, NOW)).toBe("10:29:59 (now)"));
});

describe("netdiag watch follows each state as it happens", () => {
  let col: TestCollector;
  let agent: FakeAgent | undefined;
  let watch: Daemon | undefined;

  beforeAll(async () => {
    col = await startTestCollector({ heartbeatMs: 60_000 });
  });
  afterAll(async () => {
    await watch?.stop();
    await agent?.stop();
    await col?.close();
  });

  test("queued while the agent is offline, then sent, received, waiting for consent, running, completed", { timeout: 60_000 }, async () => {
    const ticketId = await createTicket(col.url, col.adminToken);
    const [creds] = await enrollAgents(col.url, col.adminToken, 1, ticketId);
    const run = await col.api("/api/runs", Run, { body: { ticketId, agentId: creds!.agentId, checks: ["ping"] } });
    expect(run.state).toBe("requested");
    watch = startBin("cli", ["watch", run.id], { NETDIAG_URL: col.url, NETDIAG_TOKEN: col.adminToken });
    await watch.waitFor(/· queued: the agent is offline; the run is sent when it connects, expires at \d\d:\d\d:\d\d \(in (4m 5\d|5m 0)s\)/);

    // The agent comes online and does what a real one does, with the customer asked first.
    let consentGate!: () => void;
    const consented = new Promise<void>((r) => (consentGate = r));
    agent = startFakeAgent({
      url: col.url,
      creds: creds!,
      onFrame: (f) => {
        if (f.type !== "run.request") return;
        void (async () => {
          const a = agent!;
          await a.emit({ type: "run.received", runId: f.runId, seq: 0, at: Date.now() });
          await a.emit({ type: "run.consent", runId: f.runId, seq: 1, at: Date.now(), until: Date.now() + 300_000 });
          await consented;
          await a.emit({ type: "run.accepted", runId: f.runId, seq: 2, at: Date.now() });
          await a.emit(markedStep(f.runId, 3));
          await a.emit({ type: "verdict", runId: f.runId, seq: 4, at: Date.now(), verdict: { segment: "none", cause: "NONE", summary: "every measured step is healthy", evidence: [], consequences: [], unverified: [], next_steps: { customer: [], engineer: [] } } });
          await a.emit({ type: "run.finished", runId: f.runId, seq: 5, at: Date.now(), outcome: "completed", steps: 1 });
        })();
      },
    });
    await watch.waitFor(/· waiting for the customer's consent \(answer due by \d\d:\d\d:\d\d \(in (4m 5\d|5m 0)s\)\)/);
    consentGate();
    const w = watch;
    const code = w.proc.exitCode ?? (await new Promise<number | null>((r) => w.proc.once("exit", (c) => r(c))));
    const lines = w.output().split("\n").filter((l) => l.startsWith("·") || /^. ping/.test(l));
    console.log(`[cli/follow] netdiag watch printed:\n${lines.join("\n")}`);
    expect(code).toBe(0);
    const order = ["· queued", "· sent to the agent", "· received by the agent", "· waiting for the customer's consent", "· running", "ping", "· run completed"];
    const at = order.map((o) => lines.findIndex((l) => l.includes(o)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});
