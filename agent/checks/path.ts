// `path`: the way out to the internet. Gateway, first ISP hop and anchors pinged side by side, a hop
// list and a path-MTU probe toward the first anchor, all in parallel so a healthy path takes ~1-2 s.
import { ping } from "../probes/ping.js";
import { TIMEOUTS } from "../timeouts.js";
import { assessPath, type PathData } from "./path/assess.js";
import { pickIspHop } from "./path/hops.js";
import { standardPing, throwIfPingMissing, toIpPing, type IpPingResult } from "./path/ip-ping.js";
import { probeMtu, traceRoute } from "./path/probes.js";
import { routerEdge } from "./path/router-edge.js";
import { defineCheck } from "./types.js";

/**
 * How long the path check waits for snmp/routeros to report the ISP edge (their wanGateway): a healthy
 * CPE answers SNMP within ~0.2 s; a dead one must not hold the path, whose own probes end in ~2 s.
 */
export const ROUTER_EDGE_WAIT_MS = 2000;

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
    // The ISP edge the router reports is pinged as soon as it is known (IPv4 paths only): it is usually
    // the hop the hop list finds, so its ping is reused then, and it stands in when the list finds none.
    const edgeP = family === 4 && !configuredIsp ? routerEdge(ctx, ROUTER_EDGE_WAIT_MS, signal) : Promise.resolve(undefined);
    let edgePing: { address: string; ping: Promise<IpPingResult> } | undefined;
    const edgePingP = edgeP.then((e) => (e ? (edgePing = { address: e.address, ping: pingOne(e.address) }).ping : undefined));
    // A configured ISP hop is pinged at once; otherwise it is found from the hop list first.
    const ispP: Promise<PathData["ispHop"]> = configuredIsp
      ? pingOne(configuredIsp).then((p) => ({ source: "config" as const, address: configuredIsp, ping: p }))
      : routeP.then(async (route) => {
          const hop = pickIspHop(route, gatewayAddress);
          if (hop) {
            const ping = edgePing?.address === hop.address ? await edgePing.ping : await pingOne(hop.address);
            return { source: "discovered" as const, address: hop.address, ttl: hop.ttl, ping };
          }
          const edge = await edgeP;
          const ping = await edgePingP;
          return edge && ping ? { source: "router" as const, address: edge.address, ping } : { source: "not_found" as const };
        });
    const mtuP = opts.mtuProbe ? probeMtu(ctx.spawn, first, signal) : Promise.resolve(undefined);

    const [gateway, anchorResults, route, ispHop, mtu, edge] = await Promise.all([gatewayP, anchorsP, routeP, ispP, mtuP, edgeP]);
    // An edge ping the hop list did not need (it named another router) is still data: wait it out.
    const edgePingResult = await edgePingP;
    throwIfPingMissing([...anchorResults, ...(gateway ? [gateway.ping] : [])]);
    return assessPath({
      ...(gateway ? { gateway } : {}),
      ispHop,
      anchors: anchorResults,
      route,
      ...(mtu ? { mtu } : {}),
      ...(edge ? { routerEdge: { ...edge, ...(edgePingResult ? { ping: edgePingResult } : {}) } } : {}),
    });
  },
});
