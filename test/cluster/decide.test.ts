// What a node does with another node's signal given what it holds, and when a node counts as dead:
// the pure decisions of collector/cluster/decide.ts, table-tested.
import { describe, expect, test } from "vitest";
import { deadNodes, decideSignal, type NodeView } from "../../collector/cluster/decide.js";
import type { ClusterSignal } from "../../collector/cluster/signal.js";

const SELF = "node_self";
const OTHER = "node_other";

function view(o: { ready?: string[]; held?: string[]; watched?: string[]; all?: boolean } = {}): NodeView {
  const held = new Set([...(o.held ?? []), ...(o.ready ?? [])]);
  return {
    nodeId: SELF,
    holds: (a) => held.has(a),
    holdsReady: (a) => (o.ready ?? []).includes(a),
    watches: (r) => (o.watched ?? []).includes(r),
    watchesAll: o.all ?? false,
  };
}

const requested: ClusterSignal = { t: "run.requested", runId: "run_000001", agentId: "ag_000001" };
const cancel: ClusterSignal = { t: "run.cancel", runId: "run_000001", agentId: "ag_000001" };
const revoke: ClusterSignal = { t: "agent.disconnect", agentId: "ag_000001", code: 4003 };
const taken: ClusterSignal = { t: "link.taken", agentId: "ag_000001", linkId: "lnk_000001" };
const changed: ClusterSignal = { t: "run.changed", runs: ["run_000001", "run_000002"] };

describe("decideSignal", () => {
  test.each([
    ["own signals are ignored", SELF, requested, view({ ready: ["ag_000001"] }), []],
    ["a run request goes out where the agent's hello was handled", OTHER, requested, view({ ready: ["ag_000001"] }), [{ act: "dispatch", runId: "run_000001" }]],
    ["not before hello (the hello sends pending runs itself)", OTHER, requested, view({ held: ["ag_000001"] }), []],
    ["a node without the agent does nothing", OTHER, requested, view(), []],
    ["a cancel goes out on any socket of the agent", OTHER, cancel, view({ held: ["ag_000001"] }), [{ act: "cancel", runId: "run_000001", agentId: "ag_000001" }]],
    ["a cancel where the agent is not: nothing", OTHER, cancel, view(), []],
    ["a revocation closes the socket here", OTHER, revoke, view({ held: ["ag_000001"] }), [{ act: "disconnect", agentId: "ag_000001", code: 4003 }]],
    ["and refuses an upgrade in flight even without one", OTHER, revoke, view(), [{ act: "disconnect", agentId: "ag_000001", code: 4003 }]],
    ["a link taken elsewhere: the store decides whether the socket here is older", OTHER, taken, view({ held: ["ag_000001"] }), [{ act: "check_link", agentId: "ag_000001" }]],
    ["no socket of that agent here: nothing", OTHER, taken, view(), []],
    ["changed runs are re-read only where watched", OTHER, changed, view({ watched: ["run_000002"] }), [{ act: "refresh", runIds: ["run_000002"] }]],
    ["a ticket's watchers need every run's state", OTHER, changed, view({ all: true }), [{ act: "refresh", runIds: ["run_000001", "run_000002"] }]],
    ["nobody watching: nothing read", OTHER, changed, view(), []],
  ])("%s", (_title, origin, s, v, expected) => {
    expect(decideSignal({ o: origin, s }, v)).toEqual(expected);
  });
});

describe("deadNodes", () => {
  const HB = 5000;
  const NOW = 1_000_000;
  test.each([
    ["a fresh node is alive", [{ nodeId: OTHER, heartbeatAt: NOW - HB }], []],
    ["exactly three intervals: still alive", [{ nodeId: OTHER, heartbeatAt: NOW - 3 * HB }], []],
    ["silent for more than three intervals: dead", [{ nodeId: OTHER, heartbeatAt: NOW - 3 * HB - 1 }], [OTHER]],
    ["a node never counts itself dead", [{ nodeId: SELF, heartbeatAt: 0 }], []],
  ])("%s", (_title, nodes, expected) => {
    expect(deadNodes(nodes, SELF, NOW, HB)).toEqual(expected);
  });
});
