// The thresholds the checks judge with, each with why: the agent decides findings with them and the
// collector's device page draws the measured figures against the same values (one source for both).
// docs/checks/snmp.md, path.md and routeros.md explain them to people.

// ---- snmp (agent/checks/snmp/evaluate.ts) ----------------------------------------------------------
export const SNMP_THRESHOLDS = {
  /** A reboot in the last 15 min likely falls within the customer's complaint (or is its cause). */
  rebootedWithinS: 900,
  /**
   * DSL SNR margin: 6 dB is the standard target margin modems train to (ITU-T G.992.x/G.993.2
   * TARGETSNRM default); below it the line has lost its designed reserve against noise bursts and
   * errors/resyncs follow.
   */
  dslSnrMarginMinDb: 6,
  /** ADSL/VDSL2 line attenuation: above ~60 dB the loop is too long for reliable ADSL sync. */
  dslAttenuationMaxDb: 60,
  /** DOCSIS downstream SNR: 256-QAM needs ~30 dB for an error-free channel (DOCSIS 3.0 PHY). */
  docsisSnrMinDb: 30,
  /** DOCSIS downstream receive power: cable modems are specified for -15..+15 dBmV. */
  docsisPowerMinDbmv: -15,
  docsisPowerMaxDbmv: 15,
  /**
   * Errors per packet / per block: 0.1 % is where TCP throughput visibly suffers (Mathis et al.,
   * 1997), and a healthy access line stays far below it. A minimum count keeps a handful of errors on
   * a barely used link from alarming.
   */
  errorRatioMax: 1e-3,
  errorCountMin: 10,
  /** ADSL errored seconds as a share of uptime: more than 1 % of seconds with errors. */
  erroredSecondsRatioMax: 0.01,
} as const;

// ---- ping / path (agent/checks/path/ip-ping.ts) ------------------------------------------------------
/** More than 20% of probes lost is a problem (DOMAIN.md §3); with 5 probes that is 2 or more lost. */
export const LOSS_WARN_PCT = 20;
/**
 * Average RTT above which an internet anchor is "slow": agent/timeouts.ts expects an anchor to answer in
 * < 300 ms on a healthy line, so a sustained average above it is worth the engineer's attention.
 */
export const ANCHOR_SLOW_AVG_MS = 300;

// ---- routeros (agent/checks/routeros/assess.ts) ------------------------------------------------------
/** An uptime under an hour means a reboot (power cut, crash, watchdog) close to the customer's complaint. */
export const RECENT_REBOOT_S = 3600;
/** Error ratio (errors per packet) that marks a cable/port problem rather than a stray CRC long ago. */
export const INTERFACE_ERROR_RATIO = 0.001;
/** Router-side loss above this is degraded (DOMAIN.md §3: more than 20% of probes failing is a problem). */
export const PING_LOSS_WARN_PCT = 20;
