// Every time budget of the agent in one place, with why. test/agent/timeouts.test.ts asserts how
// they relate (the run budget exceeds every step's; a step's budget exceeds its probes').
export const TIMEOUTS = {
  /** One ICMP echo: a healthy gateway answers in <10 ms, an ISP anchor in <300 ms; 1 s covers a
   * saturated line without waiting long on a dead target. */
  pingReplyMs: 1000,
  /** Probes per ping target: 5 gives loss in 20% steps, matching the ">20% fails" threshold (DOMAIN.md §3). */
  pingCount: 5,
  /** Spacing between echoes (iputils minimum for non-root is 200 ms; 200 keeps a ping target ≈1 s). */
  pingIntervalMs: 200,
  /** One DNS query attempt; 500 ms is "significantly high" per DOMAIN.md §3, so 1.5 s is clearly dead. */
  dnsQueryMs: 1500,
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
  /** DHCP: dnsmasq delays new offers by up to ~3 s; collect all offers this long. */
  dhcpCollectMs: 4000,
  /** ...but once one server has offered, other servers on the same segment answer within ~ms; one
   * second more catches them without making every healthy diagnosis wait the full window. */
  dhcpGraceAfterOfferMs: 1000,
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
