// The typed step schemas (shared/steps/): real check outputs parse (built by the checks' own code from
// captured tool output, or measured against loopback servers), and a typo, an unknown finding code, an
// unbounded field or a measured step without its data is refused, on the wire and by the agent's runner.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { assessDhcp, clientState } from "../../agent/checks/dhcp.js";
import { parseDhclientLeases } from "../../agent/checks/dhcp/lease-files.js";
import { parseDhcpMessage } from "../../agent/checks/dhcp/packet.js";
import type { ProbeReply } from "../../agent/checks/dhcp/probe.js";
import { dnsCheck } from "../../agent/checks/dns.js";
import { assessGateway } from "../../agent/checks/gateway/assess-gateway.js";
import { assessHost } from "../../agent/checks/host/assess-host.js";
import { assessPath } from "../../agent/checks/path/assess.js";
import { buildRoute, hopFromReport } from "../../agent/checks/path/hops.js";
import { standardPing, toIpPing } from "../../agent/checks/path/ip-ping.js";
import { classifyMtuProbe, summarizeMtu } from "../../agent/checks/path/mtu.js";
import { assessPing } from "../../agent/checks/ping.js";
import { assessDevice } from "../../agent/checks/routeros/assess.js";
import { parseDefaultRoutes, parseDhcpClients, parseInterfaces as parseRosInterfaces, parsePing as parseRosPing, parseResource } from "../../agent/checks/routeros/parse-state.js";
import { serviceCheck } from "../../agent/checks/service.js";
import { describeWan, evaluateDevice } from "../../agent/checks/snmp/evaluate.js";
import { parseAdsl, parseDocsis, parseInterfaces, parseSystem, parseVdsl2 } from "../../agent/checks/snmp/parse-device.js";
import type { RawVarbind } from "../../agent/checks/snmp/parse-values.js";
import { pickWan } from "../../agent/checks/snmp/wan.js";
import type { AnyCheck, CheckOutcome } from "../../agent/checks/types.js";
import { runOne } from "../../agent/runner/run-plan.js";
import { parsePingOutput } from "../../agent/probes/parse-ping.js";
import type { PingReport } from "../../agent/probes/ping-types.js";
import { parseIpAddrJson, parseIpRouteJson } from "../../agent/system/linux-system-view.js";
import { healthyDiagnosis, pathStep } from "../../bench/steps.js";
import { STEP_SCHEMAS, StepResult, type CheckId } from "../../shared/checks.js";
import { AgentFrame } from "../../shared/protocol.js";
import { fakeSystem, testCheckContext } from "../helpers/check-context.js";
import { startDnsStub, type DnsStub } from "../helpers/dns-stub.js";
import { makeSelfSignedCert, startHttpServer, startHttpsServer, type TestServer } from "../helpers/service-servers.js";
import { NO_OPENSSL, titled } from "../helpers/system-deps.js";

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");
const fixtureOr = (path: string, fallback: string) => {
  try {
    return fixture(path);
  } catch {
    return fallback;
  }
};

/** A step around a check's outcome, as the runner would build it. */
function stepOf<C extends CheckId>(check: C, o: CheckOutcome<C>): unknown {
  return { check, startedAt: 1_700_000_000_000, durationMs: 12.5, ...o };
}

/** Parses and fails with zod's own explanation, so a mismatch says which field. */
function expectValid(step: unknown): StepResult {
  const r = StepResult.safeParse(step);
  if (!r.success) throw new Error(z.prettifyError(r.error));
  return r.data;
}

function pingFixture(name: string, sent = 5): PingReport {
  const stdout = fixture(`ping/${name}.txt`);
  const stderr = fixtureOr(`ping/${name}.stderr.txt`, "");
  return { host: "198.18.0.1", ...parsePingOutput(stdout, stderr, 0, sent) };
}
const PING_FIXTURES = ["iputils-success", "iputils-loss-partial", "iputils-loss-total", "iputils-host-unreachable-router", "iputils-ttl-exceeded", "iputils-frag-needed", "iputils-network-unreachable", "iputils-unknown-host", "busybox-success", "busybox-loss-partial", "busybox-host-unreachable-router", "busybox-ttl-exceeded"];

function snmpFixture(name: string): Record<string, RawVarbind[]> {
  const raw = JSON.parse(fixture(`snmp/${name}`)) as Record<string, { oid: string; type: number; value: unknown }[]>;
  const out: Record<string, RawVarbind[]> = {};
  for (const [k, vbs] of Object.entries(raw)) {
    out[k] = vbs.map((vb) => ({ ...vb, value: vb.value && typeof vb.value === "object" && "hex" in vb.value ? Buffer.from((vb.value as { hex: string }).hex, "hex") : vb.value }));
  }
  return out;
}

describe("real check outputs parse under their schema", () => {
  test("host: captured `ip -j` output (healthy PC, DHCP failure with APIPA)", () => {
    for (const [addr, r4, r6] of [["linux-mixed-addr.txt", "linux-mixed-route4.txt", "linux-mixed-route6.txt"], ["linux-apipa-addr.txt", "linux-apipa-route4.txt", "linux-apipa-route6.txt"]] as const) {
      const snap = { interfaces: parseIpAddrJson(fixture(`ip/${addr}`)), routes: [...parseIpRouteJson(fixture(`ip/${r4}`), 4), ...parseIpRouteJson(fixture(`ip/${r6}`), 6)], resolvers: ["10.77.0.1"], wifi: [{ iface: "wlan0", quality: 20, signalDbm: -80 }] };
      expectValid(stepOf("host", assessHost(snap)));
    }
  });

  test.each(PING_FIXTURES)("ping and gateway: %s", (name) => {
    const report = pingFixture(name);
    expectValid(stepOf("ping", assessPing([toIpPing(standardPing(report.host), report)])));
    const gw = assessGateway({ gateway: "10.0.1.1", dev: "eth0", family: 4, ping: report, tcp: [{ port: 53, result: "refused", connectMs: 0.4 }, { port: 80, result: "error", errorCode: "EHOSTUNREACH" }], neighbour: { address: "10.0.1.1", dev: "eth0", mac: "02:00:00:00:00:01", state: "REACHABLE" } });
    expectValid(stepOf("gateway", gw));
  });

  test("path: the bench's healthy path, and a broken one with an unreachable hop and a frag-needed MTU", () => {
    expectValid(pathStep());
    const ok = pingFixture("iputils-success");
    const route = buildRoute("198.18.0.1", 10, 2, [hopFromReport(1, pingFixture("iputils-ttl-exceeded")), hopFromReport(2, pingFixture("iputils-host-unreachable-router")), hopFromReport(3, { ...ok, received: 0, rttMs: [], ttlExceededFrom: [], icmpErrors: [] })]);
    const mtu = summarizeMtu("198.18.0.1", false, [classifyMtuProbe(1472, false, pingFixture("iputils-frag-needed")), classifyMtuProbe(56, false, ok)]);
    const loss = pingFixture("iputils-loss-total");
    const out = assessPath({ gateway: { address: "10.0.1.1", ping: toIpPing(standardPing("10.0.1.1"), ok) }, ispHop: { source: "not_found" }, anchors: [toIpPing(standardPing("198.18.0.1"), loss)], route, mtu });
    expectValid(stepOf("path", out));
  });

  test("dhcp: dnsmasq's captured OFFER and a captured dhclient lease", () => {
    const parsed = parseDhcpMessage(Buffer.from(fixture("dhcp/dnsmasq-2.90-offer-broadcast.hex").replace(/^#.*$/gm, "").replace(/\s+/g, ""), "hex"));
    if (!parsed.ok) throw new Error(parsed.error);
    const offer: ProbeReply = { type: "OFFER", from: "10.0.0.1", receivedAfterMs: 4, message: parsed.message };
    const rec = parseDhclientLeases(fixture("dhcp/dhclient-debian-bound.txt"), "/var/lib/dhcp/dhclient.leases").at(-1)!;
    const out = assessDhcp({ iface: "eth0", hasAddress: true, lease: clientState(rec, Date.now()), leaseLookedAt: ["/var/lib/dhcp/dhclient.leases"], chaddr: "02:00:00:00:00:01", informTo: "10.0.0.1", probe: { ran: true, via: "udp-socket", discoverSent: true, informSent: true, offers: [offer], sendErrors: [], malformed: 0 } });
    expectValid(stepOf("dhcp", out));
    // Skipped with partial data (the lease read before the probe could not run).
    expectValid(stepOf("dhcp", assessDhcp({ iface: "eth0", hasAddress: false, leaseLookedAt: [], chaddr: "02:00:00:00:00:01", probe: { ran: false, code: "EACCES", reason: "not root" } })));
  });

  test("snmp: varbinds captured from Debian's snmpd", () => {
    const system = parseSystem(snmpFixture("linux-snmpd-system.json")["1.3.6.1.2.1.1"]!);
    const ifs = snmpFixture("linux-snmpd-iftables-wan-down.json");
    const interfaces = parseInterfaces(ifs["1.3.6.1.2.1.2.2"]!, ifs["1.3.6.1.2.1.31.1.1"]!);
    const wan = describeWan(interfaces, pickWan(interfaces, 2));
    const v = snmpFixture("linux-snmpd-vdsl2-override.json")["1.3.6.1.2.1.10.251"]!;
    const vdsl2 = parseVdsl2(v, v);
    const none = snmpFixture("linux-snmpd-no-line-mibs.json");
    const adsl = parseAdsl(none["1.3.6.1.2.1.10.94"]!, [], [], []);
    const docsis = parseDocsis(none["1.3.6.1.2.1.10.127"]!, []);
    const device = { host: "127.0.0.1", port: 161, version: "2c" as const, reach: "answered" as const, system, interfaces, wan, adsl, vdsl2, docsis };
    const findings = evaluateDevice({ subject: "127.0.0.1:161", system, interfaces, wan, adsl, vdsl2, docsis });
    expect(vdsl2.supported).toBe(true);
    expectValid(stepOf("snmp", { status: "ok", findings, data: { devices: [device, { host: "127.0.0.2", port: 161, version: "3", reach: "noResponse", error: "no answer" }] } }));
  });

  test("routeros: rows in the shapes the RouterOS API returns", () => {
    const report = {
      host: "192.168.88.1",
      port: 8728,
      tls: false,
      system: parseResource([{ uptime: "1w2d3h", version: "7.18.2", "board-name": "hAP ax2", "cpu-load": "3", "free-memory": "100000", "total-memory": "200000" }]),
      interfaces: parseRosInterfaces([{ name: "ether1", type: "ether", running: "true", disabled: "false", "rx-error": "0", "tx-error": "0", "rx-packet": "10", "tx-packet": "12" }]),
      wan: { name: "ether1", source: "dhcp-client" as const, type: "ether", running: true, disabled: false },
      dhcpClient: parseDhcpClients([{ interface: "ether1", status: "bound", address: "100.64.7.2/24", gateway: "100.64.7.1", "expires-after": "9m" }])[0],
      defaultRoutes: parseDefaultRoutes([{ "dst-address": "0.0.0.0/0", gateway: "100.64.7.1", "immediate-gw": "100.64.7.1%ether1", active: "true" }]),
      ping: parseRosPing("198.18.0.1", [{ seq: "0", time: "10ms", sent: "1", received: "1" }, { seq: "1", status: "timeout", sent: "2", received: "1" }]),
      commandErrors: [{ command: "/log/print", code: "ROUTEROS_TIMEOUT" as const, message: "no answer" }],
    };
    expectValid(stepOf("routeros", { status: "ok", findings: assessDevice(report), data: { devices: [report] } }));
  });

  test("the bench's healthy diagnosis (what the verdict benches read)", () => {
    for (const s of healthyDiagnosis()) expectValid(s);
  });
});

describe("measured against loopback servers", () => {
  const servers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test("dns: a stub that answers, one that refuses, one that drops", async () => {
    const stubs: DnsStub[] = await Promise.all([startDnsStub({ records: { "a.test": { A: ["10.1.0.1"] } } }), startDnsStub({ behaviour: "refused" }), startDnsStub({ behaviour: "servfail" })]);
    servers.push(...stubs);
    const { ctx } = testCheckContext({ names: ["a.test", "b.test"], publicResolvers: [stubs[2]!.address] }, { system: fakeSystem({ resolvers: async () => [stubs[0]!.address, stubs[1]!.address, "fe80::1%eth0"] }) });
    expectValid(stepOf("dns", await dnsCheck.run(ctx, AbortSignal.timeout(10_000))));
  });

  test("service: an HTTP server on port 0, and a closed port", async () => {
    const srv: TestServer = await startHttpServer((_req, res) => res.writeHead(302, { location: "/login" }).end("moved"));
    servers.push(srv);
    for (const service of [`${srv.url}/shop`, "127.0.0.1:1"]) {
      const { ctx } = testCheckContext({ service });
      expectValid(stepOf("service", await serviceCheck.run(ctx, AbortSignal.timeout(10_000))));
    }
  });

  test.skipIf(!!NO_OPENSSL)(titled("service: an untrusted certificate, with TLS controls (one answers with the same certificate, one is closed)", NO_OPENSSL), async () => {
    const srv: TestServer = await startHttpsServer(await makeSelfSignedCert(), (_req, res) => res.end());
    servers.push(srv);
    const { ctx } = testCheckContext({ service: `https://localhost:${srv.port}/`, controlHosts: [`127.0.0.1:${srv.port}`, "127.0.0.1:1"] });
    const step = expectValid(stepOf("service", await serviceCheck.run(ctx, AbortSignal.timeout(10_000))));
    expect(step.data).toMatchObject({ tlsControl: [{ tls: "untrusted" }, { tls: "no_connect" }] });
  });
});

describe("what the schemas refuse", () => {
  const good = () => structuredClone(pathStep()) as Record<string, any>;

  test("an accepted step to start from", () => expect(StepResult.safeParse(good()).success).toBe(true));

  test.each<[string, (s: Record<string, any>) => void, string]>([
    ["a misspelled data field", (s) => ((s.data.anchor = s.data.anchors), delete s.data.anchors), "anchor"],
    ["an unknown field deep inside", (s) => (s.data.route.RouteHops[0].hopAddress = "10.0.0.1"), "hopAddress"],
    ["an unknown finding code", (s) => s.findings.push({ code: "ANCHORS_UNREACHABEL", severity: "fail", message: "typo" }), "findings"],
    ["another check's finding code", (s) => s.findings.push({ code: "DHCP_NO_OFFER", severity: "fail", message: "wrong check" }), "findings"],
    ["a wrong enum value", (s) => (s.data.ispHop.source = "guessed"), "source"],
    ["an unbounded string", (s) => (s.data.anchors[0].Host = "h".repeat(10_000)), "Host"],
    ["an unbounded list", (s) => (s.data.anchors = Array.from({ length: 500 }, () => s.data.anchors[0])), "anchors"],
    ["a non-finite number", (s) => (s.data.anchors[0].lossPct = Number.POSITIVE_INFINITY), "lossPct"],
    ["a negative duration", (s) => (s.data.anchors[0].rttMs = [-1]), "rttMs"],
    ["a measured step without its data", (s) => (s.data = {}), "route"],
    ["a skipped step without a reason", (s) => ((s.status = "skipped"), (s.data = {})), "skipReason"],
    ["an error step without its error", (s) => ((s.status = "error"), (s.data = {})), "error"],
    ["a skip reason on a measured step", (s) => (s.skipReason = "why"), "skipReason"],
    ["an unknown check", (s) => (s.check = "traceroute"), "check"],
  ])("%s", (_name, mutate, mentions) => {
    const s = good();
    mutate(s);
    const r = StepResult.safeParse(s);
    expect(r.success).toBe(false);
    expect(z.prettifyError(r.error!)).toContain(mentions);
  });

  test("skipped, error and timeout steps may carry empty or partial data", () => {
    expectValid({ check: "path", status: "skipped", startedAt: 0, durationMs: 0, findings: [], data: {}, skipReason: "run cancelled" });
    expectValid({ check: "gateway", status: "timeout", startedAt: 0, durationMs: 0, findings: [], data: {}, error: { code: "CHECK_TIMEOUT", message: "budget" } });
    expectValid({ check: "dhcp", status: "skipped", startedAt: 0, durationMs: 0, findings: [{ code: "DHCP_BIND_DENIED", severity: "info", message: "not root" }], data: { leaseLookedAt: [] }, skipReason: "not root" });
  });

  test("every check has a schema and a closed finding-code enum", () => {
    for (const [id, s] of Object.entries(STEP_SCHEMAS)) {
      expect(s.codes.options.length, id).toBeGreaterThan(0);
      for (const code of s.codes.options) expect(code).toMatch(/^[A-Z][A-Z0-9_]{1,63}$/);
    }
  });

  test("the wire frame carries the typed step: the collector's AgentFrame refuses a typo in data", () => {
    const frame = { type: "step", runId: "run_abcdef", seq: 1, at: 1, result: good() };
    expect(AgentFrame.safeParse(frame).success).toBe(true);
    frame.result.data.gatewy = frame.result.data.gateway;
    expect(AgentFrame.safeParse(frame).success).toBe(false);
  });

  test("the agent's runner turns a check's out-of-schema outcome into an error step, never a bad frame", async () => {
    const bad = { id: "dns", title: "bad", timeoutMs: 1000, run: async () => ({ status: "ok", findings: [{ code: "NAME_TYPO", severity: "fail", message: "x" }], data: { names: [] } }) } as unknown as AnyCheck;
    const { ctx, log } = testCheckContext();
    const step = await runOne(bad, ctx, new AbortController().signal);
    expect(step).toMatchObject({ check: "dns", status: "error", error: { code: "STEP_DATA_INVALID" }, data: {} });
    expect(StepResult.safeParse(step).success).toBe(true);
    expect(log.lines.map((l) => l.msg)).toContain("check returned data outside its schema");
  });
});
