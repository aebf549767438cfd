// Device secrets never leave the agent: the scrubber replaces every configured secret value anywhere
// in an outgoing event, and the executor applies it to every event it emits.
import { describe, expect, test } from "vitest";
import { makeScrubber, REDACTED, secretsOf } from "../../../agent/consent/scrub.js";
import { AgentConfig } from "../../../agent/config.js";
import { RunExecutor } from "../../../agent/run-executor.js";
import { memoryLogger } from "../../../shared/log.js";
import { RunEvent } from "../../../shared/protocol.js";

describe("scrubber", () => {
  const config = AgentConfig.parse({
    identity: { collectorUrl: "http://127.0.0.1:1", agentId: "agt_1", secret: "agent-secret-XYZ" },
    targets: {
      anchors: ["127.0.0.1"],
      snmp: [
        { host: "10.0.0.1", version: "2c", community: "c0mmunity" },
        { host: "10.0.0.2", version: "3", user: "u", authKey: "authkey-123", privKey: "privkey-456" },
      ],
      routeros: [{ host: "10.0.0.3", user: "admin", password: "r0uterpass" }],
    },
  });

  test("collects every configured secret", () => {
    expect(secretsOf(config).sort()).toEqual(["agent-secret-XYZ", "authkey-123", "c0mmunity", "privkey-456", "r0uterpass"]);
  });

  test("replaces secrets in nested values, arrays, keys and messages; leaves structure alone", () => {
    const scrub = makeScrubber(secretsOf(config));
    const ev = {
      type: "step",
      runId: "run_aaaaaa",
      seq: 1,
      at: 1,
      result: {
        check: "snmp",
        status: "fail",
        startedAt: 1,
        durationMs: 1,
        findings: [{ code: "SNMP_AUTH", severity: "fail", message: "device said: bad community c0mmunity" }],
        data: { banner: ["login r0uterpass ok"], nested: { deep: { v: "x-authkey-123-privkey-456" } }, ["k-c0mmunity"]: 1 },
      },
    };
    const out = scrub(ev);
    const text = JSON.stringify(out);
    for (const s of secretsOf(config)) expect(text).not.toContain(s);
    expect(out.result.findings[0]!.message).toBe(`device said: bad community ${REDACTED}`);
    expect(out.result.data.nested.deep.v).toBe(`x-${REDACTED}-${REDACTED}`);
    expect(RunEvent.safeParse(out).success).toBe(true);
    expect(ev.result.data.banner[0]).toBe("login r0uterpass ok"); // input not mutated
  });

  test("the executor scrubs every event it emits (a secret planted in a real step's data)", async () => {
    // Plant the secret where a real check will echo it: the RouterOS password equals the ping
    // anchor, so the real ping step's data contains it verbatim.
    const planted = AgentConfig.parse({ ...config, targets: { ...config.targets, routeros: [{ host: "10.0.0.3", user: "admin", password: "127.0.0.1" }] } });
    const events: RunEvent[] = [];
    const ex = new RunExecutor({
      deps: { config: planted, log: memoryLogger() },
      log: memoryLogger(),
      emit: async (ev) => void events.push(ev),
      authorize: async () => ({ ok: true }),
    });
    await ex.handle({ type: "run.request", runId: "run_scrub1", ticketId: "tkt_one", checks: ["ping"], params: {}, requestedBy: "alice", notAfter: Date.now() + 60_000 });
    const step = events.find((e) => e.type === "step");
    expect(step).toBeDefined();
    const text = JSON.stringify(step);
    expect(text).toContain(REDACTED);
    expect(text).not.toContain("127.0.0.1");
    expect(events.at(-1)).toMatchObject({ type: "run.finished", outcome: "completed" });
  });
});
