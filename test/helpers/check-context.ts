// A check context for in-process check tests: a made-up system view and targets whose public
// defaults (anchors, resolvers, names) are always replaced by loopback-safe values (network safety).
import type { CheckContext, CheckOutcome } from "../../agent/checks/types.js";
import type { CheckId } from "../../shared/checks.js";
import { AgentConfig } from "../../agent/config.js";
import { buildContext } from "../../agent/context.js";
import type { Spawner } from "../../agent/system/spawn.js";
import type { SystemView } from "../../agent/system/system-view.js";
import { memoryLogger } from "../../shared/log.js";

/** An empty host: no interfaces, routes, resolvers, neighbours or Wi-Fi, unless overridden. */
export function fakeSystem(over: Partial<SystemView> = {}): SystemView {
  return {
    interfaces: async () => [],
    routes: async () => [],
    resolvers: async () => [],
    neighbours: async () => [],
    wifi: async () => [],
    ...over,
  };
}

export interface TestContextOptions {
  system?: SystemView;
  spawn?: Spawner;
  privileged?: boolean;
}

/** `targets` is AgentTargets input; anchors, publicResolvers, names and controlHosts default to loopback-safe values. */
export function testCheckContext(targets: Record<string, unknown> = {}, o: TestContextOptions = {}) {
  const log = memoryLogger();
  const config = AgentConfig.parse({ targets: { anchors: ["127.0.0.1"], publicResolvers: [], names: ["localhost"], controlHosts: ["127.0.0.1"], ...targets } });
  const ctx: CheckContext = {
    ...buildContext({ config, log, system: o.system ?? fakeSystem(), privileged: o.privileged ?? false, ...(o.spawn ? { spawn: o.spawn } : {}) }, {}),
    earlier: {},
  };
  return { ctx, log };
}

/** The outcome of a check that measured (status ok/warn/fail, full data); throws on a skipped one. */
export function measured<C extends CheckId>(o: CheckOutcome<C>): Extract<CheckOutcome<C>, { status: "ok" | "warn" | "fail" }> {
  if (o.status === "skipped") throw new Error(`expected a measurement, got skipped: ${o.skipReason}`);
  return o as Extract<CheckOutcome<C>, { status: "ok" | "warn" | "fail" }>;
}
