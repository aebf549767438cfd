// Numeric OIDs the snmp check reads (numeric: modems ship no MIB files, and net-snmp loads none).
// Each block cites the RFC that defines it; column numbers are the MIB's own sub-identifiers.

/** SNMPv2-MIB system group (RFC 3418 §2): scalars, instance .0. */
export const SYSTEM = {
  sysDescr: "1.3.6.1.2.1.1.1.0",
  sysObjectID: "1.3.6.1.2.1.1.2.0",
  /** TimeTicks, hundredths of a second since the agent (re)started. */
  sysUpTime: "1.3.6.1.2.1.1.3.0",
  sysName: "1.3.6.1.2.1.1.5.0",
} as const;

/** IF-MIB ifTable entry (RFC 2863 §6): ifEntry = 1.3.6.1.2.1.2.2.1, indexed by ifIndex. */
export const IF_ENTRY = "1.3.6.1.2.1.2.2.1";
export const IF_COLUMNS = {
  ifDescr: 2,
  ifType: 3,
  /** bit/s, saturates at 4294967295 (use ifHighSpeed above that). */
  ifSpeed: 5,
  ifAdminStatus: 7,
  ifOperStatus: 8,
  /** sysUpTime (TimeTicks) at the last state change. */
  ifLastChange: 9,
  ifInUcastPkts: 11,
  ifInErrors: 14,
  ifOutUcastPkts: 17,
  ifOutErrors: 20,
} as const;

/** IF-MIB ifXTable entry (RFC 2863 §6): ifXEntry = 1.3.6.1.2.1.31.1.1.1, same index. */
export const IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1";
export const IFX_COLUMNS = {
  ifName: 1,
  /** Counter64 (net-snmp hands these over as Buffers). */
  ifHCInOctets: 6,
  ifHCInUcastPkts: 7,
  ifHCOutOctets: 10,
  ifHCOutUcastPkts: 11,
  /** Mbit/s. */
  ifHighSpeed: 15,
  ifAlias: 18,
} as const;

/**
 * ADSL-LINE-MIB (RFC 2662): adslMIB = transmission 94 = 1.3.6.1.2.1.10.94; adslMibObjects = .1.1.
 * ATU-R is the customer's modem (what it measures is the downstream direction), ATU-C the exchange
 * (upstream). Phys tables are indexed by the line's ifIndex; channel perf tables by the channel's.
 */
export const ADSL = {
  /** adslAtucPhysEntry (.2.1): 4 adslAtucCurrSnrMgn, 5 adslAtucCurrAtn (tenth dB), 8 ...AttainableRate (bit/s). */
  atucPhysEntry: "1.3.6.1.2.1.10.94.1.1.2.1",
  /** adslAturPhysEntry (.3.1): same columns, measured at the modem. */
  aturPhysEntry: "1.3.6.1.2.1.10.94.1.1.3.1",
  physColumns: { snrMgn: 4, atn: 5, attainableRate: 8 },
  /** adslAturPerfDataEntry (.7.1): 4 adslAturPerfESs, errored seconds since agent reset. */
  aturPerfDataEntry: "1.3.6.1.2.1.10.94.1.1.7.1",
  perfColumns: { ess: 4 },
  /** adslAturChanPerfDataEntry (.11.1): 1 ReceivedBlks, 4 UncorrectBlks (CRC failures after FEC). */
  aturChanPerfEntry: "1.3.6.1.2.1.10.94.1.1.11.1",
  chanPerfColumns: { receivedBlks: 1, uncorrectBlks: 4 },
} as const;

/**
 * VDSL2-LINE-MIB (RFC 5650): vdsl2MIB = transmission 251 = 1.3.6.1.2.1.10.251; xdsl2Line = .1.1.
 * Values in 0.1 dB; 2147483646 = measurement unavailable, 2147483647 = out of range (RFC 5650 §3).
 */
export const VDSL2 = {
  /** xdsl2LineEntry (.1.1.1.1), by ifIndex: 20 xdsl2LineStatusAttainableRateDs, 21 ...Us (bit/s). */
  lineEntry: "1.3.6.1.2.1.10.251.1.1.1.1",
  lineColumns: { attainableRateDs: 20, attainableRateUs: 21 },
  /**
   * xdsl2LineBandEntry (.1.1.2.1), by ifIndex + xdsl2LineBand: 2 xdsl2LineBandStatusLnAtten,
   * 3 ...SigAtten, 4 xdsl2LineBandStatusSnrMargin.
   */
  bandEntry: "1.3.6.1.2.1.10.251.1.1.2.1",
  bandColumns: { lnAtten: 2, sigAtten: 3, snrMargin: 4 },
  /** Xdsl2Band (VDSL2-LINE-TC-MIB): upstream(1) and downstream(2) are whole-direction figures. */
  bandUpstream: 1,
  bandDownstream: 2,
} as const;

/**
 * DOCS-IF-MIB (RFC 4546): docsIfMib = transmission 127 = 1.3.6.1.2.1.10.127; both tables are
 * indexed by the downstream channel's ifIndex.
 */
export const DOCSIS = {
  /** docsIfDownstreamChannelEntry (.1.1.1.1): 6 docsIfDownChannelPower (TenthdBmV). */
  downChannelEntry: "1.3.6.1.2.1.10.127.1.1.1.1",
  downColumns: { power: 6 },
  /** docsIfSignalQualityEntry (.1.1.4.1): 2 Unerroreds, 3 Correcteds, 4 Uncorrectables, 5 SignalNoise (TenthdB). */
  sigQEntry: "1.3.6.1.2.1.10.127.1.1.4.1",
  sigQColumns: { unerroreds: 2, correcteds: 3, uncorrectables: 4, signalNoise: 5 },
} as const;

/** VDSL2 special values (RFC 5650): not a measurement, never a number to compare. */
export const XDSL2_UNAVAILABLE = 2147483646;
export const XDSL2_OUT_OF_RANGE = 2147483647;
