// What a node does with a signal from another node, given what it holds: pure, table-tested
// (test/cluster/decide.test.ts). The executor (node.ts) reads the data the actions need from the
// store; a signal is only ever a hint that something committed changed.
import type { SignalEnvelope } from "./signal.js";

/** What this node holds, as the decision needs it. */
export interface NodeView {
  nodeId: string;
  /** The agent has a socket here whose hello was handled (run requests can go out on it). */
  holdsReady(agentId: string): boolean;
  /** The agent has any socket here. */
  holds(agentId: string): boolean;
  /** Someone watches this run here (its SSE stream). */
  watches(runId: string): boolean;
  /** Someone here watches every run (a ticket's SSE stream: run state changes). */
  watchesAll: boolean;
}

export type SignalAction =
  /** Read the run and send its request on the held socket (the run state machine decides if it still may go). */
  | { act: "dispatch"; runId: string }
  /** Send run.cancel on the held socket. */
  | { act: "cancel"; runId: string; agentId: string }
  /** Close the agent's socket here and refuse upgrades in flight (credentials changed). */
  | { act: "disconnect"; agentId: string; code: number }
  /** Read the agent's current link from the store and close the socket here if it is not that one. */
  | { act: "check_link"; agentId: string }
  /** Re-read these runs and publish what changed to the viewers here. */
  | { act: "refresh"; runIds: string[] };

export function decideSignal(env: SignalEnvelope, view: NodeView): SignalAction[] {
  if (env.o === view.nodeId) return [];
  const s = env.s;
  switch (s.t) {
    case "run.changed": {
      const runIds = view.watchesAll ? s.runs : s.runs.filter((r) => view.watches(r));
      return runIds.length ? [{ act: "refresh", runIds }] : [];
    }
    case "run.requested":
      return view.holdsReady(s.agentId) ? [{ act: "dispatch", runId: s.runId }] : [];
    case "run.cancel":
      return view.holds(s.agentId) ? [{ act: "cancel", runId: s.runId, agentId: s.agentId }] : [];
    case "agent.disconnect":
      // Also without a socket here: an upgrade of that agent may be in flight on this node.
      return [{ act: "disconnect", agentId: s.agentId, code: s.code }];
    case "link.taken":
      // Signals from different nodes may arrive in any order, so the store decides which link is newer.
      return view.holds(s.agentId) ? [{ act: "check_link", agentId: s.agentId }] : [];
  }
}

/** A node is dead when its last heartbeat is older than this many intervals. */
export const DEAD_AFTER_HEARTBEATS = 3;

/** Nodes (other than `self`) whose last heartbeat is older than DEAD_AFTER_HEARTBEATS intervals. */
export function deadNodes(nodes: readonly { nodeId: string; heartbeatAt: number }[], self: string, now: number, heartbeatMs: number): string[] {
  const limit = now - DEAD_AFTER_HEARTBEATS * heartbeatMs;
  return nodes.filter((n) => n.nodeId !== self && n.heartbeatAt < limit).map((n) => n.nodeId);
}
