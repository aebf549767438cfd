// The check contract: a plain object with an id, a budget and run(ctx, signal). No base class. The id
// fixes, at compile time, the data schema and the finding codes the check may return (shared/steps/).
import type { CheckId, FindingOf, StepDataOf, StepResultOf } from "../../shared/checks.js";
import type { RunParams } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import type { AgentTargets } from "../config.js";
import type { SystemView } from "../system/system-view.js";
import type { Spawner } from "../system/spawn.js";

/**
 * What a check returns: the network's state as data. Throwing means a bug, never "the network is down".
 * A measured outcome carries the check's full data; a skipped one may carry part of it and must say why.
 */
export type CheckOutcome<C extends CheckId> =
  | { status: "ok" | "warn" | "fail"; findings: FindingOf<C>[]; data: StepDataOf<C>; skipReason?: undefined }
  | { status: "skipped"; findings: FindingOf<C>[]; data: Partial<StepDataOf<C>>; skipReason: string };

/** Results of earlier checks by id, as the runner recorded them (the full typed step). */
export type EarlierSteps = { [C in CheckId]?: StepResultOf<C> };

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
  earlier: EarlierSteps;
  /**
   * Waits for another check's step while this one keeps working (an `after` dependency without the
   * wait up front); resolves undefined at once when that check is not in this run. Never wait on a
   * check that waits on this one, and bound the wait by this check's own signal and budget.
   * undefined = the caller offers no waiting (tests, benches): read `earlier` instead.
   */
  waitFor?: <C extends CheckId>(id: C) => Promise<StepResultOf<C> | undefined>;
  /** Whether the agent process may bind privileged ports / open raw sockets (root or capabilities). */
  privileged: boolean;
}

export interface Check<C extends CheckId = CheckId> {
  id: C;
  /** One line for the catalogue. */
  title: string;
  /** This check's own budget; the runner aborts the signal when it runs out. */
  timeoutMs: number;
  /** Checks whose results this one reads from ctx.earlier; the runner orders them first. */
  after?: readonly CheckId[];
  run(ctx: CheckContext, signal: AbortSignal): Promise<CheckOutcome<C>>;
}

/** Any check of the registry (a union over ids, so each keeps its own data type). */
export type AnyCheck = { [C in CheckId]: Check<C> }[CheckId];

/** Helper so each check file is typed by its id: data and finding codes must match shared/steps/<id>.ts. */
export function defineCheck<C extends CheckId>(c: Check<C>): Check<C> {
  return c;
}
