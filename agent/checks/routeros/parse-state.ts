// Pure: RouterOS API rows (string records) in, typed router state out. Field names follow TR-181 where
// one fits (DHCPv4.Client: DHCPStatus, IPAddress, IPRouters, LeaseTimeRemaining); undefined = not measured.
import type { RosDefaultRoute, RosDhcpClient, RosEthernet, RosInterface, RosLogLine, RosPing, RosSystem, RosWanGateway, WanSource } from "../../../shared/checks.js";
import { parseRosBool, parseRosDurationS, parseRosInt, parseRosMs } from "./parse-values.js";

type Row = Record<string, string>;

export type { RosDefaultRoute, RosDhcpClient, RosEthernet, RosInterface, RosLogLine, RosPing, RosSystem, WanSource };

export function parseResource(rows: Row[]): RosSystem | undefined {
  const r = rows[0];
  if (!r) return undefined;
  return {
    uptimeS: parseRosDurationS(r.uptime),
    version: r.version,
    boardName: r["board-name"],
    cpuLoadPct: parseRosInt(r["cpu-load"]),
    freeMemoryBytes: parseRosInt(r["free-memory"]),
    totalMemoryBytes: parseRosInt(r["total-memory"]),
  };
}

export function parseInterfaces(rows: Row[]): RosInterface[] {
  return rows
    .filter((r) => r.name)
    .map((r) => ({
      name: r.name as string,
      type: r.type,
      running: parseRosBool(r.running),
      disabled: parseRosBool(r.disabled),
      rxError: parseRosInt(r["rx-error"]),
      txError: parseRosInt(r["tx-error"]),
      rxPacket: parseRosInt(r["rx-packet"]),
      txPacket: parseRosInt(r["tx-packet"]),
      linkDowns: parseRosInt(r["link-downs"]),
    }));
}

export function parseEthernetMonitor(name: string, rows: Row[]): RosEthernet | undefined {
  const r = rows[0];
  if (!r) return undefined;
  return {
    name: r.name ?? name,
    status: r.status,
    linkOk: r.status === undefined ? undefined : r.status === "link-ok",
    rate: r.rate,
    fullDuplex: parseRosBool(r["full-duplex"]),
  };
}

export function parseDhcpClients(rows: Row[]): RosDhcpClient[] {
  return rows
    .filter((r) => r.interface)
    .map((r) => ({
      interface: r.interface as string,
      DHCPStatus: r.status,
      disabled: parseRosBool(r.disabled),
      IPAddress: r.address,
      IPRouters: r.gateway,
      LeaseTimeRemainingS: parseRosDurationS(r["expires-after"]),
    }));
}

const IP_LIKE = /^[0-9a-f.:]+$/i;

export function parseDefaultRoutes(rows: Row[]): RosDefaultRoute[] {
  return rows
    .filter((r) => r["dst-address"] === "0.0.0.0/0")
    .map((r) => {
      const gw = r.gateway;
      const viaImmediate = r["immediate-gw"]?.split("%")[1];
      const viaStatus = /reachable via\s+(\S+)/.exec(r["gateway-status"] ?? "")?.[1];
      const viaGateway = gw && !IP_LIKE.test(gw) ? gw.split("%").pop() : gw?.split("%")[1];
      return {
        gateway: gw,
        interface: viaImmediate ?? viaStatus ?? viaGateway,
        active: parseRosBool(r.active),
        disabled: parseRosBool(r.disabled),
      };
    });
}

/** Uses the last row's counters (RouterOS repeats sent/received on every row) and the per-reply times. */
export function parsePing(host: string, rows: Row[]): RosPing | undefined {
  const last = rows[rows.length - 1];
  if (!last) return undefined;
  const sent = parseRosInt(last.sent) ?? rows.length;
  const rttMs = rows.filter((r) => r.status === undefined).map((r) => parseRosMs(r.time)).filter((t): t is number => t !== undefined);
  const received = parseRosInt(last.received) ?? rttMs.length;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    host,
    sent,
    received,
    lossPct: sent > 0 ? round(((sent - received) * 100) / sent) : 100,
    rttMs,
    ...(rttMs.length
      ? { minMs: Math.min(...rttMs), avgMs: round(rttMs.reduce((a, b) => a + b, 0) / rttMs.length), maxMs: Math.max(...rttMs) }
      : {}),
  };
}

export const LOG_TOPICS = ["link", "dhcp", "pppoe", "interface"] as const;

/** The last `limit` log lines whose topics include link, dhcp, pppoe or interface. */
export function parseLog(rows: Row[], limit: number): RosLogLine[] {
  return rows
    .filter((r) => (r.topics ?? "").split(",").some((t) => (LOG_TOPICS as readonly string[]).includes(t.trim())))
    .slice(-limit)
    .map((r) => ({ time: r.time ?? "", topics: r.topics ?? "", message: r.message ?? "" }));
}

/** Which interface is the WAN: configured, else the DHCP client's, else the default route's, else a pppoe-out. */
export function pickWan(
  configured: string | undefined,
  interfaces: RosInterface[] | undefined,
  dhcp: RosDhcpClient[] | undefined,
  routes: RosDefaultRoute[] | undefined,
): { name: string; source: WanSource } | undefined {
  if (configured) return { name: configured, source: "config" };
  const client = dhcp?.find((d) => d.disabled !== true && d.DHCPStatus === "bound") ?? dhcp?.find((d) => d.disabled !== true);
  if (client) return { name: client.interface, source: "dhcp-client" };
  const names = new Set(interfaces?.map((i) => i.name));
  const route = routes?.find((r) => r.interface && (names.size === 0 || names.has(r.interface)));
  if (route?.interface) return { name: route.interface, source: "default-route" };
  const pppoe = interfaces?.find((i) => i.type === "pppoe-out" || i.name.startsWith("pppoe-out"));
  if (pppoe) return { name: pppoe.name, source: "pppoe" };
  return undefined;
}

/**
 * The ISP edge as the router knows it: the gateway of its active default route when that is an
 * address (RouterOS may name an interface instead, e.g. pppoe-out1), else the gateway its WAN DHCP
 * client was given. undefined = neither is known.
 */
export function pickWanGateway(routes: RosDefaultRoute[] | undefined, dhcp: RosDhcpClient | undefined): RosWanGateway | undefined {
  const active = (routes ?? []).filter((r) => r.active === true && r.disabled !== true);
  const byAddress = active.find((r) => r.gateway && IP_LIKE.test(r.gateway.split("%")[0] ?? ""));
  if (byAddress?.gateway) {
    return { source: "default-route", address: byAddress.gateway.split("%")[0]!, ...(byAddress.interface ? { interface: byAddress.interface } : {}) };
  }
  const viaDhcp = dhcp?.IPRouters?.split(",")[0]?.trim();
  if (viaDhcp && IP_LIKE.test(viaDhcp)) return { source: "dhcp-client", address: viaDhcp, interface: dhcp!.interface };
  const byInterface = active.find((r) => r.interface);
  return byInterface?.interface ? { source: "default-route", interface: byInterface.interface } : undefined;
}
