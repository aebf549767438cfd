// The device state a field technician reads: newest measured result per check, history, and what
// changed since the last good run (pure function over stored runs).
import { describe, expect, test } from "vitest";
import { DeviceState, type Agent, type Run } from "../../shared/api.js";
import type { StepResult } from "../../shared/checks.js";
import { deviceState } from "../../collector/device-state.js";
import { looseStep as step } from "../agent/verdict/fixtures.js";

const agent: Agent = { id: "ag_site01", name: "wang-pc", createdAt: 0, connected: false };

function run(id: string, createdAt: number, segment: string | undefined, steps: StepResult[], state: Run["state"] = "completed"): Run {
  return {
    id,
    ticketId: "tk_ticket1",
    agentId: agent.id,
    checks: steps.map((s) => s.check),
    params: {},
    state,
    requestedBy: "alice",
    createdAt,
    updatedAt: createdAt,
    pickupBy: createdAt + 1,
    offline: false,
    steps: steps.map((result, i) => ({ seq: i + 1, receivedAt: createdAt, result: { ...result, startedAt: createdAt } })),
    ...(segment ? { verdict: { segment: segment as never, cause: segment === "none" ? "NONE" : "WAN_LINK_DOWN", summary: "", evidence: [], consequences: [], unverified: [], next_steps: { customer: [], engineer: [] } } } : {}),
  };
}

describe("deviceState", () => {
  const good = run("run_good01", 1000, "none", [step("snmp", "ok", { devices: [{ host: "10.77.0.1" }] }), step("dhcp", "ok", { lease: { IPAddress: "10.77.0.100" } })]);
  const bad = run("run_bad001", 2000, "wan", [step("snmp", "fail", { devices: [] }, ["WAN_LINK_DOWN"]), step("dhcp", "skipped"), step("host", "ok", { primary: "eth0" })]);

  test("newest measured result per check; a skipped step does not hide the older measurement", () => {
    const s = DeviceState.parse(deviceState(agent, [bad, good]));
    expect(s.latest.snmp?.runId).toBe("run_bad001");
    expect(s.latest.snmp?.status).toBe("fail");
    expect(s.latest.dhcp?.runId).toBe("run_good01");
    expect(s.latest.host?.runId).toBe("run_bad001");
    expect(s.runs.map((r) => `${r.id}:${r.verdict?.segment}`)).toEqual(["run_bad001:wan", "run_good01:none"]);
  });

  test("changes since the last good run: status changes and findings that appeared", () => {
    const s = deviceState(agent, [bad, good]);
    expect(s.lastGoodRunId).toBe("run_good01");
    expect(s.changes).toEqual([
      { check: "snmp", kind: "status", detail: "ok → fail" },
      { check: "snmp", kind: "appeared", detail: "WAN_LINK_DOWN: WAN_LINK_DOWN" },
    ]);
  });

  test("findings that cleared are reported too", () => {
    const fixed = run("run_fixed1", 3000, "none", [step("snmp", "ok", { devices: [] })]);
    const older = run("run_olderg", 500, "none", [step("snmp", "warn", {}, ["LINE_ERRORS"])]);
    // The newest run is itself the last good one: nothing to compare.
    expect(deviceState(agent, [fixed, bad, older]).changes).toEqual([]);
    expect(deviceState(agent, [bad, older]).changes.map((c) => c.kind)).toEqual(["status", "appeared", "cleared"]);
  });

  test("no good run on record: no comparison, history still listed", () => {
    const s = deviceState(agent, [bad]);
    expect(s.lastGoodRunId).toBeUndefined();
    expect(s.changes).toEqual([]);
    expect(s.runs).toHaveLength(1);
  });
});
