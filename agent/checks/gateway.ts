// gateway: is the default gateway alive? Ping, TCP connects and the neighbour table after them,
// judged together by the pure assessGateway (agent/checks/gateway/assess-gateway.ts).
import { ping } from "../probes/ping.js";
import type { RouteInfo } from "../system/system-view.js";
import { TIMEOUTS } from "../timeouts.js";
import { assessGateway } from "./gateway/assess-gateway.js";
import { probeTcp } from "./gateway/tcp-probe.js";
import { defineCheck, type Check } from "./types.js";

/** DNS relay, web UI, web UI over TLS: the ports a home router most often listens on (a RST is as good). */
export const GATEWAY_TCP_PORTS = [53, 80, 443] as const;

/**
 * Per-reply wait for gateway pings. Longer than TIMEOUTS.pingReplyMs (1 s) so that an average above
 * the 1500 ms "slow gateway" threshold (DOMAIN.md §3) can be measured at all; still ends well inside
 * the check's budget (5 pings × 200 ms + 2 s ≈ 3 s).
 */
const GATEWAY_PING_REPLY_MS = 2000;

/** The gateway to probe: the first IPv4 default route with a gateway, else the first IPv6 one. */
export function pickGateway(routes: readonly RouteInfo[]): { gateway: string; dev?: string; family: 4 | 6 } | undefined {
  const d = routes.filter((r) => r.destination === "default" && r.gateway);
  const r = d.find((x) => x.family === 4) ?? d[0];
  if (!r?.gateway) return undefined;
  return { gateway: r.gateway, family: r.family, ...(r.dev ? { dev: r.dev } : {}) };
}

export interface GatewayCheckOptions {
  /** TCP ports to knock on; tests use loopback servers on port 0. */
  tcpPorts: readonly number[];
}

export function makeGatewayCheck(opts: GatewayCheckOptions): Check<"gateway"> {
  return defineCheck({
    id: "gateway",
    title: "Default gateway reachability: ping, TCP, ARP/NDP",
    timeoutMs: TIMEOUTS.check.gateway,
    async run(ctx, signal) {
      const gw = pickGateway(await ctx.system.routes(signal));
      if (!gw) {
        // Nothing to measure: the host check reports NO_DEFAULT_ROUTE as the fault itself.
        return {
          status: "skipped",
          skipReason: "no default gateway configured",
          findings: [{ code: "NO_GATEWAY", severity: "info", message: "no default route with a gateway: nothing to probe" }],
          data: {},
        };
      }
      // An IPv6 link-local gateway (fe80::/10) is only meaningful together with its interface.
      const linkLocal = gw.family === 6 && /^fe[89ab]/i.test(gw.gateway);
      const tcpHost = linkLocal && gw.dev ? `${gw.gateway}%${gw.dev}` : gw.gateway;
      const [pingReport, ...tcp] = await Promise.all([
        ping(
          ctx.spawn,
          {
            host: gw.gateway,
            count: TIMEOUTS.pingCount,
            intervalMs: TIMEOUTS.pingIntervalMs,
            replyTimeoutMs: GATEWAY_PING_REPLY_MS,
            ...(linkLocal && gw.dev ? { source: gw.dev } : {}),
          },
          signal,
        ),
        ...opts.tcpPorts.map((port) => probeTcp(tcpHost, port, TIMEOUTS.tcpConnectMs, signal)),
      ]);
      // Read after the probes: our own packets made the kernel resolve the gateway's MAC just now.
      let neighbour;
      try {
        const table = await ctx.system.neighbours(signal);
        neighbour = table.find((n) => n.address === gw.gateway && (!gw.dev || n.dev === gw.dev)) ?? null;
      } catch (e) {
        ctx.log.warn("neighbour table not readable", { error: String(e) });
        neighbour = undefined;
      }
      return assessGateway({ ...gw, ping: pingReport, tcp, neighbour });
    },
  });
}

export const gatewayCheck = makeGatewayCheck({ tcpPorts: GATEWAY_TCP_PORTS });
