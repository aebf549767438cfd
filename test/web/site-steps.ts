// Real-shaped step results for the device page: built by the checks' own pure code from captured tool
// output (test/fixtures: `ip -j`, a dhclient lease, dnsmasq's OFFER, snmpd varbinds with VDSL2 line
// figures, iputils ping), and the verdict by the agent's isolateFault. Two sites states: a healthy day
// and the same line degraded (SNR margin down, loss towards the anchors).
import { readFileSync } from "node:fs";
import { assessDhcp, clientState } from "../../agent/checks/dhcp.js";
import { parseDhclientLeases } from "../../agent/checks/dhcp/lease-files.js";
import { parseDhcpMessage } from "../../agent/checks/dhcp/packet.js";
import type { ProbeReply } from "../../agent/checks/dhcp/probe.js";
import { assessHost } from "../../agent/checks/host/assess-host.js";
import { assessPath } from "../../agent/checks/path/assess.js";
import { buildRoute, hopFromReport } from "../../agent/checks/path/hops.js";
import { standardPing, toIpPing } from "../../agent/checks/path/ip-ping.js";
import { assessDevice } from "../../agent/checks/routeros/assess.js";
import { parseDefaultRoutes, parseDhcpClients, parseInterfaces as parseRosInterfaces, parsePing as parseRosPing, parseResource } from "../../agent/checks/routeros/parse-state.js";
import { describeWan, evaluateDevice } from "../../agent/checks/snmp/evaluate.js";
import { parseAdsl, parseDocsis, parseInterfaces, parseSystem, parseVdsl2 } from "../../agent/checks/snmp/parse-device.js";
import type { RawVarbind } from "../../agent/checks/snmp/parse-values.js";
import { pickWan } from "../../agent/checks/snmp/wan.js";
import { isolateFault } from "../../agent/verdict/isolate-fault.js";
import { parsePingOutput } from "../../agent/probes/parse-ping.js";
import type { PingReport } from "../../agent/probes/ping-types.js";
import { parseIpAddrJson, parseIpRouteJson } from "../../agent/system/linux-system-view.js";
import { healthyDiagnosis } from "../../bench/steps.js";
import { StepResult, type CheckId } from "../../shared/checks.js";
import type { Verdict } from "../../shared/verdict.js";

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");

function snmpFixture(name: string): Record<string, RawVarbind[]> {
  const raw = JSON.parse(fixture(`snmp/${name}`)) as Record<string, { oid: string; type: number; value: unknown }[]>;
  const out: Record<string, RawVarbind[]> = {};
  for (const [k, vbs] of Object.entries(raw)) {
    out[k] = vbs.map((vb) => ({ ...vb, value: vb.value && typeof vb.value === "object" && "hex" in vb.value ? Buffer.from((vb.value as { hex: string }).hex, "hex") : vb.value }));
  }
  return out;
}

/** `sent`: what the capture sent ("N packets transmitted"), so loss is judged as it was measured. */
function ping(host: string, name: string): PingReport {
  const stdout = fixture(`ping/${name}.txt`);
  const sent = Math.max(1, Number(/(\d+) packets transmitted/.exec(stdout)?.[1] ?? 1));
  let stderr = "";
  try {
    stderr = fixture(`ping/${name}.stderr.txt`);
  } catch {
    // most captures have no stderr
  }
  // The captures pinged 198.18.0.1: each point here answers from its own address.
  return { ...parsePingOutput(stdout, stderr, 0, sent), host, addressUsed: host };
}

const step = (check: CheckId, o: { status: string; findings: unknown[]; data: unknown }, startedAt: number): StepResult =>
  StepResult.parse({ check, startedAt, durationMs: 850, ...o });

export const SITE = { gateway: "10.0.1.1", isp: "10.0.2.2", anchors: ["198.18.0.1", "198.18.0.2"] };

function hostStep(at: number): StepResult {
  const snap = { interfaces: parseIpAddrJson(fixture("ip/linux-mixed-addr.txt")), routes: [...parseIpRouteJson(fixture("ip/linux-mixed-route4.txt"), 4), ...parseIpRouteJson(fixture("ip/linux-mixed-route6.txt"), 6)], resolvers: ["10.77.0.1"], wifi: [{ iface: "wlan0", quality: 62, signalDbm: -58 }] };
  return step("host", assessHost(snap) as never, at);
}

function dhcpStep(at: number): StepResult {
  const parsed = parseDhcpMessage(Buffer.from(fixture("dhcp/dnsmasq-2.90-offer-broadcast.hex").replace(/^#.*$/gm, "").replace(/\s+/g, ""), "hex"));
  if (!parsed.ok) throw new Error(parsed.error);
  const offer: ProbeReply = { type: "OFFER", from: "10.0.0.1", receivedAfterMs: 4, message: parsed.message };
  const rec = parseDhclientLeases(fixture("dhcp/dhclient-debian-bound.txt"), "/var/lib/dhcp/dhclient.leases").at(-1)!;
  const lease = clientState(rec, at);
  // The captured lease is long expired by now: give it the time left it had when it was captured.
  const fresh = { ...lease, DHCPStatus: "Bound" as const, LeaseTimeRemaining: 20 * 3600 + 17 * 60, leaseTimeSec: 86400 };
  return step("dhcp", assessDhcp({ iface: "eth0", hasAddress: true, lease: fresh, leaseLookedAt: ["/var/lib/dhcp/dhclient.leases"], chaddr: "02:00:00:00:00:01", probe: { ran: true, via: "udp-socket", discoverSent: true, informSent: false, offers: [offer], sendErrors: [], malformed: 0 } }) as never, at);
}

function snmpStep(at: number, degraded: boolean): StepResult {
  const system = parseSystem(snmpFixture("linux-snmpd-system.json")["1.3.6.1.2.1.1"]!);
  const ifs = snmpFixture("linux-snmpd-iftables-wan-down.json");
  const interfaces = parseInterfaces(ifs["1.3.6.1.2.1.2.2"]!, ifs["1.3.6.1.2.1.31.1.1"]!);
  const v = snmpFixture("linux-snmpd-vdsl2-override.json")["1.3.6.1.2.1.10.251"]!;
  const vdsl2 = parseVdsl2(v, v);
  if (vdsl2.supported) {
    // The captured modem (snmpd `override`) serves one set of figures: a good day has the margin the
    // modem trained to, a bad day has lost it below the 6 dB target and the loop reads longer.
    vdsl2.lines = vdsl2.lines.map((l) => ({ ...l, ...(degraded ? { snrMarginDownDb: 3.2, attenuationDownDb: 61.5 } : { snrMarginDownDb: 9.5, attenuationDownDb: 18.4 }) }));
  }
  const none = snmpFixture("linux-snmpd-no-line-mibs.json");
  const adsl = parseAdsl(none["1.3.6.1.2.1.10.94"]!, [], [], []);
  const docsis = parseDocsis(none["1.3.6.1.2.1.10.127"]!, []);
  // The VDSL2 line (ptm0, ifIndex 1000) is the WAN; in sync on both days, with errors on the bad one.
  const withCounters = interfaces.map((i) => (i.ifIndex === 1000 ? { ...i, ifOperStatus: "up" as const, ifInErrors: degraded ? 4200 : 3, ifOutErrors: degraded ? 800 : 0, inPkts: 1_200_000, outPkts: 900_000 } : i));
  const wanView = describeWan(withCounters, pickWan(withCounters, 1000));
  const device = { host: SITE.gateway, port: 161, version: "2c" as const, reach: "answered" as const, system: { ...system, sysUpTimeS: degraded ? 600 : 9 * 86400 }, interfaces: withCounters, wan: wanView, adsl, vdsl2, docsis };
  const findings = evaluateDevice({ subject: `${SITE.gateway}:161`, system: device.system, interfaces: withCounters, wan: wanView, adsl, vdsl2, docsis });
  const worst = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
  return step("snmp", { status: worst, findings, data: { devices: [device] } }, at);
}

function pathStep(at: number, degraded: boolean): StepResult {
  const ipOk = (host: string) => toIpPing(standardPing(host), ping(host, "iputils-success"));
  const lossy = (host: string) => toIpPing(standardPing(host), ping(host, "iputils-loss-partial"));
  const data = {
    gateway: { address: SITE.gateway, ping: ipOk(SITE.gateway) },
    ispHop: { source: "discovered" as const, address: SITE.isp, ttl: 2, ping: degraded ? lossy(SITE.isp) : ipOk(SITE.isp) },
    anchors: SITE.anchors.map((a) => (degraded ? lossy(a) : ipOk(a))),
    route: buildRoute(SITE.anchors[0]!, 16, 1, [
      { ttl: 1, reply: "time_exceeded", HostAddress: SITE.gateway, RTTimes: [] },
      { ttl: 2, reply: "time_exceeded", HostAddress: SITE.isp, RTTimes: [] },
      hopFromReport(3, ping(SITE.anchors[0]!, "iputils-success")),
    ]),
  };
  return step("path", assessPath(data) as never, at);
}

function routerosStep(at: number): StepResult {
  const report = {
    host: "192.168.88.1",
    port: 8728,
    tls: false,
    system: parseResource([{ uptime: "1w2d3h", version: "7.18.2", "board-name": "hAP ax2", "cpu-load": "3", "free-memory": "100000", "total-memory": "200000" }]),
    interfaces: parseRosInterfaces([{ name: "ether1", type: "ether", running: "true", disabled: "false", "rx-error": "0", "tx-error": "0", "rx-packet": "10000", "tx-packet": "12000" }]),
    wan: { name: "ether1", source: "dhcp-client" as const, type: "ether", running: true, disabled: false, ethernet: { name: "ether1", status: "link-ok", linkOk: true, rate: "1Gbps", fullDuplex: true } },
    dhcpClient: parseDhcpClients([{ interface: "ether1", status: "bound", address: "100.64.7.2/24", gateway: "100.64.7.1", "expires-after": "9m" }])[0],
    defaultRoutes: parseDefaultRoutes([{ "dst-address": "0.0.0.0/0", gateway: "100.64.7.1", "immediate-gw": "100.64.7.1%ether1", active: "true" }]),
    wanGateway: { address: "100.64.7.1", interface: "ether1", source: "default-route" as const },
    ping: parseRosPing("198.18.0.1", [{ seq: "0", time: "10ms", sent: "1", received: "1" }, { seq: "1", time: "12ms", sent: "2", received: "2" }]),
    commandErrors: [],
  };
  return step("routeros", { status: "ok", findings: assessDevice(report), data: { devices: [report] } }, at);
}

/** The steps of one run at `at` and the verdict the agent would judge from them. */
export function siteRun(at: number, degraded: boolean): { steps: StepResult[]; verdict: Verdict } {
  const base = healthyDiagnosis().filter((s) => s.check === "gateway" || s.check === "dns" || s.check === "service").map((s) => StepResult.parse({ ...s, startedAt: at }));
  const steps = [hostStep(at), ...base.slice(0, 1), dhcpStep(at), ...base.slice(1), pathStep(at, degraded), snmpStep(at, degraded), routerosStep(at)];
  return { steps, verdict: isolateFault(steps) };
}
