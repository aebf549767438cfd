// The thresholds the device page draws figures against. They are the agent's own (the checks decide
// findings with them); copied here because the collector does not load agent code, and kept equal by
// test/web/device-figures.test.ts. Where each comes from: docs/checks/snmp.md, path.md, routeros.md.
export const FIGURE_THRESHOLDS = {
  /** DSL SNR margin below 6 dB: LINE_SNR_LOW (the standard target margin modems train to). */
  dslSnrMarginMinDb: 6,
  /** DSL line attenuation above 60 dB: LINE_ATTENUATION_HIGH (a long or damaged loop). */
  dslAttenuationMaxDb: 60,
  /** DOCSIS downstream SNR below 30 dB: LINE_SNR_LOW (what 256-QAM needs). */
  docsisSnrMinDb: 30,
  /** DOCSIS downstream power outside -15..+15 dBmV: LINE_POWER_OUT_OF_RANGE. */
  docsisPowerMinDbmv: -15,
  docsisPowerMaxDbmv: 15,
  /** Errors above 0.1 % of packets/blocks (and at least 10): WAN_ERRORS, LINE_ERRORS, INTERFACE_ERRORS. */
  errorRatioMax: 1e-3,
  errorCountMin: 10,
  /** ADSL errored seconds above 1 % of uptime: LINE_ERRORS. */
  erroredSecondsRatioMax: 0.01,
  /** More than 20 % loss: ANCHOR_LOSS, ISP_HOP_LOSS, ROUTER_PING_FAILED (warn). */
  lossWarnPct: 20,
  /** Average RTT to an anchor above 300 ms: ANCHOR_SLOW. */
  anchorSlowAvgMs: 300,
  /** SNMP: a reboot within the last 15 min: DEVICE_REBOOTED_RECENTLY. */
  snmpRebootedWithinS: 900,
  /** RouterOS: uptime under an hour: ROUTER_REBOOTED_RECENTLY. */
  routerosRebootedWithinS: 3600,
} as const;
