// Step data of the `snmp` check: the modem/router's own view over SNMP (system group, IF-MIB
// interfaces, the WAN interface, DSL/cable line figures). Produced by agent/checks/snmp.ts.
// Field names follow the MIBs; units are in the names (Db, Bps, S, Mbps).
import { z } from "zod";
import { Addr, Counter, List, Str } from "./common.js";

export const SnmpFindingCode = z.enum([
  "SNMP_NO_RESPONSE",
  "SNMP_AUTH_FAILED",
  "SNMP_ERROR",
  "DEVICE_REBOOTED_RECENTLY",
  "WAN_NOT_IDENTIFIED",
  "WAN_LINK_DOWN",
  "WAN_ADMIN_DOWN",
  "WAN_ERRORS",
  "LINE_SNR_LOW",
  "LINE_ATTENUATION_HIGH",
  "LINE_ERRORS",
  "LINE_POWER_OUT_OF_RANGE",
]);
export type SnmpFindingCode = z.infer<typeof SnmpFindingCode>;

/** At most this many interfaces per device are read (the agent's walk limit per column). */
export const SNMP_MAX_INTERFACES = 512;

const IfIndex = z.number().int().nonnegative();
const Db = z.number();

export const SnmpSystem = z.strictObject({
  sysDescr: Str(500).optional(),
  sysObjectID: Str(255).optional(),
  /** sysUpTime in whole seconds; undefined = not reported. */
  sysUpTimeS: z.number().int().nonnegative().optional(),
  sysName: Str(255).optional(),
});
export type SnmpSystem = z.infer<typeof SnmpSystem>;

/** IF-MIB ifAdminStatus / ifOperStatus enumerations (RFC 2863), in MIB order (1 = up). */
export const IF_STATUS = ["up", "down", "testing", "unknown", "dormant", "notPresent", "lowerLayerDown"] as const;
export const IfStatus = z.enum(IF_STATUS);
export type IfStatus = z.infer<typeof IfStatus>;

export const SnmpInterface = z.strictObject({
  ifIndex: IfIndex,
  ifDescr: Str(255).optional(),
  ifName: Str(255).optional(),
  ifAlias: Str(255).optional(),
  /** IANAifType number (e.g. 6 ethernetCsmacd, 94 adsl, 251 vdsl2). */
  ifType: z.number().int().optional(),
  ifAdminStatus: IfStatus.optional(),
  ifOperStatus: IfStatus.optional(),
  /** Seconds of agent uptime at the last state change (ifLastChange). */
  ifLastChangeS: z.number().int().nonnegative().optional(),
  /** ifHighSpeed, else ifSpeed / 10^6; undefined = not reported. */
  speedMbps: z.number().nonnegative().optional(),
  ifInErrors: Counter.optional(),
  ifOutErrors: Counter.optional(),
  /** Unicast packets, 64-bit counters when the agent has them, else 32-bit. */
  inPkts: Counter.optional(),
  outPkts: Counter.optional(),
  ifHCInOctets: Counter.optional(),
  ifHCOutOctets: Counter.optional(),
});
export type SnmpInterface = z.infer<typeof SnmpInterface>;

/** The line figures every xDSL MIB reports, per direction; undefined = not reported. */
const dslFigures = {
  ifIndex: IfIndex,
  snrMarginDownDb: Db.optional(),
  snrMarginUpDb: Db.optional(),
  /** Line attenuation per direction (VDSL2: LATN). */
  attenuationDownDb: Db.optional(),
  attenuationUpDb: Db.optional(),
  attainableRateDownBps: Counter.optional(),
  attainableRateUpBps: Counter.optional(),
};

/** ADSL: downstream figures are measured by the modem (ATU-R), upstream by the exchange (ATU-C). */
export const AdslLine = z.strictObject(dslFigures);
export type AdslLine = z.infer<typeof AdslLine>;
export type DslLineFigures = AdslLine;

export const AdslErrors = z.strictObject({
  /** adslAturPerfESs summed over lines: errored seconds since the agent's counters reset. */
  erroredSeconds: Counter.optional(),
  /** Channel blocks received / uncorrectable (CRC errors left after FEC), summed over channels. */
  receivedBlocks: Counter.optional(),
  uncorrectableBlocks: Counter.optional(),
});
export type AdslErrors = z.infer<typeof AdslErrors>;

export const Vdsl2Line = z.strictObject({
  ...dslFigures,
  /** Figures the modem reported as a special value instead of a measurement (RFC 5650), e.g. "snrMarginDownDb:unavailable". */
  unavailable: List(Str(64), 16),
});
export type Vdsl2Line = z.infer<typeof Vdsl2Line>;

export const DocsisChannel = z.strictObject({
  ifIndex: IfIndex,
  /** docsIfDownChannelPower in dBmV. */
  powerDbmv: z.number().optional(),
  /** docsIfSigQSignalNoise in dB. */
  snrDb: Db.optional(),
  /** Codewords: good, corrected by FEC, uncorrectable. */
  unerroreds: Counter.optional(),
  correcteds: Counter.optional(),
  uncorrectables: Counter.optional(),
});
export type DocsisChannel = z.infer<typeof DocsisChannel>;

/** A line MIB the device may not implement: `supported: false` means "not measured", never a fault. */
const Unsupported = z.strictObject({ supported: z.literal(false) });
export const AdslPart = z.discriminatedUnion("supported", [
  Unsupported,
  z.strictObject({ supported: z.literal(true), lines: List(AdslLine, 64), errors: AdslErrors.optional() }),
]);
export type AdslPart = z.infer<typeof AdslPart>;
export const Vdsl2Part = z.discriminatedUnion("supported", [Unsupported, z.strictObject({ supported: z.literal(true), lines: List(Vdsl2Line, 64) })]);
export type Vdsl2Part = z.infer<typeof Vdsl2Part>;
export const DocsisPart = z.discriminatedUnion("supported", [Unsupported, z.strictObject({ supported: z.literal(true), lines: List(DocsisChannel, 64) })]);
export type DocsisPart = z.infer<typeof DocsisPart>;

export const WanView = z.strictObject({
  found: z.boolean(),
  ifIndex: IfIndex.optional(),
  /** configured: wanIfIndex from config; ifType: a WAN-only IANAifType; name: a WAN-like name. */
  how: z.enum(["configured", "ifType", "name"]).optional(),
  matched: Str(300).optional(),
  ifName: Str(255).optional(),
  ifType: z.number().int().optional(),
  ifAdminStatus: IfStatus.optional(),
  ifOperStatus: IfStatus.optional(),
  /** (in+out errors) / (in+out packets + errors) since the counters started; undefined = not measured. */
  errorRatio: z.number().min(0).max(1).optional(),
});
export type WanView = z.infer<typeof WanView>;

/** The device's default route (0.0.0.0/0) from its IP route MIBs (agent/checks/snmp/routes.ts). */
export const SnmpWanGateway = z.strictObject({
  /** The next hop: on a CPE, the ISP edge. undefined = the route names none (a point-to-point link, PPP). */
  address: Addr.optional(),
  /** ifIndex the route leaves by; undefined = not reported. */
  ifIndex: IfIndex.optional(),
  /** Which MIB said so (the first of these that has the route). */
  source: z.enum(["inetCidrRouteTable", "ipCidrRouteTable", "ipRouteTable"]),
});
export type SnmpWanGateway = z.infer<typeof SnmpWanGateway>;

export const SnmpDeviceData = z.strictObject({
  host: Addr,
  port: z.number().int().min(1).max(65535),
  version: z.enum(["2c", "3"]),
  /** answered: the agent replied and the fields below were read; anything else = not measured. */
  reach: z.enum(["answered", "noResponse", "authFailed", "error"]),
  /** Why the device could not be read (never contains a community or key). */
  error: Str(1000).optional(),
  system: SnmpSystem.optional(),
  interfaces: List(SnmpInterface, SNMP_MAX_INTERFACES).optional(),
  /** The device listed more interfaces than we read. */
  interfacesTruncated: z.boolean().optional(),
  wan: WanView.optional(),
  /** Line MIBs: `{ supported: false }` = the device does not implement it (not a fault). */
  adsl: AdslPart.optional(),
  vdsl2: Vdsl2Part.optional(),
  docsis: DocsisPart.optional(),
  /** The default route's next hop (the ISP edge); undefined = not measured: no route MIB reports one. */
  wanGateway: SnmpWanGateway.optional(),
});
export type SnmpDeviceData = z.infer<typeof SnmpDeviceData>;

export const SnmpData = z.strictObject({
  devices: List(SnmpDeviceData, 5),
});
export type SnmpData = z.infer<typeof SnmpData>;
