// The check contract: a plain object with an id, a budget and run(ctx, signal). No base class.
import type { CheckId, Finding, StepStatus } from "../../shared/checks.js";
import type { RunParams } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import type { AgentTargets } from "../config.js";
import type { SystemView } from "../system/system-view.js";
import type { Spawner } from "../system/spawn.js";

/** What a check returns: the network's state as data. Throwing means a bug, never "the network is down". */
export interface CheckOutcome<D extends object = Record<string, unknown>> {
  status: Exclude<StepStatus, "error" | "timeout">;
  findings: Finding[];
  data: D;
  /** Required when status is "skipped": why it was not measured. */
  skipReason?: string;
}

/** Everything a check may touch, injected so tests can replace each piece. */
export interface CheckContext {
  /** Targets from the agent's config, with the run's params already applied and validated. */
  targets: AgentTargets;
  params: RunParams;
  system: SystemView;
  spawn: Spawner;
  now: () => number;
  log: Logger;
  /** Results of checks this one declared in `after`, once they finished (undefined if not run). */
  earlier: Partial<Record<CheckId, { status: StepStatus; data: Record<string, unknown> }>>;
  /** Whether the agent process may bind privileged ports / open raw sockets (root or capabilities). */
  privileged: boolean;
}

export interface Check<D extends object = Record<string, unknown>> {
  id: CheckId;
  /** One line for the catalogue. */
  title: string;
  /** This check's own budget; the runner aborts the signal when it runs out. */
  timeoutMs: number;
  /** Checks whose results this one reads from ctx.earlier; the runner orders them first. */
  after?: readonly CheckId[];
  run(ctx: CheckContext, signal: AbortSignal): Promise<CheckOutcome<D>>;
}

/** Helper so each check file gets its data type inferred while the registry stays homogeneous. */
export function defineCheck<D extends object>(c: Check<D>): Check<D> {
  return c;
}
