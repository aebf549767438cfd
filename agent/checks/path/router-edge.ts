// The ISP edge's address as the customer's router reports it (the snmp and routeros steps' wanGateway),
// for the path check to ping when TTL-limited probes find no router beyond the gateway. Read mid-run
// (ctx.waitFor) and only for a bounded time: the path check never waits on a slow or dead device.
import type { PathRouterEdge, StepResultOf } from "../../../shared/checks.js";
import type { CheckContext } from "../types.js";

/** Pure: the first IPv4 wanGateway address a step reports. */
export function edgeFromSnmp(step: StepResultOf<"snmp"> | undefined): string | undefined {
  return (step?.data.devices ?? []).map((d) => d.wanGateway?.address).find((a) => a !== undefined && !a.includes(":"));
}

export function edgeFromRouterOs(step: StepResultOf<"routeros"> | undefined): string | undefined {
  return (step?.data.devices ?? []).map((d) => d.wanGateway?.address).find((a) => a !== undefined && !a.includes(":"));
}

/**
 * The first of snmp / routeros to report the edge, or undefined once both have reported nothing, or
 * after `capMs` (or the signal), whichever comes first. Without ctx.waitFor, reads ctx.earlier.
 */
export function routerEdge(ctx: CheckContext, capMs: number, signal: AbortSignal): Promise<Omit<PathRouterEdge, "ping"> | undefined> {
  if (!ctx.waitFor) {
    const snmp = edgeFromSnmp(ctx.earlier.snmp);
    const ros = edgeFromRouterOs(ctx.earlier.routeros);
    return Promise.resolve(snmp ? { address: snmp, from: "snmp" } : ros ? { address: ros, from: "routeros" } : undefined);
  }
  const waitFor = ctx.waitFor;
  return new Promise((resolve) => {
    let pending = 2;
    const timer = setTimeout(() => finish(undefined), capMs);
    const onAbort = () => finish(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    function finish(v: Omit<PathRouterEdge, "ping"> | undefined) {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(v);
    }
    const one = (p: Promise<string | undefined>, from: PathRouterEdge["from"]) =>
      p.then(
        (address) => (address ? finish({ address, from }) : --pending === 0 && finish(undefined)),
        () => --pending === 0 && finish(undefined),
      );
    one(waitFor("snmp").then(edgeFromSnmp), "snmp");
    one(waitFor("routeros").then(edgeFromRouterOs), "routeros");
  });
}
