// Pure: turns the varbinds read from one device into typed data (system group, interfaces, DSL and
// cable line figures, shaped by shared/steps/snmp.ts). Field names follow the MIBs; units are in the names.
import { IF_STATUS, type AdslPart, type DocsisPart, type IfStatus, type SnmpInterface, type SnmpSystem, type Vdsl2Line, type Vdsl2Part } from "../../../shared/checks.js";
import { ADSL, DOCSIS, IF_COLUMNS, IF_ENTRY, IFX_COLUMNS, IFX_ENTRY, SYSTEM, VDSL2 } from "./oids.js";
import { tableRows, tenths, varbindNumber, varbindText, xdsl2Tenths, type RawVarbind, type TableRow } from "./parse-values.js";

export type { AdslErrors, AdslLine, AdslPart, DocsisChannel, DocsisPart, IfStatus, SnmpInterface, SnmpSystem, Vdsl2Line, Vdsl2Part } from "../../../shared/checks.js";
export { IF_STATUS } from "../../../shared/checks.js";

export function parseSystem(varbinds: readonly RawVarbind[]): SnmpSystem {
  const by = new Map(varbinds.map((vb) => [vb.oid, vb]));
  const ticks = varbindNumber(by.get(SYSTEM.sysUpTime));
  return {
    sysDescr: varbindText(by.get(SYSTEM.sysDescr), 500),
    sysObjectID: varbindText(by.get(SYSTEM.sysObjectID)),
    sysUpTimeS: ticks === undefined ? undefined : Math.floor(ticks / 100),
    sysName: varbindText(by.get(SYSTEM.sysName)),
  };
}

function status(vb: RawVarbind | undefined): IfStatus | undefined {
  const n = varbindNumber(vb);
  return n !== undefined && n >= 1 && n <= IF_STATUS.length ? IF_STATUS[n - 1] : undefined;
}

/** ifTable + ifXTable varbinds → one record per ifIndex, sorted by ifIndex. */
export function parseInterfaces(ifVarbinds: readonly RawVarbind[], ifxVarbinds: readonly RawVarbind[]): SnmpInterface[] {
  const ifRows = tableRows(IF_ENTRY, ifVarbinds);
  const ifxRows = tableRows(IFX_ENTRY, ifxVarbinds);
  const indexes = new Set([...ifRows.keys(), ...ifxRows.keys()].filter((k) => /^\d+$/.test(k)));
  const out: SnmpInterface[] = [];
  for (const key of indexes) {
    const r: TableRow = ifRows.get(key) ?? new Map();
    const x: TableRow = ifxRows.get(key) ?? new Map();
    const c = IF_COLUMNS;
    const xc = IFX_COLUMNS;
    const highSpeed = varbindNumber(x.get(xc.ifHighSpeed));
    const speed = varbindNumber(r.get(c.ifSpeed));
    const lastChange = varbindNumber(r.get(c.ifLastChange));
    out.push(
      dropUndefined({
        ifIndex: Number(key),
        ifDescr: varbindText(r.get(c.ifDescr)),
        ifName: varbindText(x.get(xc.ifName)),
        ifAlias: varbindText(x.get(xc.ifAlias)),
        ifType: varbindNumber(r.get(c.ifType)),
        ifAdminStatus: status(r.get(c.ifAdminStatus)),
        ifOperStatus: status(r.get(c.ifOperStatus)),
        ifLastChangeS: lastChange === undefined ? undefined : Math.floor(lastChange / 100),
        speedMbps: highSpeed ? highSpeed : speed !== undefined ? speed / 1e6 : undefined,
        ifInErrors: varbindNumber(r.get(c.ifInErrors)),
        ifOutErrors: varbindNumber(r.get(c.ifOutErrors)),
        inPkts: varbindNumber(x.get(xc.ifHCInUcastPkts)) ?? varbindNumber(r.get(c.ifInUcastPkts)),
        outPkts: varbindNumber(x.get(xc.ifHCOutUcastPkts)) ?? varbindNumber(r.get(c.ifOutUcastPkts)),
        ifHCInOctets: varbindNumber(x.get(xc.ifHCInOctets)),
        ifHCOutOctets: varbindNumber(x.get(xc.ifHCOutOctets)),
      }),
    );
  }
  return out.sort((a, b) => a.ifIndex - b.ifIndex);
}

export function parseAdsl(
  atuc: readonly RawVarbind[],
  atur: readonly RawVarbind[],
  perf: readonly RawVarbind[],
  chanPerf: readonly RawVarbind[],
): AdslPart {
  const cRows = tableRows(ADSL.atucPhysEntry, atuc);
  const rRows = tableRows(ADSL.aturPhysEntry, atur);
  const keys = new Set([...cRows.keys(), ...rRows.keys()].filter((k) => /^\d+$/.test(k)));
  if (keys.size === 0) return { supported: false };
  const p = ADSL.physColumns;
  const tenthDb = (vb: RawVarbind | undefined) => {
    const n = varbindNumber(vb);
    return n === undefined ? undefined : tenths(n);
  };
  const lines = [...keys]
    .map((k) => {
      const c = cRows.get(k) ?? new Map();
      const r = rRows.get(k) ?? new Map();
      return dropUndefined({
        ifIndex: Number(k),
        snrMarginDownDb: tenthDb(r.get(p.snrMgn)),
        snrMarginUpDb: tenthDb(c.get(p.snrMgn)),
        attenuationDownDb: tenthDb(r.get(p.atn)),
        attenuationUpDb: tenthDb(c.get(p.atn)),
        attainableRateDownBps: varbindNumber(r.get(p.attainableRate)),
        attainableRateUpBps: varbindNumber(c.get(p.attainableRate)),
      });
    })
    .sort((a, b) => a.ifIndex - b.ifIndex);
  const sum = (rows: Map<string, TableRow>, col: number) => {
    let total: number | undefined;
    for (const row of rows.values()) {
      const n = varbindNumber(row.get(col));
      if (n !== undefined) total = (total ?? 0) + n;
    }
    return total;
  };
  const perfRows = tableRows(ADSL.aturPerfDataEntry, perf);
  const chanRows = tableRows(ADSL.aturChanPerfEntry, chanPerf);
  const errors = dropUndefined({
    erroredSeconds: sum(perfRows, ADSL.perfColumns.ess),
    receivedBlocks: sum(chanRows, ADSL.chanPerfColumns.receivedBlks),
    uncorrectableBlocks: sum(chanRows, ADSL.chanPerfColumns.uncorrectBlks),
  });
  return { supported: true, lines, ...(Object.keys(errors).length ? { errors } : {}) };
}

export function parseVdsl2(line: readonly RawVarbind[], band: readonly RawVarbind[]): Vdsl2Part {
  const lineRows = tableRows(VDSL2.lineEntry, line);
  const bandRows = tableRows(VDSL2.bandEntry, band);
  const byIf = new Map<number, Vdsl2Line>();
  const get = (ifIndex: number) => {
    let l = byIf.get(ifIndex);
    if (!l) byIf.set(ifIndex, (l = { ifIndex, unavailable: [] }));
    return l;
  };
  for (const [key, row] of lineRows) {
    if (!/^\d+$/.test(key)) continue;
    const l = get(Number(key));
    const ds = varbindNumber(row.get(VDSL2.lineColumns.attainableRateDs));
    const us = varbindNumber(row.get(VDSL2.lineColumns.attainableRateUs));
    if (ds !== undefined) l.attainableRateDownBps = ds;
    if (us !== undefined) l.attainableRateUpBps = us;
  }
  for (const [key, row] of bandRows) {
    const m = /^(\d+)\.(\d+)$/.exec(key);
    if (!m) continue;
    const bandNo = Number(m[2]);
    // Only the whole-direction rows; per-band rows (us0, ds1, …) would double-count.
    const dir = bandNo === VDSL2.bandDownstream ? "Down" : bandNo === VDSL2.bandUpstream ? "Up" : undefined;
    if (!dir) continue;
    const l = get(Number(m[1]));
    const put = (field: "snrMargin" | "attenuation", col: number) => {
      const v = xdsl2Tenths(row.get(col));
      if (!v) return;
      const name = `${field}${dir}Db` as const;
      if ("db" in v) l[name] = v.db;
      else l.unavailable.push(`${name}:${v.special}`);
    };
    put("snrMargin", VDSL2.bandColumns.snrMargin);
    put("attenuation", VDSL2.bandColumns.lnAtten);
  }
  if (byIf.size === 0) return { supported: false };
  return { supported: true, lines: [...byIf.values()].sort((a, b) => a.ifIndex - b.ifIndex) };
}

export function parseDocsis(down: readonly RawVarbind[], sigQ: readonly RawVarbind[]): DocsisPart {
  const dRows = tableRows(DOCSIS.downChannelEntry, down);
  const qRows = tableRows(DOCSIS.sigQEntry, sigQ);
  const keys = new Set([...dRows.keys(), ...qRows.keys()].filter((k) => /^\d+$/.test(k)));
  if (keys.size === 0) return { supported: false };
  const lines = [...keys]
    .map((k) => {
      const d = dRows.get(k) ?? new Map();
      const q = qRows.get(k) ?? new Map();
      const power = varbindNumber(d.get(DOCSIS.downColumns.power));
      const snr = varbindNumber(q.get(DOCSIS.sigQColumns.signalNoise));
      return dropUndefined({
        ifIndex: Number(k),
        powerDbmv: power === undefined ? undefined : tenths(power),
        snrDb: snr === undefined ? undefined : tenths(snr),
        unerroreds: varbindNumber(q.get(DOCSIS.sigQColumns.unerroreds)),
        correcteds: varbindNumber(q.get(DOCSIS.sigQColumns.correcteds)),
        uncorrectables: varbindNumber(q.get(DOCSIS.sigQColumns.uncorrectables)),
      });
    })
    .sort((a, b) => a.ifIndex - b.ifIndex);
  return { supported: true, lines };
}

/** Keeps the data compact on the wire: undefined ("not measured") fields are simply absent. */
function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
