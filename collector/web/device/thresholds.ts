// The thresholds the device page draws figures against: the checks' own (shared/thresholds.ts), under
// the names the page uses.
import { ANCHOR_SLOW_AVG_MS, INTERFACE_ERROR_RATIO, LOSS_WARN_PCT, PING_LOSS_WARN_PCT, RECENT_REBOOT_S, SNMP_THRESHOLDS as S } from "../../../shared/thresholds.js";

export const FIGURE_THRESHOLDS = {
  /** DSL SNR margin below it: LINE_SNR_LOW. */
  dslSnrMarginMinDb: S.dslSnrMarginMinDb,
  /** DSL line attenuation above it: LINE_ATTENUATION_HIGH. */
  dslAttenuationMaxDb: S.dslAttenuationMaxDb,
  /** DOCSIS downstream SNR below it: LINE_SNR_LOW. */
  docsisSnrMinDb: S.docsisSnrMinDb,
  /** DOCSIS downstream power outside this range: LINE_POWER_OUT_OF_RANGE. */
  docsisPowerMinDbmv: S.docsisPowerMinDbmv,
  docsisPowerMaxDbmv: S.docsisPowerMaxDbmv,
  /** Error ratio above it (and at least errorCountMin errors): WAN_ERRORS, LINE_ERRORS; RouterOS INTERFACE_ERRORS uses the same ratio. */
  errorRatioMax: S.errorRatioMax,
  errorCountMin: S.errorCountMin,
  /** ADSL errored seconds above this share of uptime: LINE_ERRORS. */
  erroredSecondsRatioMax: S.erroredSecondsRatioMax,
  /** Loss above it: ANCHOR_LOSS, ISP_HOP_LOSS; the router's own ping: ROUTER_PING_FAILED (warn). */
  lossWarnPct: LOSS_WARN_PCT,
  routerPingLossWarnPct: PING_LOSS_WARN_PCT,
  routerosErrorRatioMax: INTERFACE_ERROR_RATIO,
  /** Average RTT to an anchor above it: ANCHOR_SLOW. */
  anchorSlowAvgMs: ANCHOR_SLOW_AVG_MS,
  /** SNMP: a reboot within it: DEVICE_REBOOTED_RECENTLY. */
  snmpRebootedWithinS: S.rebootedWithinS,
  /** RouterOS: uptime under it: ROUTER_REBOOTED_RECENTLY. */
  routerosRebootedWithinS: RECENT_REBOOT_S,
} as const;
