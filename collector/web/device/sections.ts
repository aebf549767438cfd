// The sections of the field technician's device page, one function each, every check's data read
// through its own schema (shared/steps/<id>.ts): data that does not parse is said to be unreadable,
// never guessed at. Absent fields are "not measured" and shown as such.
import { html } from "hono/html";
import type { DeviceState } from "../../../shared/api.js";
import { CHECK_IDS, STEP_SCHEMAS, type CheckId } from "../../../shared/checks.js";
import type { TextKey } from "../../../shared/i18n/index.js";
import type { DhcpData } from "../../../shared/steps/dhcp.js";
import type { HostData } from "../../../shared/steps/host.js";
import type { PathData } from "../../../shared/steps/path.js";
import type { RouterOsData, RouterOsDeviceReport } from "../../../shared/steps/routeros.js";
import type { SnmpData, SnmpDeviceData } from "../../../shared/steps/snmp.js";
import { badge, fmtAgo, fmtDuration, fmtTime } from "../layout.js";
import type { Html, View } from "../page-spec.js";
import { hopRows, lineFigures, snmpErrorFigures, type ErrorFigure, type Health } from "./figures.js";
import { hopChart, lineChart } from "./svg.js";
import { FIGURE_THRESHOLDS as T } from "./thresholds.js";

type Latest = DeviceState["latest"][string];

/** The newest measured data of a check, parsed by its schema; `unreadable` when it does not parse. */
export function latestData<C extends CheckId>(s: DeviceState, check: C): { at: number; status: string; data: import("zod").infer<(typeof STEP_SCHEMAS)[C]["data"]> } | "none" | "unreadable" {
  const l: Latest | undefined = s.latest[check];
  if (!l) return "none";
  const parsed = STEP_SCHEMAS[check].data.safeParse(l.data);
  if (!parsed.success) return "unreadable";
  return { at: l.at, status: l.status, data: parsed.data as never };
}

const STATUS_BADGE: Record<string, "ok" | "warn" | "fail" | "muted"> = { ok: "ok", warn: "warn", fail: "fail" };

export function stepBadge(v: View, status: string): Html {
  const kind = STATUS_BADGE[status] ?? "muted";
  const known = ["ok", "warn", "fail", "skipped", "error", "timeout"].includes(status);
  return badge(kind, known ? v.t(`device.status.${status}` as TextKey) : status);
}

const healthBadge = (v: View, h: Health): Html => (h === "none" ? badge("muted", v.t("device.notJudged")) : badge(h, v.t(`device.health.${h}`)));

const notMeasured = (v: View) => html`<span class="muted">${v.t("device.notMeasured")}</span>`;
const orNot = (v: View, x: string | number | undefined) => (x === undefined || x === "" ? notMeasured(v) : html`${x}`);

function sectionHead(v: View, title: string, l: { at: number; status: string } | undefined): Html {
  return html`<h2>${title}</h2>${l ? html`<p class="muted small">${v.t("device.measuredAt", { at: fmtTime(v, l.at), ago: fmtAgo(v, l.at) })} ${stepBadge(v, l.status)}</p>` : ""}`;
}

function missing(v: View, title: string, why: "none" | "unreadable"): Html {
  return html`<section class="card"><h2>${title}</h2><p class="muted">${v.t(why === "none" ? "device.noData" : "device.unreadable")}</p></section>`;
}

// ---- summary: verdict, problems, each check's state ------------------------------------------------

export function summarySection(v: View, s: DeviceState): Html {
  const newest = s.runs.find((r) => r.verdict);
  const problems = CHECK_IDS.flatMap((c) => (s.latest[c]?.findings ?? []).filter((f) => f.severity !== "info").map((f) => ({ check: c, f })));
  return html`<section class="card">
<h2>${v.t("device.summary")}</h2>
${newest?.verdict
  ? html`<p class="verdict-line">${newest.verdict.segment === "none" ? badge("ok", v.t("device.verdictHealthy")) : badge("fail", v.t(`device.segment.${newest.verdict.segment}` as TextKey))}
<span class="mono small">${newest.verdict.cause}</span></p>
<p>${newest.verdict.summary}</p>
<p class="muted small">${v.t("device.verdictOf", { at: fmtTime(v, newest.createdAt), run: newest.id })}</p>`
  : html`<p class="muted">${v.t("device.noVerdict")}</p>`}
${problems.length
  ? html`<h3>${v.t("device.problems")}</h3><ul>${problems.map(({ check, f }) => html`<li>${badge(f.severity === "fail" ? "fail" : "warn", check)} <span class="mono small">${f.code}</span> ${f.message}</li>`)}</ul>`
  : ""}
<h3>${v.t("device.checks")}</h3>
<div class="table-wrap"><table><thead><tr><th>${v.t("device.check")}</th><th>${v.t("admin.status")}</th><th>${v.t("device.when")}</th></tr></thead><tbody>
${CHECK_IDS.map((c) => {
  const l = s.latest[c];
  return html`<tr><td>${c}</td><td>${l ? stepBadge(v, l.status) : badge("muted", v.t("device.notMeasured"))}</td><td>${l ? fmtAgo(v, l.at) : ""}</td></tr>`;
})}
</tbody></table></div>
</section>`;
}

export function changesSection(v: View, s: DeviceState): Html {
  const kindBadge = (k: string) => (k === "appeared" ? badge("fail", v.t("device.change.appeared")) : k === "cleared" ? badge("ok", v.t("device.change.cleared")) : badge("info", v.t("device.change.status")));
  return html`<section class="card">
<h2>${v.t("device.changes")}</h2>
${!s.lastGoodRunId
  ? html`<p class="muted">${v.t("device.noGoodRun")}</p>`
  : html`<p class="muted small">${v.t("device.comparedWith", { run: s.lastGoodRunId })}</p>
${s.changes.length === 0 ? html`<p>${v.t("device.noChanges")}</p>` : html`<ul class="changes">${s.changes.map((c) => html`<li>${kindBadge(c.kind)} <strong>${c.check}</strong> ${c.detail}</li>`)}</ul>`}`}
</section>`;
}

// ---- modem / router ------------------------------------------------------------------------------

function uptime(v: View, s: number | undefined, recentS: number): Html {
  if (s === undefined) return notMeasured(v);
  const text = fmtDuration(v, s * 1000);
  return s < recentS ? html`${text} ${badge("warn", v.t("device.rebootedRecently"))}` : html`${text}`;
}

const ifStatus = (v: View, st: string | undefined) => (st === undefined ? notMeasured(v) : badge(st === "up" ? "ok" : st === "down" || st === "lowerLayerDown" ? "fail" : "muted", st));

const pct = (r: number) => `${Math.round(r * 100_000) / 1000} %`;

function errorTable(v: View, figs: readonly ErrorFigure[]): Html {
  if (figs.length === 0) return html``;
  const limit = (f: ErrorFigure) => (f.what === "adslErroredSeconds" ? v.t("device.errors.limitUptime", { p: pct(f.limit) }) : v.t("device.errors.limitRatio", { p: pct(f.limit), n: T.errorCountMin }));
  return html`<h3>${v.t("device.errors")}</h3><div class="table-wrap"><table><thead><tr><th>${v.t("device.errors.what")}</th><th class="num">${v.t("device.errors.count")}</th><th class="num">${v.t("device.errors.ratio")}</th><th></th></tr></thead><tbody>
${figs.map((f) => html`<tr><td>${v.t(`device.errors.${f.what}`)}<br><span class="muted small">${f.subject}</span></td><td class="num">${f.errors}</td><td class="num">${f.ratio !== undefined ? pct(f.ratio) : "–"}<br><span class="muted small">${v.t("device.errors.limit")} ${limit(f)}</span></td><td>${healthBadge(v, f.health)}</td></tr>`)}
</tbody></table></div>`;
}

function snmpDevice(v: View, d: SnmpDeviceData): Html {
  if (d.reach !== "answered") {
    return html`<div class="card"><h3>${d.host}:${d.port} <span class="muted small">SNMP v${d.version}</span></h3><p>${badge("warn", v.t(`device.snmp.reach.${d.reach}`))} ${d.error ?? ""}</p></div>`;
  }
  const figs = lineFigures(d);
  const wan = d.wan;
  return html`<div class="card">
<h3>${d.system?.sysName ?? d.host} <span class="muted small">${d.host}:${d.port} · SNMP v${d.version}</span></h3>
<dl class="kv">
  <dt>${v.t("device.model")}</dt><dd>${orNot(v, d.system?.sysDescr)}</dd>
  <dt>${v.t("device.uptime")}</dt><dd>${uptime(v, d.system?.sysUpTimeS, T.snmpRebootedWithinS)}</dd>
  <dt>${v.t("device.wan")}</dt><dd>${wan?.found
    ? html`${wan.ifName ?? `ifIndex ${wan.ifIndex}`} · ${v.t("device.wan.admin")} ${ifStatus(v, wan.ifAdminStatus)} · ${v.t("device.wan.oper")} ${ifStatus(v, wan.ifOperStatus)}`
    : html`${badge("muted", v.t("device.wan.notFound"))}`}</dd>
  ${d.wanGateway ? html`<dt>${v.t("device.wan.gateway")}</dt><dd>${orNot(v, d.wanGateway.address)}</dd>` : ""}
</dl>
${figs.length ? html`<h3>${v.t("device.line.title")}</h3>${lineChart(v, figs)}<p class="legend">${v.t("device.line.legend")}</p>` : html`<p class="muted small">${v.t("device.line.none")}</p>`}
${errorTable(v, snmpErrorFigures(d))}
</div>`;
}

function rosDevice(v: View, d: RouterOsDeviceReport): Html {
  if (d.error) return html`<div class="card"><h3>${d.host}:${d.port} <span class="muted small">RouterOS</span></h3><p>${badge("warn", d.error.code)} ${d.error.message}</p></div>`;
  const errs: ErrorFigure[] = (d.interfaces ?? [])
    .filter((i) => i.rxError !== undefined || i.txError !== undefined)
    .map((i) => {
      const errors = (i.rxError ?? 0) + (i.txError ?? 0);
      const pkts = i.rxPacket !== undefined || i.txPacket !== undefined ? (i.rxPacket ?? 0) + (i.txPacket ?? 0) : undefined;
      const ratio = pkts ? errors / pkts : undefined;
      const health: Health = ratio === undefined ? "none" : ratio >= T.errorRatioMax && errors >= T.errorCountMin ? "warn" : "ok";
      return { what: "routerosInterface" as const, subject: i.name, errors, ...(pkts !== undefined ? { total: pkts } : {}), ...(ratio !== undefined ? { ratio } : {}), limit: T.errorRatioMax, health };
    });
  const wan = d.wan;
  const ping = d.ping;
  return html`<div class="card">
<h3>${d.system?.boardName ?? "RouterOS"} <span class="muted small">${d.host}:${d.port}${d.tls ? " (TLS)" : ""} · RouterOS ${d.system?.version ?? ""}</span></h3>
<dl class="kv">
  <dt>${v.t("device.uptime")}</dt><dd>${uptime(v, d.system?.uptimeS, T.routerosRebootedWithinS)}</dd>
  <dt>${v.t("device.cpu")}</dt><dd>${d.system?.cpuLoadPct !== undefined ? `${d.system.cpuLoadPct} %` : notMeasured(v)}</dd>
  <dt>${v.t("device.wan")}</dt><dd>${wan
    ? html`${wan.name} · ${wan.disabled ? badge("fail", v.t("device.wan.disabled")) : wan.running === true ? badge("ok", v.t("device.wan.running")) : wan.running === false ? badge("fail", v.t("device.wan.notRunning")) : notMeasured(v)}${wan.ethernet ? html` · ${wan.ethernet.status ?? ""} ${wan.ethernet.rate ?? ""}${wan.ethernet.fullDuplex === false ? " half-duplex" : ""}` : ""}`
    : badge("muted", v.t("device.wan.notFound"))}</dd>
  <dt>${v.t("device.wan.dhcp")}</dt><dd>${d.dhcpClient ? html`${d.dhcpClient.DHCPStatus === "bound" ? badge("ok", "bound") : badge("warn", d.dhcpClient.DHCPStatus ?? "?")} ${d.dhcpClient.IPAddress ?? ""}${d.dhcpClient.IPRouters ? ` → ${d.dhcpClient.IPRouters}` : ""}` : notMeasured(v)}</dd>
  <dt>${v.t("device.wan.gateway")}</dt><dd>${orNot(v, d.wanGateway?.address ?? d.wanGateway?.interface)}</dd>
  <dt>${v.t("device.routerPing")}</dt><dd>${ping
    ? html`${ping.host}: ${ping.received}/${ping.sent} · ${ping.lossPct} % ${v.t("device.loss")}${ping.avgMs !== undefined ? ` · ${ping.avgMs} ms` : ""} ${ping.lossPct >= 100 ? badge("fail", v.t("device.health.fail")) : ping.lossPct > T.lossWarnPct ? badge("warn", v.t("device.health.warn")) : badge("ok", v.t("device.health.ok"))}`
    : notMeasured(v)}</dd>
</dl>
${errorTable(v, errs)}
</div>`;
}

export function routerSection(v: View, s: DeviceState): Html {
  const snmp = latestData(s, "snmp");
  const ros = latestData(s, "routeros");
  const title = v.t("device.router");
  if (snmp === "none" && ros === "none") return missing(v, title, "none");
  return html`<section>
${typeof snmp === "object" ? html`${sectionHead(v, `${title} · SNMP`, snmp)}${(snmp.data as SnmpData).devices.map((d) => snmpDevice(v, d))}` : snmp === "unreadable" ? missing(v, `${title} · SNMP`, "unreadable") : ""}
${typeof ros === "object" ? html`${sectionHead(v, `${title} · RouterOS`, ros)}${(ros.data as RouterOsData).devices.map((d) => rosDevice(v, d))}` : ros === "unreadable" ? missing(v, `${title} · RouterOS`, "unreadable") : ""}
</section>`;
}

// ---- the customer's device: interfaces and link ----------------------------------------------------

export function interfacesSection(v: View, s: DeviceState): Html {
  const l = latestData(s, "host");
  const title = v.t("device.interfaces");
  if (typeof l !== "object") return missing(v, title, l);
  const d = l.data as HostData;
  const state = (st: string) => badge(st === "Up" ? "ok" : st === "Unknown" ? "muted" : "fail", v.t(`device.if.${st}` as TextKey));
  return html`<section class="card">
${sectionHead(v, title, l)}
<ul class="ifaces">
${d.interfaces.map(
  (i) => html`<li><strong>${i.name}</strong> ${state(i.Status)}${i.carrier === false && i.Status !== "LowerLayerDown" ? html` ${badge("fail", v.t("device.if.noCarrier"))}` : ""}${i.name === d.primary ? html` ${badge("info", v.t("device.if.primary"))}` : ""}${i.wireless ? html` ${badge("muted", "Wi-Fi")}` : ""}
<br><span class="small muted">${i.CurrentBitRate !== undefined ? `${i.CurrentBitRate} Mbit/s` : ""}${i.CurrentDuplexMode ? html` ${i.CurrentDuplexMode === "Half" ? badge("warn", v.t("device.if.halfDuplex")) : v.t("device.if.fullDuplex")}` : ""}${i.mac ? html` <span class="mono">${i.mac}</span>` : ""}</span>
${[...i.ipv4.map((a) => `${a.address}/${a.prefixLength}${a.apipa ? " (APIPA)" : ""}`), ...i.ipv6.map((a) => `${a.address}/${a.prefixLength}`)].map((a) => html`<br><span class="addr">${a}</span>`)}</li>`,
)}
</ul>
<dl class="kv">
  <dt>${v.t("device.gateway")}</dt><dd>${d.gateway ? html`${d.gateway}${d.gatewayDev ? ` (${d.gatewayDev})` : ""}${d.gatewayOnLink === false ? html` ${badge("fail", v.t("device.gatewayOffLink"))}` : ""}` : badge("fail", v.t("device.noGateway"))}</dd>
  <dt>${v.t("device.resolvers")}</dt><dd class="mono small">${d.resolvers.length ? d.resolvers.join(", ") : badge("fail", v.t("device.noResolvers"))}</dd>
  ${(d.wifi ?? []).map((w) => html`<dt>Wi-Fi ${w.iface}</dt><dd>${w.ssid ?? ""} ${w.signalDbm !== undefined ? `${w.signalDbm} dBm` : ""} ${w.quality !== undefined ? `(${w.quality} %)` : ""}</dd>`)}
</dl>
</section>`;
}

// ---- addresses and the DHCP lease ------------------------------------------------------------------

export function dhcpSection(v: View, s: DeviceState): Html {
  const l = latestData(s, "dhcp");
  const title = v.t("device.dhcp");
  if (typeof l !== "object") return missing(v, title, l);
  const d = l.data as DhcpData;
  const lease = d.lease;
  const left = (sec: number | undefined) =>
    sec === undefined ? notMeasured(v) : sec === -1 ? html`${v.t("device.dhcp.infinite")}` : sec < 0 ? badge("fail", v.t("device.dhcp.expiredAgo", { t: fmtDuration(v, -sec * 1000) })) : html`${fmtDuration(v, sec * 1000)}`;
  const servers = d.probe?.servers ?? [];
  return html`<section class="card">
${sectionHead(v, title, l)}
${lease
  ? html`<dl class="kv">
  <dt>${v.t("device.dhcp.status")}</dt><dd>${lease.DHCPStatus === "Bound" ? badge("ok", v.t("device.dhcp.bound")) : badge("fail", v.t("device.dhcp.notBound"))} <span class="muted small">${d.interface ?? ""} (${lease.source})</span></dd>
  <dt>${v.t("device.dhcp.address")}</dt><dd class="mono">${lease.IPAddress ?? "–"}${lease.SubnetMask ? ` / ${lease.SubnetMask}` : ""}</dd>
  <dt>${v.t("device.dhcp.routers")}</dt><dd class="mono">${lease.IPRouters.join(", ") || "–"}</dd>
  <dt>${v.t("device.dhcp.dns")}</dt><dd class="mono">${lease.DNSServers.join(", ") || "–"}</dd>
  <dt>${v.t("device.dhcp.server")}</dt><dd class="mono">${lease.DHCPServer ?? "–"}</dd>
  <dt>${v.t("device.dhcp.left")}</dt><dd>${left(lease.LeaseTimeRemaining)}${lease.leaseTimeSec !== undefined ? html` <span class="muted small">${v.t("device.dhcp.of", { t: fmtDuration(v, lease.leaseTimeSec * 1000) })}</span>` : ""}</dd>
</dl>`
  : html`<p class="muted">${v.t("device.dhcp.noLease")}</p>`}
${d.probe
  ? html`<p>${v.t("device.dhcp.probe", { n: servers.length })} ${servers.length > 1 ? badge("fail", v.t("device.dhcp.rogue")) : servers.length === 1 ? badge("ok", servers[0]!) : badge("warn", v.t("device.dhcp.noAnswer"))}</p>`
  : ""}
</section>`;
}

// ---- the path: loss and RTT per hop ------------------------------------------------------------------

export function pathSection(v: View, s: DeviceState): Html {
  const l = latestData(s, "path");
  const title = v.t("device.path");
  if (typeof l !== "object") return missing(v, title, l);
  const d = l.data as PathData;
  const rows = hopRows(d);
  return html`<section class="card">
${sectionHead(v, title, l)}
${hopChart(v, rows)}
<p class="legend">${v.t("device.path.legend", { ms: T.anchorSlowAvgMs, p: T.lossWarnPct })}</p>
${d.mtu?.pathMtu !== undefined ? html`<p>${v.t("device.path.mtu", { mtu: d.mtu.pathMtu })}${d.mtu.blackHole ? html` ${badge("fail", v.t("device.path.mtuBlackhole"))}` : ""}</p>` : ""}
</section>`;
}

// ---- run history -------------------------------------------------------------------------------------

export function historySection(v: View, s: DeviceState): Html {
  return html`<section class="card">
<h2>${v.t("device.history")}</h2>
${s.runs.length === 0
  ? html`<p class="muted">${v.t("device.noRuns")}</p>`
  : html`<div class="table-wrap"><table><thead><tr><th>${v.t("device.when")}</th><th>${v.t("device.run.verdict")}</th></tr></thead><tbody>
${s.runs.map(
  (r) => html`<tr><td>${fmtTime(v, r.createdAt)}<br><span class="mono small muted">${r.ticketId}</span>${r.offline ? html` ${badge("muted", v.t("device.run.offline"))}` : ""}${r.id === s.lastGoodRunId ? html` ${badge("ok", v.t("device.run.lastGood"))}` : ""}</td>
<td>${r.verdict ? html`${r.verdict.segment === "none" ? badge("ok", v.t("device.verdictHealthy")) : badge("fail", v.t(`device.segment.${r.verdict.segment}` as TextKey))}<br><span class="mono small">${r.verdict.cause}</span>` : html`<span class="muted">${v.t("device.run.noVerdict", { state: r.state })}</span>`}</td></tr>`,
)}
</tbody></table></div>`}
</section>`;
}
