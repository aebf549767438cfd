// routeros: a MikroTik router's own view of the WAN (link, DHCP lease, default route, a router-side ping
// to the first anchor) over the RouterOS API, through the adapter that fixes node-routeros' failures.
import type { RouterOsDevice } from "../config.js";
import { TIMEOUTS } from "../timeouts.js";
import { assessDevice, type RouterOsDeviceReport } from "./routeros/assess.js";
import { connectRouterOs, type RosRow } from "./routeros/adapter.js";
import {
  parseDefaultRoutes, parseDhcpClients, parseEthernetMonitor, parseInterfaces, parseLog, parsePing, parseResource, pickWan, pickWanGateway,
} from "./routeros/parse-state.js";
import { defineCheck, type CheckContext } from "./types.js";

/** Log lines kept per router: enough to see the last flaps of the WAN without bloating the frame. */
const LOG_LINES = 20;
/** Router-side echo requests (RouterOS sends one per second: ~3 s, inside routerosCommandMs). */
const ROUTER_PING_COUNT = 3;

export const routerosCheck = defineCheck({
  id: "routeros",
  title: "MikroTik router WAN state over the RouterOS API (link, DHCP, default route, router-side ping)",
  timeoutMs: TIMEOUTS.check.routeros,
  async run(ctx, signal) {
    const devices = ctx.targets.routeros;
    if (devices.length === 0) {
      return { status: "skipped", findings: [], data: { devices: [] }, skipReason: "no RouterOS device configured" };
    }
    const reports = await Promise.all(devices.map((d) => collect(d, ctx, signal)));
    const findings = reports.flatMap(assessDevice);
    const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
    return { status, findings, data: { devices: reports } };
  },
});

async function collect(d: RouterOsDevice, ctx: CheckContext, signal: AbortSignal): Promise<RouterOsDeviceReport> {
  const port = d.port ?? (d.tls ? 8729 : 8728);
  const report: RouterOsDeviceReport = { host: d.host, port, tls: d.tls, commandErrors: [] };
  const conn = await connectRouterOs({
    host: d.host, port, tls: d.tls, user: d.user, password: d.password, signal,
    ...(d.fingerprint256 ? { fingerprint256: d.fingerprint256 } : {}),
  });
  if (!conn.ok) {
    ctx.log.warn("routeros connect failed", { host: d.host, port, code: conn.error.code, reason: conn.error.message });
    report.error = conn.error;
    return report;
  }
  const ros = conn.value;
  const run = async (command: string, args: Record<string, string> | string[] = []): Promise<RosRow[] | undefined> => {
    const r = await ros.print(command, args, signal);
    if (r.ok) return r.value;
    report.commandErrors.push({ command, ...r.error });
    return undefined;
  };
  try {
    const resource = await run("/system/resource/print");
    report.system = resource && parseResource(resource);
    const ifRows = await run("/interface/print");
    report.interfaces = ifRows && parseInterfaces(ifRows);
    const dhcpRows = await run("/ip/dhcp-client/print");
    const dhcp = dhcpRows && parseDhcpClients(dhcpRows);
    const routeRows = await run("/ip/route/print", ["?dst-address=0.0.0.0/0"]);
    report.defaultRoutes = routeRows && parseDefaultRoutes(routeRows);
    const wan = pickWan(d.wanInterface, report.interfaces, dhcp, report.defaultRoutes);
    if (wan) {
      const iface = report.interfaces?.find((i) => i.name === wan.name);
      report.wan = { ...wan, type: iface?.type, running: iface?.running, disabled: iface?.disabled };
      report.dhcpClient = dhcp?.find((c) => c.interface === wan.name);
      if (iface?.type === "ether" && iface.disabled !== true) {
        const mon = await run("/interface/ethernet/monitor", { numbers: wan.name, once: "" });
        report.wan.ethernet = mon && parseEthernetMonitor(wan.name, mon);
      }
    }
    const wanGateway = pickWanGateway(report.defaultRoutes, report.dhcpClient);
    if (wanGateway) report.wanGateway = wanGateway;
    const anchor = ctx.targets.anchors[0];
    if (anchor) {
      const pingRows = await run("/ping", { address: anchor, count: String(ROUTER_PING_COUNT) });
      report.ping = pingRows && parsePing(anchor, pingRows);
    }
    const logRows = await run("/log/print");
    report.log = logRows && parseLog(logRows, LOG_LINES);
  } finally {
    ros.close();
  }
  return report;
}
