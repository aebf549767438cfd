// The snmp check: reads the customer's modem/router over SNMP (v2c or v3 authPriv) — system group,
// IF-MIB interfaces, the WAN interface's state and the DSL/cable line figures — and judges the `wan`
// segment from them. Parsing and judging are pure (agent/checks/snmp/*); this file only does I/O.
import type { SnmpDevice } from "../config.js";
import { resolveHost } from "../system/resolve-host.js";
import { TIMEOUTS } from "../timeouts.js";
import { describeWan, evaluateDevice, type SnmpFinding } from "./snmp/evaluate.js";
import { ADSL, DOCSIS, IF_COLUMNS, IF_ENTRY, IFX_COLUMNS, IFX_ENTRY, SYSTEM, VDSL2 } from "./snmp/oids.js";
import type { SnmpDeviceData, SnmpSystem, SnmpWanGateway } from "../../shared/checks.js";
import { parseAdsl, parseDocsis, parseInterfaces, parseSystem, parseVdsl2 } from "./snmp/parse-device.js";
import type { RawVarbind } from "./snmp/parse-values.js";
import { classifySnmpError, openSnmp, type SnmpClient, type SnmpFailureCode } from "./snmp/session.js";
import { parseDefaultRoute, ROUTE_OIDS } from "./snmp/routes.js";
import { pickWan } from "./snmp/wan.js";
import { defineCheck, type CheckContext } from "./types.js";

export type { SnmpData, SnmpDeviceData } from "../../shared/checks.js";

const REACH: Record<SnmpFailureCode, SnmpDeviceData["reach"]> = {
  SNMP_NO_RESPONSE: "noResponse",
  SNMP_AUTH_FAILED: "authFailed",
  SNMP_ERROR: "error",
};

export const snmpCheck = defineCheck({
  id: "snmp",
  title: "Modem/router state over SNMP: WAN interface, DSL/cable line figures, uptime",
  timeoutMs: TIMEOUTS.check.snmp,
  async run(ctx, signal) {
    const devices = ctx.targets.snmp;
    if (devices.length === 0) {
      return { status: "skipped", findings: [], data: { devices: [] }, skipReason: "no SNMP device configured" };
    }
    const results = await Promise.all(devices.map((d) => readDevice(ctx, d, signal)));
    const findings = results.flatMap((r) => r.findings);
    const data = { devices: results.map((r) => r.data) };
    if (!results.some((r) => r.data.reach === "answered")) {
      const why = results.map((r) => `${r.data.host}:${r.data.port} ${r.findings[0]?.code ?? "SNMP_ERROR"}`).join("; ");
      return { status: "skipped", findings, data, skipReason: `no SNMP device could be read (${why})` };
    }
    const status = findings.some((f) => f.severity === "fail") ? "fail" : findings.some((f) => f.severity === "warn") ? "warn" : "ok";
    return { status, findings, data };
  },
});

async function readDevice(ctx: CheckContext, device: SnmpDevice, signal: AbortSignal): Promise<{ data: SnmpDeviceData; findings: SnmpFinding[] }> {
  const subject = `${device.host}:${device.port}`;
  const base = { host: device.host, port: device.port, version: device.version };
  // Resolved here, cancellably: handed a name, net-snmp's socket would call dns.lookup on every send.
  const resolved = await resolveHost(device.host, { attemptMs: TIMEOUTS.dnsQueryMs, tries: TIMEOUTS.dnsTries, deadlineMs: TIMEOUTS.hostLookupMs, signal });
  if (!resolved.ok) {
    const message = `cannot resolve ${device.host} (${resolved.code})`;
    return { data: { ...base, reach: "error", error: message }, findings: [{ code: "SNMP_ERROR", severity: "warn", subject, message }] };
  }
  const client = await openSnmp({ ...device, host: resolved.addresses[0]! }, signal);
  try {
    let system: SnmpSystem;
    try {
      system = parseSystem(await client.get(Object.values(SYSTEM)));
    } catch (e) {
      const failure = classifySnmpError(e);
      ctx.log.warn("snmp device not readable", { host: device.host, port: device.port, code: failure.code });
      // No answer is "not measured" (info): the device may simply not speak SNMP. A rejected v3 key
      // or an error status is a configuration problem worth a warning.
      const severity = failure.code === "SNMP_NO_RESPONSE" ? "info" : "warn";
      return { data: { ...base, reach: REACH[failure.code], error: failure.message }, findings: [{ code: failure.code, severity, subject, message: failure.message }] };
    }

    const findings: SnmpFinding[] = [];
    const data: SnmpDeviceData = { ...base, reach: "answered", system };
    try {
      // Tables are read column by column (a weak CPE agent copes badly with bursts), but the few
      // independent tables go in parallel: a full read then costs the slowest table, not their sum.
      const [ifCols, ifxCols] = await Promise.all([walkColumns(client, IF_ENTRY, Object.values(IF_COLUMNS)), walkColumns(client, IFX_ENTRY, Object.values(IFX_COLUMNS))]);
      data.interfaces = parseInterfaces(ifCols.varbinds, ifxCols.varbinds);
      if (ifCols.truncated || ifxCols.truncated) data.interfacesTruncated = true;
      data.wan = describeWan(data.interfaces, pickWan(data.interfaces, device.wanIfIndex));

      const walk = async (entry: string, cols: Record<string, number>) => (await walkColumns(client, entry, Object.values(cols))).varbinds;
      let wanGateway: SnmpWanGateway | undefined;
      [data.adsl, data.vdsl2, data.docsis, wanGateway] = await Promise.all([
        (async () => ((await hasSubtree(client, "1.3.6.1.2.1.10.94")) ? parseAdsl(await walk(ADSL.atucPhysEntry, ADSL.physColumns), await walk(ADSL.aturPhysEntry, ADSL.physColumns), await walk(ADSL.aturPerfDataEntry, ADSL.perfColumns), await walk(ADSL.aturChanPerfEntry, ADSL.chanPerfColumns)) : ({ supported: false } as const)))(),
        (async () => ((await hasSubtree(client, "1.3.6.1.2.1.10.251")) ? parseVdsl2(await walk(VDSL2.lineEntry, VDSL2.lineColumns), await walk(VDSL2.bandEntry, VDSL2.bandColumns)) : ({ supported: false } as const)))(),
        (async () => ((await hasSubtree(client, "1.3.6.1.2.1.10.127")) ? parseDocsis(await walk(DOCSIS.downChannelEntry, DOCSIS.downColumns), await walk(DOCSIS.sigQEntry, DOCSIS.sigQColumns)) : ({ supported: false } as const)))(),
        readDefaultRoute(client, signal),
      ]);
      if (wanGateway) data.wanGateway = wanGateway;
    } catch (e) {
      if (signal.aborted) throw e;
      // The device answered the system group, then stopped: report what was read, flag the rest.
      const failure = classifySnmpError(e);
      findings.push({ code: "SNMP_ERROR", severity: "warn", subject, message: `device stopped answering mid-read: ${failure.message}` });
    }
    if (data.interfaces && data.wan && data.adsl && data.vdsl2 && data.docsis) {
      findings.push(...evaluateDevice({ subject, system, interfaces: data.interfaces, wan: data.wan, adsl: data.adsl, vdsl2: data.vdsl2, docsis: data.docsis }));
    }
    return { data, findings };
  } finally {
    client.close();
  }
}

/**
 * The default route from the three route MIBs at once, each one request under the default route's own
 * index (ROUTE_OIDS), so it costs one round trip beside the line MIBs. A MIB the device lacks (or an
 * error reading it) just leaves that source out: the route is "not measured", never a device failure.
 */
async function readDefaultRoute(client: SnmpClient, signal: AbortSignal): Promise<SnmpWanGateway | undefined> {
  const soft = async (p: Promise<RawVarbind[]>) => {
    try {
      return await p;
    } catch (e) {
      if (signal.aborted) throw e;
      return [];
    }
  };
  const [inet, cidr, ipRoute] = await Promise.all([
    soft(client.walk(ROUTE_OIDS.inetCidrDefault, ROUTE_ROWS).then((r) => r.varbinds)),
    soft(client.walk(ROUTE_OIDS.ipCidrDefault, ROUTE_ROWS).then((r) => r.varbinds)),
    soft(client.get([ROUTE_OIDS.ipRouteNextHop, ROUTE_OIDS.ipRouteIfIndex])),
  ]);
  return parseDefaultRoute(inet, cidr, ipRoute);
}

/** Default-route rows read per MIB: equal-cost default routes are a handful at most. */
const ROUTE_ROWS = 8;

/** Walks the given columns of a table entry one after another (a weak CPE agent copes badly with bursts). */
async function walkColumns(client: SnmpClient, entryOid: string, columns: readonly number[]): Promise<{ varbinds: RawVarbind[]; truncated: boolean }> {
  const varbinds: RawVarbind[] = [];
  let truncated = false;
  for (const col of columns) {
    const r = await client.walk(`${entryOid}.${col}`);
    varbinds.push(...r.varbinds);
    truncated ||= r.truncated;
  }
  return { varbinds, truncated };
}

/** One GetBulk under a MIB's root: does the device implement it at all? */
async function hasSubtree(client: SnmpClient, oid: string): Promise<boolean> {
  return (await client.walk(oid, 1)).varbinds.length > 0;
}
