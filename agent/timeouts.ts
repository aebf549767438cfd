// Every time budget of the agent in one place, with why. test/agent/timeouts.test.ts asserts how
// they relate (the run budget exceeds every step's; a step's budget exceeds its probes').
export const TIMEOUTS = {
  /** One ICMP echo: a healthy gateway answers in <10 ms, an ISP anchor in <300 ms; 1 s covers a
   * saturated line without waiting long on a dead target. */
  pingReplyMs: 1000,
  /** Probes per ping target: 5 gives loss in 20% steps, matching the ">20% fails" threshold (DOMAIN.md §3). */
  pingCount: 5,
  /** Path MTU rounds after the first wait for a reply this many times the slowest round trip the
   * first round measured (agent/checks/path/probes.ts mtuReplyWaitMs), and at least mtuReplyMinMs:
   * those rounds wait mostly on silence (the sizes that vanish), and a full pingReplyMs per round
   * made a black hole cost ~5.2 s. The floor covers a scheduler hiccup on a fast LAN; the ceiling
   * stays pingReplyMs, so a satellite link (600 ms RTT) is waited for as before. */
  mtuReplyRttFactor: 4,
  mtuReplyMinMs: 300,
  /** Spacing between echoes (iputils minimum for non-root is 200 ms; 200 keeps a ping target ≈1 s). */
  pingIntervalMs: 200,
  /** One DNS query attempt (c-ares `timeout`). c-ares 1.34 (Node 20.20) resends after ~2x this and
   * gives up after ~4x with two tries (measured: 750 → resend at 1.5 s, ETIMEOUT at 3.0 s; 1500 → 2 s
   * and 5 s). So a dead resolver costs 3 s, and a reply counts up to 3 s: six times the 500 ms that
   * DOMAIN.md §3 already calls "significantly high", so nothing merely slow is called dead. (Was 1500:
   * a dead resolver then set the wall time of every fault scenario at ~5.3 s.) */
  dnsQueryMs: 750,
  /** Attempts per DNS query: two, so one dropped UDP packet is not a dead resolver. */
  dnsTries: 2,
  /** Resolving a named host before connecting to it (service, SNMP device, RouterOS router), whole:
   * hosts file + DNS, cancelled past it (agent/system/resolve-host.ts). 3 s keeps lookup +
   * tcpConnectMs + httpMs (11 s) inside the 12 s service budget, so the probe's own stage timeouts,
   * which say which stage hung, always fire before the runner's. */
  hostLookupMs: 3000,
  /** TCP connect to a service; 3 s exceeds any sane RTT plus one SYN retransmit (1 s initial RTO). */
  tcpConnectMs: 3000,
  /** Whole HTTP exchange after connect. */
  httpMs: 5000,
  /** One TLS control handshake with a known-good host (service check, after an untrusted
   * certificate): lookup + connect + handshake. Those hosts answer in well under 300 ms from
   * anywhere; 3 s = tcpConnectMs. Clamped to what is left of the check's budget. */
  tlsControlMs: 3000,
  /** What the service check keeps of its budget for itself: its extra measurements (TLS controls, the
   * second probe confirming a slow answer) stop this long before the runner would abort it, so the
   * step still reports what it measured. */
  serviceReserveMs: 250,
  /** DHCP: dnsmasq delays new offers by up to ~3 s; collect all offers this long. */
  dhcpCollectMs: 4000,
  /** ...but once one server has offered, stop soon: a second server on the segment that does no ping
   * check answers the same broadcast within milliseconds (lab: both offers within 2-13 ms of each
   * other), so 500 ms is a wide margin and keeps DHCP off a healthy diagnosis's critical path. A
   * server that pings the address first (dnsmasq ~3 s, ISC dhcpd ~1 s) may be missed; dhcp.fullSweep
   * waits the whole dhcpCollectMs for those. (Was 1000 ms: DHCP was the slowest healthy step.) */
  dhcpGraceAfterOfferMs: 500,
  /** The python3 packet-socket helper (DHCP on an interface with no address) starts in ~30 ms; two
   * seconds allow a loaded machine and still leave the collection window inside the check budget. */
  dhcpHelperStartMs: 2000,
  /** SNMP: one request timeout and retries (net-snmp defaults of 5 s x 2 cost 10 s per dead device). */
  snmpRequestMs: 1500,
  snmpRetries: 1,
  /** RouterOS API: connect+login, then each command. */
  routerosConnectMs: 3000,
  routerosCommandMs: 5000,
  /** Per-check ceilings (the runner aborts a check past its own budget). */
  check: {
    host: 5000,
    gateway: 8000,
    dhcp: 8000,
    dns: 8000,
    ping: 10000,
    path: 20000,
    service: 12000,
    snmp: 10000,
    routeros: 15000,
  },
  /** The whole run: every check budget runs in parallel waves, so this bounds the slowest chain. */
  runMs: 60000,
} as const;
