// host: the customer's device itself — interfaces, addresses, default route, resolvers, Wi-Fi — read
// from the injected SystemView and judged by the pure assessHost (agent/checks/host/assess-host.ts).
import { TIMEOUTS } from "../timeouts.js";
import { assessHost } from "./host/assess-host.js";
import { defineCheck } from "./types.js";

export const hostCheck = defineCheck({
  id: "host",
  title: "Host: interfaces, addresses, default route, resolvers, Wi-Fi",
  timeoutMs: TIMEOUTS.check.host,
  async run(ctx, signal) {
    // Interfaces and routes are essential (a failure to read them is an error, thrown); Wi-Fi is
    // optional: a failure there only means "not measured".
    const [interfaces, routes, resolvers, wifi] = await Promise.all([
      ctx.system.interfaces(signal),
      ctx.system.routes(signal),
      ctx.system.resolvers(signal),
      ctx.system.wifi(signal).catch((e: unknown) => {
        ctx.log.warn("wifi not measured", { error: String(e) });
        return undefined;
      }),
    ]);
    // The OS's own resolvers, not config.targets.resolvers: this check describes the host as it is.
    const outcome = assessHost({ interfaces, routes, resolvers, ...(wifi ? { wifi } : {}) });
    return ctx.targets.placement === "router" ? { ...outcome, data: { ...outcome.data, placement: "router" } } : outcome;
  },
});
