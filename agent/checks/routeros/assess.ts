// Pure: one router's collected state in, findings out. Rules in one place so they can be table-tested.
import type { FindingOf, RouterOsDeviceReport, RouterOsFindingCode, Severity } from "../../../shared/checks.js";

export type { RouterOsDeviceReport, RouterOsFindingCode } from "../../../shared/checks.js";

export { INTERFACE_ERROR_RATIO, PING_LOSS_WARN_PCT, RECENT_REBOOT_S } from "../../../shared/thresholds.js";
import { INTERFACE_ERROR_RATIO, PING_LOSS_WARN_PCT, RECENT_REBOOT_S } from "../../../shared/thresholds.js";

type RosFinding = FindingOf<"routeros">;

export function assessDevice(r: RouterOsDeviceReport): RosFinding[] {
  const out: RosFinding[] = [];
  const add = (code: RouterOsFindingCode, severity: Severity, message: string, subject = r.host) =>
    out.push({ code, severity, message, subject });
  if (r.error) {
    if (r.error.code === "ROUTEROS_AUTH_FAILED") add("ROUTEROS_AUTH_FAILED", "warn", `RouterOS API refused us: ${r.error.message}`);
    else add("ROUTEROS_UNREACHABLE", "fail", `RouterOS API at ${r.host}:${r.port} not reachable: ${r.error.message}`);
    return out;
  }
  const wan = r.wan;
  if (wan) {
    const subject = `${r.host} ${wan.name}`;
    if (wan.disabled === true) add("WAN_DISABLED", "fail", `WAN interface ${wan.name} is disabled on the router`, subject);
    else if (wan.running === false || wan.ethernet?.linkOk === false) {
      const why = wan.ethernet?.linkOk === false ? `ethernet status ${wan.ethernet.status}` : "not running";
      add("WAN_LINK_DOWN", "fail", `WAN interface ${wan.name} is down (${why})`, subject);
    }
  }
  const d = r.dhcpClient;
  if (d && d.disabled !== true && d.DHCPStatus !== undefined && d.DHCPStatus !== "bound") {
    add("WAN_DHCP_NOT_BOUND", "fail", `DHCP client on ${d.interface} is ${d.DHCPStatus}, not bound`, `${r.host} ${d.interface}`);
  }
  if (r.defaultRoutes && !r.defaultRoutes.some((x) => x.active === true && x.disabled !== true)) {
    add("NO_DEFAULT_ROUTE_ON_ROUTER", "fail", r.defaultRoutes.length ? "the router's default route is not active" : "the router has no default route");
  }
  if (r.ping) {
    if (r.ping.received === 0) add("ROUTER_PING_FAILED", "fail", `router cannot reach ${r.ping.host}: ${r.ping.sent} sent, none answered`);
    else if (r.ping.lossPct > PING_LOSS_WARN_PCT) add("ROUTER_PING_FAILED", "warn", `router ping to ${r.ping.host} lost ${r.ping.lossPct}%`);
  }
  for (const i of r.interfaces ?? []) {
    const errors = (i.rxError ?? 0) + (i.txError ?? 0);
    const packets = (i.rxPacket ?? 0) + (i.txPacket ?? 0);
    if (errors > 0 && (packets === 0 || errors / packets >= INTERFACE_ERROR_RATIO)) {
      add("INTERFACE_ERRORS", "warn", `${i.name}: ${i.rxError ?? 0} rx / ${i.txError ?? 0} tx errors over ${packets} packets`, `${r.host} ${i.name}`);
    }
  }
  const up = r.system?.uptimeS;
  if (up !== undefined && up < RECENT_REBOOT_S) add("ROUTER_REBOOTED_RECENTLY", "warn", `router uptime is only ${up} s`);
  return out;
}
