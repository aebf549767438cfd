// Turns a run transition into what live viewers (SSE, later the web) see: one "state" event with the
// reason and the deadline that goes with the new state. Only changes are published.
import type { RunState } from "../../shared/api.js";
import type { RunBus } from "../run-bus.js";
import type { RunTransition } from "../store/types.js";
import { stateDeadline } from "./run-state.js";

export function publishState(bus: RunBus, runId: string, state: RunState, reason: string | undefined, until: number | undefined): void {
  bus.publish(runId, { type: "state", state, ...(reason !== undefined ? { reason } : {}), ...(until !== undefined ? { until } : {}) });
}

/** Publishes the transition when it changed the run's state. */
export function publishTransition(bus: RunBus, t: RunTransition): void {
  const d = t.decision;
  if (!d.ok || !d.changed) return;
  publishState(bus, t.runId, d.state, d.reason, stateDeadline({ state: d.state, pickupBy: t.pickupBy }));
}
