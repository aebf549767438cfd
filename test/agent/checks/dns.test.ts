// dns check: the error mapping and the judgement as tables, then the whole check against real DNS stubs
// on loopback (never a real resolver: every test overrides both configured and public resolvers).
import { fakeSystem, measured, testCheckContext } from "../../helpers/check-context.js";
import { afterAll, describe, expect, test } from "vitest";
import dnsPacket from "dns-packet";
import { dnsCheck } from "../../../agent/checks/dns.js";
import { encodeQuery, parseReplyHeader, splitServer } from "../../../agent/checks/dns/control.js";
import { isMeasured, type StepResultOf } from "../../../shared/checks.js";
import { assessDns, resolverReport } from "../../../agent/checks/dns/assess.js";
import { classifyDnsError } from "../../../agent/checks/dns/nslookup-status.js";
import type { NsLookupResult } from "../../../agent/checks/dns/query.js";
import { defineCheck, type CheckOutcome } from "../../../agent/checks/types.js";
import { runPlan } from "../../../agent/runner/run-plan.js";
import { startDnsStub, type DnsStub, type DnsStubOptions } from "../../helpers/dns-stub.js";

describe("classifyDnsError", () => {
  test.each([
    [undefined, "Success", "answer"],
    ["ENOTFOUND", "Error_HostNameNotResolved", "nxdomain"],
    ["ENODATA", "Error_HostNameNotResolved", "nodata"],
    ["ESERVFAIL", "Error_HostNameNotResolved", "servfail"],
    ["EREFUSED", "Error_DNSServerNotAvailable", "refused"],
    ["ECONNREFUSED", "Error_DNSServerNotAvailable", "unreachable"],
    ["ETIMEOUT", "Error_Timeout", "timeout"],
    ["ECANCELLED", "Error_Other", "cancelled"],
    ["EBADRESP", "Error_Other", "other"],
  ] as const)("%s → %s / %s", (code, status, outcome) => {
    expect(classifyDnsError(code)).toEqual({ status, outcome });
  });
});

const ok = (name: string, server: string, ip: string, ms = 5): NsLookupResult => ({
  hostName: name, dnsServerIP: server, status: "Success", outcome: "answer", ipAddresses: [ip], responseTimeMs: ms,
});
const err = (name: string, server: string, rawCode: string): NsLookupResult => {
  const c = classifyDnsError(rawCode);
  return { hostName: name, dnsServerIP: server, ...c, rawCode, ipAddresses: [], ...(rawCode === "ETIMEOUT" ? {} : { responseTimeMs: 3 }) };
};

describe("assessDns", () => {
  const N = ["a.test"];
  test.each([
    {
      case: "healthy everywhere",
      resolvers: [resolverReport("10.0.0.1", "configured", [ok("a.test", "10.0.0.1", "1.2.3.4")]), resolverReport("10.9.9.9", "public", [ok("a.test", "10.9.9.9", "1.2.3.4")])],
      codes: [], configured: "ok", public: "ok", everywhere: [],
    },
    {
      case: "router relay dead, public fine",
      resolvers: [resolverReport("10.0.0.1", "configured", [err("a.test", "10.0.0.1", "ETIMEOUT")]), resolverReport("10.9.9.9", "public", [ok("a.test", "10.9.9.9", "1.2.3.4")])],
      codes: ["CONFIGURED_RESOLVER_DEAD:fail", "ALL_CONFIGURED_RESOLVERS_DEAD:fail"], configured: "dead", public: "ok", everywhere: [],
    },
    {
      case: "one of two configured dead",
      resolvers: [resolverReport("10.0.0.1", "configured", [err("a.test", "10.0.0.1", "EREFUSED")]), resolverReport("10.0.0.2", "configured", [ok("a.test", "10.0.0.2", "1.2.3.4")])],
      codes: ["CONFIGURED_RESOLVER_DEAD:warn"], configured: "partial", public: "none", everywhere: [],
    },
    {
      case: "SERVFAIL everywhere",
      resolvers: [resolverReport("10.0.0.1", "configured", [err("a.test", "10.0.0.1", "ESERVFAIL")]), resolverReport("10.9.9.9", "public", [err("a.test", "10.9.9.9", "ESERVFAIL")])],
      codes: ["NAME_SERVFAIL:fail"], configured: "ok", public: "ok", everywhere: ["a.test"],
    },
    {
      case: "nothing answers anywhere",
      resolvers: [resolverReport("10.0.0.1", "configured", [err("a.test", "10.0.0.1", "ECONNREFUSED")]), resolverReport("10.9.9.9", "public", [err("a.test", "10.9.9.9", "ETIMEOUT")])],
      codes: ["CONFIGURED_RESOLVER_DEAD:fail", "ALL_CONFIGURED_RESOLVERS_DEAD:fail", "PUBLIC_RESOLVER_DEAD:warn", "ALL_RESOLVERS_DEAD:fail"], configured: "dead", public: "dead", everywhere: [],
    },
    {
      case: "NXDOMAIN at one, answer at the other",
      resolvers: [resolverReport("10.0.0.1", "configured", [err("a.test", "10.0.0.1", "ENOTFOUND")]), resolverReport("10.9.9.9", "public", [ok("a.test", "10.9.9.9", "1.2.3.4")])],
      codes: ["NAME_NXDOMAIN:warn"], configured: "ok", public: "ok", everywhere: [],
    },
    {
      case: "disjoint answers",
      resolvers: [resolverReport("10.0.0.1", "configured", [ok("a.test", "10.0.0.1", "1.1.1.10")]), resolverReport("10.9.9.9", "public", [ok("a.test", "10.9.9.9", "1.2.3.4")])],
      codes: ["RESOLVERS_DISAGREE:info"], configured: "ok", public: "ok", everywhere: [],
    },
    {
      case: "slow, slightly and significantly",
      resolvers: [resolverReport("10.0.0.1", "configured", [ok("a.test", "10.0.0.1", "1.2.3.4", 450)]), resolverReport("10.9.9.9", "public", [ok("a.test", "10.9.9.9", "1.2.3.4", 700)])],
      codes: ["DNS_SLOW:info", "DNS_SLOW:warn"], configured: "ok", public: "ok", everywhere: [],
    },
    {
      case: "no resolver configured",
      resolvers: [resolverReport("10.9.9.9", "public", [ok("a.test", "10.9.9.9", "1.2.3.4")])],
      codes: ["NO_RESOLVER_CONFIGURED:fail"], configured: "none", public: "ok", everywhere: [],
    },
  ])("$case", ({ resolvers, codes, configured, public: pub, everywhere }) => {
    const { summary, findings } = assessDns(resolvers, N);
    expect(findings.map((f) => `${f.code}:${f.severity}`)).toEqual(codes);
    expect(summary.configured).toBe(configured);
    expect(summary.public).toBe(pub);
    expect(summary.namesFailingEverywhere).toEqual(everywhere);
  });
});

// ---- the whole check against loopback stubs ---------------------------------------------------

const RECORDS = { "a.test": { A: ["10.1.0.1"], AAAA: ["fd00::1"] }, "b.test": { A: ["10.1.0.2"] } };
const stubs: DnsStub[] = [];
afterAll(async () => {
  await Promise.all(stubs.map((s) => s.close()));
});
async function stub(opts: DnsStubOptions = {}): Promise<DnsStub> {
  const s = await startDnsStub({ records: RECORDS, ...opts });
  stubs.push(s);
  return s;
}

/** Runs the check with the OS resolvers `system` and the given public resolvers (defaults always overridden). */
async function runDns(system: string[], publicResolvers: string[], signal = new AbortController().signal) {
  const { ctx } = testCheckContext({ names: ["a.test", "b.test"], publicResolvers }, { system: fakeSystem({ resolvers: async () => system }) });
  return measured(await dnsCheck.run(ctx, signal));
}

const codesOf = (o: CheckOutcome<"dns">) => o.findings.map((f) => f.code);

/** A loopback port that was bound and then closed: queries to it get ICMP port unreachable. */
async function closedUdpPort(): Promise<string> {
  const s = await startDnsStub();
  await s.close();
  return s.address;
}

describe.concurrent("dns check against loopback stubs", () => {
  test("healthy: every name resolves at configured and public resolvers", async () => {
    const [c, p] = [await stub(), await stub()];
    const out = await runDns([c.address], [p.address]);
    expect(out.status).toBe("ok");
    expect(out.findings).toEqual([]);
    expect(out.data.configuredSource).toBe("system");
    expect(out.data.resolvers.map((r) => [r.server, r.role, r.state])).toEqual([
      [c.address, "configured", "answering"],
      [p.address, "public", "answering"],
    ]);
    const a = out.data.resolvers[0]!.results.find((r) => r.hostName === "a.test")!;
    expect(a).toMatchObject({ status: "Success", ipAddresses: ["10.1.0.1"], ipv6Addresses: ["fd00::1"], dnsServerIP: c.address });
    expect(a.responseTimeMs).toBeGreaterThanOrEqual(0);
    expect(c.queries).toBe(6); // A + AAAA for two names, and the two control questions
  });

  test("config override of the resolvers wins over the OS's", async () => {
    const c = await stub();
    const { ctx } = testCheckContext({ names: ["a.test"], resolvers: [c.address] }, { system: fakeSystem({ resolvers: async () => ["10.255.255.1"] }) });
    const out = measured(await dnsCheck.run(ctx, new AbortController().signal));
    expect(out.data.configuredSource).toBe("config");
    expect(out.data.resolvers.map((r) => r.server)).toEqual([c.address]);
  });

  test("router relay dead (drops), public fine → configured dead, public ok", async () => {
    const [c, p] = [await stub({ behaviour: "drop" }), await stub()];
    const out = await runDns([c.address], [p.address]);
    expect(out.status).toBe("fail");
    expect(codesOf(out)).toEqual(["CONFIGURED_RESOLVER_DEAD", "ALL_CONFIGURED_RESOLVERS_DEAD"]);
    expect(out.data.summary).toMatchObject({ configured: "dead", public: "ok", anyResolverReplied: true, namesFailingEverywhere: [] });
    expect(out.data.resolvers[0]!.results.every((r) => r.rawCode === "ETIMEOUT" && r.status === "Error_Timeout" && r.responseTimeMs === undefined)).toBe(true);
  });

  test("SERVFAIL everywhere for one name → NAME_SERVFAIL, the dns segment's evidence", async () => {
    const perName = { "b.test": "servfail" as const };
    const [c, p] = [await stub({ perName }), await stub({ perName })];
    const out = await runDns([c.address], [p.address]);
    expect(out.status).toBe("fail");
    expect(codesOf(out)).toEqual(["NAME_SERVFAIL"]);
    expect(out.findings[0]).toMatchObject({ severity: "fail", subject: "b.test" });
    expect(out.data.summary).toMatchObject({ configured: "ok", public: "ok", namesFailingEverywhere: ["b.test"] });
    expect(out.data.resolvers[0]!.state).toBe("name_failures");
    const b = out.data.resolvers[0]!.results.find((r) => r.hostName === "b.test")!;
    expect(b).toMatchObject({ rawCode: "ESERVFAIL", status: "Error_HostNameNotResolved" });
  });

  test("NXDOMAIN and NODATA are told apart", async () => {
    const c = await stub({ perName: { "a.test": "nxdomain", "b.test": "empty" } });
    const out = await runDns([c.address], []);
    expect(codesOf(out).sort()).toEqual(["NAME_NODATA", "NAME_NXDOMAIN"]);
    expect(out.data.resolvers[0]!.results.map((r) => r.rawCode).sort()).toEqual(["ENODATA", "ENOTFOUND"]);
  });

  test("slow resolver (600 ms) → DNS_SLOW warn with the median", async () => {
    const c = await stub({ behaviour: { delayMs: 600 } });
    const out = await runDns([c.address], []);
    expect(out.status).toBe("warn");
    expect(codesOf(out)).toEqual(["DNS_SLOW"]);
    expect(out.data.resolvers[0]!.medianResponseMs).toBeGreaterThanOrEqual(590);
  });

  test("two resolvers disagree: NXDOMAIN at one, and different addresses", async () => {
    const c = await stub({ perName: { "b.test": "nxdomain" } });
    const p = await stub({ records: { "a.test": { A: ["10.2.0.1"] }, "b.test": { A: ["10.1.0.2"] } } });
    const out = await runDns([c.address], [p.address]);
    expect(out.status).toBe("warn");
    expect(codesOf(out).sort()).toEqual(["NAME_NXDOMAIN", "RESOLVERS_DISAGREE"]);
    expect(out.data.summary.namesFailingSomewhere).toEqual(["b.test"]);
  });

  test("nothing answers (port unreachable and drops): ALL_RESOLVERS_DEAD; queries run in parallel", async () => {
    const dropA = await stub({ behaviour: "drop" });
    const dropB = await stub({ behaviour: "drop" });
    const t0 = performance.now();
    const out = await runDns([await closedUdpPort(), dropA.address], [dropB.address]);
    // Sequential would be ≥ 2 servers × 2 names × ~5 s; parallel is one timeout.
    expect(performance.now() - t0).toBeLessThan(7000);
    expect(out.data.summary).toMatchObject({ configured: "dead", public: "dead", anyResolverReplied: false });
    expect(codesOf(out)).toContain("ALL_RESOLVERS_DEAD");
    expect(out.data.resolvers[0]!.results[0]!.rawCode).toBe("ECONNREFUSED");
  });

  test("no resolver in resolv.conf → NO_RESOLVER_CONFIGURED; unusable entries are listed, not asked", async () => {
    const p = await stub();
    const out = await runDns(["fe80::1%eth0"], [p.address]);
    expect(codesOf(out)).toEqual(["NO_RESOLVER_CONFIGURED"]);
    expect(out.data.ignoredResolvers).toEqual(["fe80::1%eth0"]);
  });

  test("abort cancels the pending queries (the work, not just the wait)", async () => {
    const c = await stub({ behaviour: "drop" });
    const ac = new AbortController();
    const t0 = performance.now();
    const p = runDns([c.address], [], ac.signal);
    setTimeout(() => ac.abort(), 100);
    const out = await p;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(out.data.resolvers[0]!.results.every((r) => r.rawCode === "ECANCELLED")).toBe(true);
  });

  test("relay alive, upstream dead: names time out, the control questions are answered → alive, RESOLVER_UPSTREAM_FAILING", async () => {
    const relay = await stub({ behaviour: "drop", perName: { localhost: "answer", "version.bind": "refused" } });
    const out = await runDns([relay.address], []);
    const r = out.data.resolvers[0]!;
    expect(r).toMatchObject({ role: "configured", state: "dead", alive: true });
    expect(r.results.every((x) => x.outcome === "timeout" && x.rcode === undefined)).toBe(true);
    expect(r.control).toEqual([
      { query: "localhost. IN A", outcome: "reply", rcode: "NXDOMAIN", responseTimeMs: expect.any(Number) },
      { query: "version.bind. CH TXT", outcome: "reply", rcode: "REFUSED", responseTimeMs: expect.any(Number) },
    ]);
    expect(codesOf(out)).toContain("RESOLVER_UPSTREAM_FAILING");
  });

  test("REFUSED, SERVFAIL and a timeout are three different things; a refusal proves the server alive", async () => {
    const [refusing, failing, silent] = [await stub({ behaviour: "refused" }), await stub({ behaviour: "servfail" }), await stub({ behaviour: "drop" })];
    const out = await runDns([refusing.address, failing.address, silent.address], []);
    const [r, f, d] = out.data.resolvers;
    expect(r!.results.map((x) => [x.outcome, x.rcode])).toEqual([["refused", "REFUSED"], ["refused", "REFUSED"]]);
    expect(f!.results.map((x) => [x.outcome, x.rcode])).toEqual([["servfail", "SERVFAIL"], ["servfail", "SERVFAIL"]]);
    expect(d!.results.map((x) => [x.outcome, x.rcode])).toEqual([["timeout", undefined], ["timeout", undefined]]);
    expect([r!.alive, f!.alive, d!.alive]).toEqual([true, true, false]);
    expect(d!.control?.map((c) => c.outcome)).toEqual(["timeout", "timeout"]);
  });

  test("a closed port: control questions get ICMP port unreachable, the server is not alive", async () => {
    const out = await runDns([await closedUdpPort()], []);
    const r = out.data.resolvers[0]!;
    expect(r.alive).toBe(false);
    expect(r.control?.map((c) => [c.outcome, c.errorCode])).toEqual([["unreachable", "ECONNREFUSED"], ["unreachable", "ECONNREFUSED"]]);
  });

  test("public resolvers get no control questions", async () => {
    const p = await stub();
    const out = await runDns([], [p.address]);
    expect(out.data.resolvers[0]).toMatchObject({ role: "public", alive: true });
    expect(out.data.resolvers[0]!.control).toBeUndefined();
    expect(p.queries).toBe(4);
  });

  test("DHCP hands out a working resolver the host does not use: asked as `offered`", async () => {
    const [dead, offered] = [await stub({ behaviour: "drop" }), await stub()];
    const { ctx } = testCheckContext({ names: ["a.test"], publicResolvers: [] }, { system: fakeSystem({ resolvers: async () => [dead.address] }) });
    ctx.earlier.dhcp = dhcpStep([offered.address, "192.0.2.0/24-not-a-server"], [offered.address]);
    const out = measured(await dnsCheck.run(ctx, AbortSignal.timeout(10_000)));
    expect(out.data.dhcpResolvers).toEqual([offered.address, "192.0.2.0/24-not-a-server"]);
    expect(out.data.resolvers.map((r) => [r.server, r.role, r.state, r.offeredBy])).toEqual([
      [dead.address, "configured", "dead", undefined],
      [offered.address, "offered", "answering", ["lease", "offer"]],
    ]);
    expect(out.data.summary).toMatchObject({ configured: "dead", offered: "ok" });
    expect(codesOf(out)).toContain("RESOLVERS_DIFFER_FROM_DHCP");
  });

  test("DHCP hands out the configured resolver: no extra server, the configured one says where DHCP named it", async () => {
    const c = await stub();
    const { ctx } = testCheckContext({ names: ["a.test"], publicResolvers: [] }, { system: fakeSystem({ resolvers: async () => [c.address] }) });
    ctx.earlier.dhcp = dhcpStep([c.address], []);
    const out = measured(await dnsCheck.run(ctx, AbortSignal.timeout(10_000)));
    expect(out.data.resolvers.map((r) => [r.role, r.offeredBy])).toEqual([["configured", ["lease"]]]);
    expect(out.data.summary.offered).toBe("none");
    expect(codesOf(out)).not.toContain("RESOLVERS_DIFFER_FROM_DHCP");
  });

  test("without a dhcp step, what DHCP hands out is not measured", async () => {
    const c = await stub();
    const out = await runDns([c.address], []);
    expect(out.data.dhcpResolvers).toBeUndefined();
    expect(out.data.summary.offered).toBeUndefined();
  });
});

describe("dns waits for the dhcp step mid-run, not before it starts", () => {
  test("the names are asked at once; the resolver DHCP offers is asked when the dhcp step lands", async () => {
    const [configured, offered] = [await stub(), await stub()];
    let release: () => void = () => undefined;
    const dhcpDone = new Promise<void>((r) => (release = r));
    const slowDhcp = defineCheck({
      id: "dhcp",
      title: "a dhcp step that lands when the test says",
      timeoutMs: 10_000,
      async run() {
        await dhcpDone;
        const { status, findings, data } = dhcpStep([], [offered.address]);
        return { status, findings, data } as CheckOutcome<"dhcp">;
      },
    });
    const { ctx } = testCheckContext({ names: ["a.test"], publicResolvers: [] }, { system: fakeSystem({ resolvers: async () => [configured.address] }) });
    const { earlier: _unused, ...base } = ctx;
    const run = runPlan({ checks: [slowDhcp, dnsCheck], ctx: base, signal: AbortSignal.timeout(20_000) });
    // The configured resolver hears the names and the control questions while dhcp is still running.
    await expect.poll(() => configured.queries).toBe(4);
    expect(offered.queries).toBe(0);
    release();
    const steps = await run;
    const dns = steps.find((s) => s.check === "dns")!;
    if (!isMeasured(dns, "dns")) throw new Error(`dns not measured: ${JSON.stringify(dns)}`);
    expect(dns.data.resolvers.map((r) => [r.server, r.role])).toEqual([[configured.address, "configured"], [offered.address, "offered"]]);
    expect(offered.queries).toBe(4);
  });
});

/** A measured dhcp step whose lease lists `lease` and whose one OFFER lists `offer` as DNS servers. */
function dhcpStep(lease: string[], offer: string[]): StepResultOf<"dhcp"> {
  const answer = { type: "OFFER" as const, DHCPServer: "10.0.0.1", from: "10.0.0.1", IPAddress: "10.0.0.50", IPRouters: ["10.0.0.1"], DNSServers: offer, receivedAfterMs: 3 };
  return {
    check: "dhcp",
    status: "ok",
    startedAt: 0,
    durationMs: 1,
    findings: [],
    data: {
      interface: "eth0",
      lease: { DHCPStatus: "Bound", IPAddress: "10.0.0.50", IPRouters: ["10.0.0.1"], DNSServers: lease, source: "dhclient" },
      leaseLookedAt: [],
      probe: { chaddr: "02:00:00:00:00:01", discoverSent: true, offers: offer.length ? [answer] : [], servers: offer.length ? ["10.0.0.1"] : [], sendErrors: [], malformedReplies: 0 },
    },
  };
}

describe("control question packets", () => {
  test("encodeQuery builds what dns-packet reads as the same question", () => {
    const q = dnsPacket.decode(encodeQuery(0x1234, "version.bind", 16, 3));
    expect(q).toMatchObject({ id: 0x1234, type: "query", flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: "version.bind", type: "TXT", class: "CH" }] });
  });
  test.each([
    [0, "NOERROR"], [2, "SERVFAIL"], [3, "NXDOMAIN"], [4, "NOTIMP"], [5, "REFUSED"], [9, "OTHER"],
  ] as const)("reply rcode %d → %s", (n, name) => {
    const reply = dnsPacket.encode({ type: "response", id: 7, flags: n, questions: [{ type: "A", name: "localhost" }] });
    expect(parseReplyHeader(reply)).toEqual({ id: 7, rcode: name });
  });
  test("a query or a runt is not a reply", () => {
    expect(parseReplyHeader(encodeQuery(1, "localhost", 1, 1))).toBeUndefined();
    expect(parseReplyHeader(Buffer.alloc(5))).toBeUndefined();
  });
  test.each([
    ["10.0.0.1", { host: "10.0.0.1", port: 53 }],
    ["127.0.0.1:5353", { host: "127.0.0.1", port: 5353 }],
    ["[::1]:5353", { host: "::1", port: 5353 }],
    ["fd00::53", { host: "fd00::53", port: 53 }],
  ])("splitServer(%s)", (s, expected) => expect(splitServer(s)).toEqual(expected));
});
