// Pure decoding of SNMP varbinds as net-snmp delivers them: numbers, Counter64 Buffers, octet
// strings, table rows keyed by index, and the VDSL2 special values. No I/O here.
import { XDSL2_OUT_OF_RANGE, XDSL2_UNAVAILABLE } from "./oids.js";

/** A varbind as net-snmp returns it (type codes are the ASN.1/SMI tags). */
export interface RawVarbind {
  oid: string;
  type: number;
  value: unknown;
}

/** SMI type tags (RFC 2578 / RFC 3416) that net-snmp reports in `type`. */
export const SnmpType = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  OID: 6,
  IpAddress: 64,
  Counter: 65,
  Gauge: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;

/** noSuchObject / noSuchInstance / endOfMibView: the agent does not have it (not measured). */
export function isMissing(vb: RawVarbind | undefined): boolean {
  return vb === undefined || vb.type === SnmpType.NoSuchObject || vb.type === SnmpType.NoSuchInstance || vb.type === SnmpType.EndOfMibView || vb.type === SnmpType.Null;
}

/**
 * Any numeric SMI value as a JS number; undefined when missing or not numeric. Counter64 arrives as a
 * big-endian Buffer (net-snmp does not convert it); values above 2^53 lose precision, which no
 * threshold here cares about.
 */
export function varbindNumber(vb: RawVarbind | undefined): number | undefined {
  if (!vb || isMissing(vb)) return undefined;
  const v = vb.value;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "bigint") return Number(v);
  if (Buffer.isBuffer(v) && (vb.type === SnmpType.Counter64 || vb.type === SnmpType.Counter || vb.type === SnmpType.Gauge)) {
    if (v.length === 0 || v.length > 9) return undefined;
    return Number(BigInt("0x" + v.toString("hex")));
  }
  return undefined;
}

/** OctetString as text (trailing NULs dropped, control characters replaced); OIDs as-is. */
export function varbindText(vb: RawVarbind | undefined, maxChars = 255): string | undefined {
  if (!vb || isMissing(vb)) return undefined;
  const v = vb.value;
  let s: string;
  if (Buffer.isBuffer(v)) s = v.toString("utf8");
  else if (typeof v === "string") s = v;
  else if (typeof v === "number") s = String(v);
  else return undefined;
  // Some CPE agents pad strings with NULs; control characters would garble the engineer's view.
  s = s.replace(/\0+$/, "").replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return s.slice(0, maxChars);
}

/** One table row: column number → varbind. */
export type TableRow = Map<number, RawVarbind>;

/**
 * Groups varbinds under `entryOid` (e.g. ifEntry) by index suffix: `entryOid.COLUMN.INDEX…` →
 * rows.get("INDEX…").get(COLUMN). Varbinds outside the entry or missing are ignored.
 */
export function tableRows(entryOid: string, varbinds: readonly RawVarbind[]): Map<string, TableRow> {
  const prefix = entryOid + ".";
  const rows = new Map<string, TableRow>();
  for (const vb of varbinds) {
    if (!vb.oid.startsWith(prefix) || isMissing(vb)) continue;
    const rest = vb.oid.slice(prefix.length);
    const dot = rest.indexOf(".");
    if (dot <= 0) continue;
    const column = Number(rest.slice(0, dot));
    const index = rest.slice(dot + 1);
    if (!Number.isInteger(column) || index === "") continue;
    let row = rows.get(index);
    if (!row) rows.set(index, (row = new Map()));
    row.set(column, vb);
  }
  return rows;
}

/** A 0.1 dB figure from VDSL2-LINE-MIB: dB, or why there is none (RFC 5650 special values). */
export type TenthDb = { db: number } | { special: "unavailable" | "outOfRange" } | undefined;

export function xdsl2Tenths(vb: RawVarbind | undefined): TenthDb {
  const n = varbindNumber(vb);
  if (n === undefined) return undefined;
  if (n === XDSL2_UNAVAILABLE) return { special: "unavailable" };
  if (n === XDSL2_OUT_OF_RANGE) return { special: "outOfRange" };
  return { db: tenths(n) };
}

/** Tenths (of dB, dBmV) to units, rounded to one decimal so 0.1 steps stay exact in JSON. */
export function tenths(n: number): number {
  return Math.round(n) / 10;
}
