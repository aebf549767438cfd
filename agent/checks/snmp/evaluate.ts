// Pure: one device's parsed data → findings. Every threshold is here, with why.
import type { AdslLine, AdslPart, DocsisPart, FindingOf, SnmpInterface, SnmpSystem, Vdsl2Line, Vdsl2Part, WanView } from "../../../shared/checks.js";
import type { WanSelection } from "./wan.js";
import { SNMP_THRESHOLDS } from "../../../shared/thresholds.js";

export type { SnmpFindingCode, WanView } from "../../../shared/checks.js";

export type SnmpFinding = FindingOf<"snmp">;

/** Every SNMP threshold, with why: shared with the collector's device page (shared/thresholds.ts). */
export const THRESHOLDS = SNMP_THRESHOLDS;

export interface MeasuredDevice {
  subject: string;
  system: SnmpSystem;
  interfaces: SnmpInterface[];
  wan: WanView;
  adsl: AdslPart;
  vdsl2: Vdsl2Part;
  docsis: DocsisPart;
}

/** Resolves the selection against the interface table (a configured ifIndex may not exist). */
export function describeWan(interfaces: readonly SnmpInterface[], sel: WanSelection): WanView {
  if (!sel) return { found: false };
  const i = interfaces.find((x) => x.ifIndex === sel.ifIndex);
  if (!i) return { found: false, ifIndex: sel.ifIndex, how: sel.how, matched: sel.matched };
  const errors = (i.ifInErrors ?? 0) + (i.ifOutErrors ?? 0);
  const pkts = i.inPkts !== undefined || i.outPkts !== undefined ? (i.inPkts ?? 0) + (i.outPkts ?? 0) : undefined;
  const hasErr = i.ifInErrors !== undefined || i.ifOutErrors !== undefined;
  return {
    found: true,
    ifIndex: i.ifIndex,
    how: sel.how,
    matched: sel.matched,
    ...(i.ifName ?? i.ifDescr ? { ifName: i.ifName ?? i.ifDescr } : {}),
    ...(i.ifType !== undefined ? { ifType: i.ifType } : {}),
    ...(i.ifAdminStatus ? { ifAdminStatus: i.ifAdminStatus } : {}),
    ...(i.ifOperStatus ? { ifOperStatus: i.ifOperStatus } : {}),
    ...(hasErr && pkts !== undefined && pkts + errors > 0 ? { errorRatio: errors / (pkts + errors) } : {}),
  };
}

export function evaluateDevice(d: MeasuredDevice): SnmpFinding[] {
  const f: SnmpFinding[] = [];
  const at = (extra?: string) => (extra ? `${d.subject} ${extra}` : d.subject);
  const T = THRESHOLDS;

  if (d.system.sysUpTimeS !== undefined && d.system.sysUpTimeS < T.rebootedWithinS) {
    f.push({ code: "DEVICE_REBOOTED_RECENTLY", severity: "warn", subject: at(), message: `device (re)started ${d.system.sysUpTimeS} s ago` });
  }

  const w = d.wan;
  if (!w.found) {
    f.push({
      code: "WAN_NOT_IDENTIFIED",
      severity: "info",
      subject: at(),
      message: w.ifIndex !== undefined ? `configured WAN ifIndex ${w.ifIndex} is not in the device's ifTable` : "no interface looks like the WAN (set wanIfIndex in the config)",
    });
  } else {
    const name = at(`ifIndex ${w.ifIndex}${w.ifName ? ` (${w.ifName})` : ""}`);
    if (w.ifAdminStatus === "down") {
      f.push({ code: "WAN_ADMIN_DOWN", severity: "fail", subject: name, message: "WAN interface is administratively disabled on the device" });
    } else if (w.ifAdminStatus === "up" && w.ifOperStatus !== undefined && w.ifOperStatus !== "up" && w.ifOperStatus !== "dormant") {
      f.push({ code: "WAN_LINK_DOWN", severity: "fail", subject: name, message: `WAN interface is enabled but its link is ${w.ifOperStatus}` });
    }
    const iface = d.interfaces.find((i) => i.ifIndex === w.ifIndex);
    const errors = (iface?.ifInErrors ?? 0) + (iface?.ifOutErrors ?? 0);
    if (w.errorRatio !== undefined && w.errorRatio > T.errorRatioMax && errors >= T.errorCountMin) {
      f.push({ code: "WAN_ERRORS", severity: "warn", subject: name, message: `${errors} interface errors, ${(w.errorRatio * 100).toFixed(2)} % of packets` });
    }
  }

  const dsl: (AdslLine | Vdsl2Line)[] = [...(d.adsl.supported ? d.adsl.lines : []), ...(d.vdsl2.supported ? d.vdsl2.lines : [])];
  for (const l of dsl) {
    const s = at(`line ifIndex ${l.ifIndex}`);
    const low = [l.snrMarginDownDb !== undefined && l.snrMarginDownDb < T.dslSnrMarginMinDb ? `downstream ${l.snrMarginDownDb} dB` : "", l.snrMarginUpDb !== undefined && l.snrMarginUpDb < T.dslSnrMarginMinDb ? `upstream ${l.snrMarginUpDb} dB` : ""].filter(Boolean);
    if (low.length) f.push({ code: "LINE_SNR_LOW", severity: "fail", subject: s, message: `SNR margin below ${T.dslSnrMarginMinDb} dB: ${low.join(", ")}` });
    const att = Math.max(l.attenuationDownDb ?? -Infinity, l.attenuationUpDb ?? -Infinity);
    if (att > T.dslAttenuationMaxDb) f.push({ code: "LINE_ATTENUATION_HIGH", severity: "warn", subject: s, message: `line attenuation ${att} dB (above ${T.dslAttenuationMaxDb} dB: long or damaged loop)` });
  }
  const e = d.adsl.supported ? d.adsl.errors : undefined;
  if (e) {
    const blockRatio = e.uncorrectableBlocks !== undefined && e.receivedBlocks ? e.uncorrectableBlocks / e.receivedBlocks : undefined;
    const esRatio = e.erroredSeconds !== undefined && d.system.sysUpTimeS ? e.erroredSeconds / d.system.sysUpTimeS : undefined;
    const parts = [
      blockRatio !== undefined && blockRatio > T.errorRatioMax && (e.uncorrectableBlocks ?? 0) >= T.errorCountMin ? `${e.uncorrectableBlocks} uncorrectable (CRC) blocks` : "",
      esRatio !== undefined && esRatio > T.erroredSecondsRatioMax ? `${e.erroredSeconds} errored seconds` : "",
    ].filter(Boolean);
    if (parts.length) f.push({ code: "LINE_ERRORS", severity: "warn", subject: at("ADSL line"), message: parts.join(", ") });
  }

  for (const ch of d.docsis.supported ? d.docsis.lines : []) {
    const s = at(`downstream ifIndex ${ch.ifIndex}`);
    if (ch.snrDb !== undefined && ch.snrDb < T.docsisSnrMinDb) f.push({ code: "LINE_SNR_LOW", severity: "fail", subject: s, message: `downstream SNR ${ch.snrDb} dB (below ${T.docsisSnrMinDb} dB)` });
    if (ch.powerDbmv !== undefined && (ch.powerDbmv < T.docsisPowerMinDbmv || ch.powerDbmv > T.docsisPowerMaxDbmv)) {
      f.push({ code: "LINE_POWER_OUT_OF_RANGE", severity: "warn", subject: s, message: `downstream power ${ch.powerDbmv} dBmV (outside ${T.docsisPowerMinDbmv}..${T.docsisPowerMaxDbmv})` });
    }
    const total = (ch.unerroreds ?? 0) + (ch.correcteds ?? 0) + (ch.uncorrectables ?? 0);
    if (ch.uncorrectables !== undefined && total > 0 && ch.uncorrectables >= T.errorCountMin && ch.uncorrectables / total > T.errorRatioMax) {
      f.push({ code: "LINE_ERRORS", severity: "warn", subject: s, message: `${ch.uncorrectables} uncorrectable codewords of ${total}` });
    }
  }
  return f;
}
