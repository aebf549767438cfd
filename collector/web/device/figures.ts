// Pure: check data → the rows the device page's pictures draw. Loss and RTT per hop from the path
// check; line figures against their thresholds from the SNMP line MIBs. Kept apart from the SVG so the
// reading of the data is tested on its own (test/web/device-figures.test.ts).
import type { IpPingResult } from "../../../shared/steps/common.js";
import type { PathData } from "../../../shared/steps/path.js";
import type { SnmpDeviceData } from "../../../shared/steps/snmp.js";
import { FIGURE_THRESHOLDS as T } from "./thresholds.js";

export type Health = "ok" | "warn" | "fail" | "none";

export interface HopRow {
  /** gateway: the home router; isp: the first ISP hop; router: a router on the way; anchor: an internet anchor. */
  role: "gateway" | "isp" | "router" | "anchor";
  /** TTL in the hop list; undefined for anchors that are not in it (and for the gateway when no hop list). */
  ttl?: number;
  /** undefined = the hop stayed silent. */
  address?: string;
  /** From a ping of this point; undefined = not pinged (a router on the way only answered a trace). */
  lossPct?: number;
  /** Average RTT of the replies; undefined = no reply or not timed. */
  avgMs?: number;
  /** The RTT over which this point counts as slow (only anchors have one: ANCHOR_SLOW). */
  slowMs?: number;
  /** answered: any reply (echo or an ICMP error); silent: none at all. */
  answered: boolean;
  health: Health;
}

function fromPing(p: IpPingResult): Pick<HopRow, "lossPct" | "avgMs" | "answered"> {
  const complete = p.DiagnosticsState === "Complete";
  return {
    ...(complete ? { lossPct: p.lossPct } : {}),
    ...(p.AverageResponseTime !== undefined ? { avgMs: p.AverageResponseTime } : {}),
    answered: p.SuccessCount > 0 || p.icmpErrors.length > 0,
  };
}

function healthOf(r: Omit<HopRow, "health">): Health {
  if (r.lossPct === undefined && r.avgMs === undefined) return r.answered ? "none" : r.role === "router" ? "none" : "fail";
  if (r.lossPct !== undefined && r.lossPct >= 100) return "fail";
  if (r.lossPct !== undefined && r.lossPct > T.lossWarnPct) return "warn";
  if (r.slowMs !== undefined && r.avgMs !== undefined && r.avgMs > r.slowMs) return "warn";
  return "ok";
}

const bare = (a: string | undefined) => a?.replace(/%.*$/, "");

/** The path in order: hop by hop (TTL), pinged points with their loss and RTT, then the anchors. */
export function hopRows(d: PathData): HopRow[] {
  const rows: Omit<HopRow, "health">[] = [];
  const gw = bare(d.gateway?.address);
  const isp = bare(d.ispHop.address);
  const addrOf = (a: IpPingResult) => bare(a.IPAddressUsed ?? a.Host)!;
  // Each pinged point is drawn once: at its place in the hop list if it is there, else after it.
  let gwShown = false;
  let ispShown = false;
  const anchorsShown = new Set<IpPingResult>();
  for (const h of d.route.RouteHops) {
    const addr = bare(h.HostAddress);
    const anchor = addr ? d.anchors.find((a) => !anchorsShown.has(a) && addrOf(a) === addr) : undefined;
    if (addr && addr === gw && d.gateway && !gwShown) {
      gwShown = true;
      rows.push({ role: "gateway", ttl: h.ttl, address: addr, ...fromPing(d.gateway.ping) });
    } else if (addr && addr === isp && d.ispHop.ping && !ispShown) {
      ispShown = true;
      rows.push({ role: "isp", ttl: h.ttl, address: addr, ...fromPing(d.ispHop.ping) });
    } else if (anchor) {
      anchorsShown.add(anchor);
      rows.push({ role: "anchor", ttl: h.ttl, address: addr, slowMs: T.anchorSlowAvgMs, ...fromPing(anchor) });
    } else {
      const rtts = h.RTTimes;
      rows.push({
        role: "router",
        ttl: h.ttl,
        ...(addr ? { address: addr } : {}),
        ...(rtts.length ? { avgMs: Math.round((rtts.reduce((s, x) => s + x, 0) / rtts.length) * 10) / 10 } : {}),
        answered: h.reply !== "none",
      });
    }
  }
  // Points pinged but not in the hop list (no trace, or the trace went elsewhere): in chain order.
  if (d.gateway && gw && !gwShown) rows.unshift({ role: "gateway", address: gw, ...fromPing(d.gateway.ping) });
  if (d.ispHop.ping && isp && !ispShown) {
    const at = rows.findIndex((r) => r.role !== "gateway");
    const row = { role: "isp" as const, address: isp, ...(d.ispHop.ttl !== undefined ? { ttl: d.ispHop.ttl } : {}), ...fromPing(d.ispHop.ping) };
    if (at < 0) rows.push(row);
    else rows.splice(at, 0, row);
  }
  for (const a of d.anchors) if (!anchorsShown.has(a)) rows.push({ role: "anchor", address: addrOf(a), slowMs: T.anchorSlowAvgMs, ...fromPing(a) });
  return rows.map((r) => ({ ...r, health: healthOf(r) }));
}

export interface LineFigure {
  /** Which line or channel (ifIndex) and direction. */
  line: number;
  kind: "snrMargin" | "attenuation" | "docsisSnr" | "docsisPower";
  direction: "down" | "up";
  value: number;
  unit: "dB" | "dBmV";
  /** The allowed side of the threshold(s). */
  min?: number;
  max?: number;
  health: Health;
}

function judge(value: number, min: number | undefined, max: number | undefined, outside: Health): Health {
  if (min !== undefined && value < min) return outside;
  if (max !== undefined && value > max) return outside;
  return "ok";
}

/** Every line figure the device reported, with the threshold it is held against (skips "unavailable"). */
export function lineFigures(dev: SnmpDeviceData): LineFigure[] {
  const out: LineFigure[] = [];
  const dsl = [...(dev.vdsl2?.supported ? dev.vdsl2.lines : []), ...(dev.adsl?.supported ? dev.adsl.lines : [])];
  for (const l of dsl) {
    const push = (kind: "snrMargin" | "attenuation", direction: "down" | "up", value: number | undefined) => {
      if (value === undefined) return;
      // Low SNR margin is a fault (LINE_SNR_LOW: fail); high attenuation a warning (LINE_ATTENUATION_HIGH).
      if (kind === "snrMargin") out.push({ line: l.ifIndex, kind, direction, value, unit: "dB", min: T.dslSnrMarginMinDb, health: judge(value, T.dslSnrMarginMinDb, undefined, "fail") });
      else out.push({ line: l.ifIndex, kind, direction, value, unit: "dB", max: T.dslAttenuationMaxDb, health: judge(value, undefined, T.dslAttenuationMaxDb, "warn") });
    };
    push("snrMargin", "down", l.snrMarginDownDb);
    push("snrMargin", "up", l.snrMarginUpDb);
    push("attenuation", "down", l.attenuationDownDb);
    push("attenuation", "up", l.attenuationUpDb);
  }
  if (dev.docsis?.supported) {
    for (const ch of dev.docsis.lines) {
      if (ch.snrDb !== undefined) out.push({ line: ch.ifIndex, kind: "docsisSnr", direction: "down", value: ch.snrDb, unit: "dB", min: T.docsisSnrMinDb, health: judge(ch.snrDb, T.docsisSnrMinDb, undefined, "fail") });
      if (ch.powerDbmv !== undefined)
        out.push({ line: ch.ifIndex, kind: "docsisPower", direction: "down", value: ch.powerDbmv, unit: "dBmV", min: T.docsisPowerMinDbmv, max: T.docsisPowerMaxDbmv, health: judge(ch.powerDbmv, T.docsisPowerMinDbmv, T.docsisPowerMaxDbmv, "warn") });
    }
  }
  return out;
}

export interface ErrorFigure {
  what: "wan" | "adslBlocks" | "adslErroredSeconds" | "docsisCodewords" | "routerosInterface";
  subject: string;
  errors: number;
  /** What the errors are counted against (packets, blocks, seconds of uptime, codewords). */
  total?: number;
  /** errors / total; undefined when the total is unknown. */
  ratio?: number;
  limit: number;
  health: Health;
}

function errorHealth(errors: number, ratio: number | undefined, limit: number): Health {
  if (ratio === undefined) return "none";
  return ratio > limit && errors >= T.errorCountMin ? "warn" : "ok";
}

/** SNMP error counters against their limits: the WAN interface, ADSL blocks and errored seconds, DOCSIS codewords. */
export function snmpErrorFigures(dev: SnmpDeviceData): ErrorFigure[] {
  const out: ErrorFigure[] = [];
  const wan = dev.wan?.found ? dev.interfaces?.find((i) => i.ifIndex === dev.wan!.ifIndex) : undefined;
  if (wan && (wan.ifInErrors !== undefined || wan.ifOutErrors !== undefined)) {
    const errors = (wan.ifInErrors ?? 0) + (wan.ifOutErrors ?? 0);
    const pkts = wan.inPkts !== undefined || wan.outPkts !== undefined ? (wan.inPkts ?? 0) + (wan.outPkts ?? 0) : undefined;
    const total = pkts !== undefined ? pkts + errors : undefined;
    const ratio = total ? errors / total : undefined;
    out.push({ what: "wan", subject: wan.ifName ?? wan.ifDescr ?? String(wan.ifIndex), errors, ...(total !== undefined ? { total } : {}), ...(ratio !== undefined ? { ratio } : {}), limit: T.errorRatioMax, health: errorHealth(errors, ratio, T.errorRatioMax) });
  }
  const ae = dev.adsl?.supported ? dev.adsl.errors : undefined;
  if (ae?.uncorrectableBlocks !== undefined) {
    const ratio = ae.receivedBlocks ? ae.uncorrectableBlocks / ae.receivedBlocks : undefined;
    out.push({ what: "adslBlocks", subject: "ADSL", errors: ae.uncorrectableBlocks, ...(ae.receivedBlocks !== undefined ? { total: ae.receivedBlocks } : {}), ...(ratio !== undefined ? { ratio } : {}), limit: T.errorRatioMax, health: errorHealth(ae.uncorrectableBlocks, ratio, T.errorRatioMax) });
  }
  if (ae?.erroredSeconds !== undefined) {
    const up = dev.system?.sysUpTimeS;
    const ratio = up ? ae.erroredSeconds / up : undefined;
    out.push({ what: "adslErroredSeconds", subject: "ADSL", errors: ae.erroredSeconds, ...(up !== undefined ? { total: up } : {}), ...(ratio !== undefined ? { ratio } : {}), limit: T.erroredSecondsRatioMax, health: ratio === undefined ? "none" : ratio > T.erroredSecondsRatioMax ? "warn" : "ok" });
  }
  if (dev.docsis?.supported) {
    for (const ch of dev.docsis.lines) {
      if (ch.uncorrectables === undefined) continue;
      const total = (ch.unerroreds ?? 0) + (ch.correcteds ?? 0) + ch.uncorrectables;
      const ratio = total ? ch.uncorrectables / total : undefined;
      out.push({ what: "docsisCodewords", subject: `ch ${ch.ifIndex}`, errors: ch.uncorrectables, total, ...(ratio !== undefined ? { ratio } : {}), limit: T.errorRatioMax, health: errorHealth(ch.uncorrectables, ratio, T.errorRatioMax) });
    }
  }
  return out;
}
