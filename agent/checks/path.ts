// `path`: the way out to the internet. Gateway, first ISP hop and anchors pinged side by side, a hop
// list and a path-MTU probe toward the first anchor, all in parallel so a healthy path takes ~1-2 s.
import { ping } from "../probes/ping.js";
import { TIMEOUTS } from "../timeouts.js";
import { assessPath, type PathData } from "./path/assess.js";
import { pickIspHop } from "./path/hops.js";
import { standardPing, throwIfPingMissing, toIpPing, type IpPingResult } from "./path/ip-ping.js";
import { probeMtu, traceRoute } from "./path/probes.js";
import { defineCheck } from "./types.js";

export type { PathData } from "./path/assess.js";
export type { PathFindingCode } from "./path/assess.js";

export const pathCheck = defineCheck({
  id: "path",
  title: "Path to the internet: gateway, first ISP hop and anchors (loss, RTT, jitter), hop list, path MTU",
  timeoutMs: TIMEOUTS.check.path,
  async run(ctx, signal) {
    const { anchors, ispHop: configuredIsp, path: opts } = ctx.targets;
    const first = anchors[0] as string;
    const pingOne = async (host: string): Promise<IpPingResult> => {
      const req = standardPing(host);
      return toIpPing(req, await ping(ctx.spawn, req, signal));
    };

    // Without a routing table the gateway is "not measured"; the rest of the path still is.
    const routes = await ctx.system.routes(signal).catch((e: unknown) => {
      ctx.log.warn("path: cannot read routes", { error: String(e) });
      return [];
    });
    const family = first.includes(":") ? 6 : 4;
    const gatewayAddress = routes.find((r) => r.destination === "default" && r.family === family && r.gateway)?.gateway;

    const gatewayP = gatewayAddress ? pingOne(gatewayAddress).then((p) => ({ address: gatewayAddress, ping: p })) : Promise.resolve(undefined);
    const anchorsP = Promise.all(anchors.map(pingOne));
    const routeP = traceRoute(ctx.spawn, first, opts.maxHops, signal);
    // A configured ISP hop is pinged at once; otherwise it is found from the hop list first.
    const ispP: Promise<PathData["ispHop"]> = configuredIsp
      ? pingOne(configuredIsp).then((p) => ({ source: "config" as const, address: configuredIsp, ping: p }))
      : routeP.then(async (route) => {
          const hop = pickIspHop(route, gatewayAddress);
          return hop ? { source: "discovered" as const, address: hop.address, ttl: hop.ttl, ping: await pingOne(hop.address) } : { source: "not_found" as const };
        });
    const mtuP = opts.mtuProbe ? probeMtu(ctx.spawn, first, signal) : Promise.resolve(undefined);

    const [gateway, anchorResults, route, ispHop, mtu] = await Promise.all([gatewayP, anchorsP, routeP, ispP, mtuP]);
    throwIfPingMissing([...anchorResults, ...(gateway ? [gateway.ping] : [])]);
    return assessPath({
      ...(gateway ? { gateway } : {}),
      ispHop,
      anchors: anchorResults,
      route,
      ...(mtu ? { mtu } : {}),
    });
  },
});
