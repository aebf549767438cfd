// Builds the CheckContext for one run: the config's targets with the run's params applied (and
// validated again here: the agent trusts nothing the collector sends), plus the real system view.
import { z } from "zod";
import type { CheckId } from "../shared/checks.js";
import type { Logger } from "../shared/log.js";
import type { RunParams } from "../shared/protocol.js";
import { HostTarget, ServiceTarget } from "../shared/targets.js";
import type { CheckContext } from "./checks/types.js";
import { AgentTargets, type AgentConfig } from "./config.js";
import { LinuxSystemView } from "./system/linux-system-view.js";
import { hasNetworkPrivileges } from "./system/privileges.js";
import { spawnProcess, type Spawner } from "./system/spawn.js";
import type { SystemView } from "./system/system-view.js";

export class BadParamsError extends Error {
  readonly code = "BAD_PARAMS";
}

/** Applies run params over the configured targets; throws BadParamsError on a hostile or malformed target. */
export function applyParams(targets: AgentTargets, params: RunParams): AgentTargets {
  const merged = {
    ...targets,
    ...(params.names ? { names: params.names } : {}),
    ...(params.targets ? { anchors: params.targets } : {}),
    ...(params.service ? { service: params.service } : {}),
  };
  const checked = z
    .object({ names: z.array(HostTarget).min(1), anchors: z.array(HostTarget).min(1), service: ServiceTarget.optional() })
    .safeParse(merged);
  if (!checked.success) throw new BadParamsError(`invalid run parameters: ${z.prettifyError(checked.error)}`);
  return AgentTargets.parse(merged);
}

export interface ContextDeps {
  config: AgentConfig;
  log: Logger;
  system?: SystemView;
  spawn?: Spawner;
  now?: () => number;
  privileged?: boolean;
}

export function buildContext(deps: ContextDeps, params: RunParams): Omit<CheckContext, "earlier"> {
  const spawn = deps.spawn ?? spawnProcess;
  return {
    targets: applyParams(deps.config.targets, params),
    params,
    system: deps.system ?? new LinuxSystemView(spawn),
    spawn,
    now: deps.now ?? Date.now,
    log: deps.log,
    privileged: deps.privileged ?? hasNetworkPrivileges(),
  };
}

/** Per-check timeout overrides from config, typed. */
export function timeoutOverrides(config: AgentConfig): Partial<Record<CheckId, number>> {
  return config.timeouts as Partial<Record<CheckId, number>>;
}
