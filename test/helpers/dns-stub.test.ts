// The DNS stub answers like a real server: each behaviour seen through node:dns (c-ares) and over TCP.
import { once } from "node:events";
import { promises as dns } from "node:dns";
import net from "node:net";
import * as dnsPacket from "dns-packet";
import { afterEach, describe, expect, test } from "vitest";
import { startDnsStub, type DnsStub } from "./dns-stub.js";

let stub: DnsStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function resolverFor(s: DnsStub, timeoutMs = 300): dns.Resolver {
  const r = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
  r.setServers([s.address]);
  return r;
}

const errCode = (p: Promise<unknown>) => p.then(() => "OK", (e: NodeJS.ErrnoException) => e.code);

describe("dns stub over UDP", () => {
  test("answers A and AAAA from the table and counts queries", async () => {
    stub = await startDnsStub({ records: { "svc.test": { A: ["10.0.0.1", "10.0.0.2"], AAAA: ["fd00::1"] } } });
    const r = resolverFor(stub);
    expect((await r.resolve4("svc.test")).sort()).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(await r.resolve6("SVC.test")).toEqual(["fd00::1"]);
    expect(stub.queries).toBe(2);
  });

  test.each([
    ["nxdomain", "ENOTFOUND"],
    ["servfail", "ESERVFAIL"],
    ["refused", "EREFUSED"],
    ["empty", "ENODATA"],
    ["drop", "ETIMEOUT"],
  ] as const)("behaviour %s gives %s", async (behaviour, code) => {
    stub = await startDnsStub({ records: { "svc.test": { A: ["10.0.0.1"] } }, behaviour });
    expect(await errCode(resolverFor(stub).resolve4("svc.test"))).toBe(code);
  });

  test("unknown names are NXDOMAIN under the answer behaviour", async () => {
    stub = await startDnsStub({ records: {} });
    expect(await errCode(resolverFor(stub).resolve4("nope.test"))).toBe("ENOTFOUND");
  });

  test("per-name behaviour overrides the default, and setBehaviour changes it live", async () => {
    stub = await startDnsStub({ records: { "a.test": { A: ["10.0.0.1"] }, "b.test": { A: ["10.0.0.2"] } }, perName: { "b.test": "servfail" } });
    const r = resolverFor(stub);
    expect(await r.resolve4("a.test")).toEqual(["10.0.0.1"]);
    expect(await errCode(r.resolve4("b.test"))).toBe("ESERVFAIL");
    stub.setBehaviour("default", "refused");
    stub.setBehaviour("b.test", "answer");
    expect(await errCode(r.resolve4("a.test"))).toBe("EREFUSED");
    expect(await r.resolve4("b.test")).toEqual(["10.0.0.2"]);
  });

  test("delay holds the answer back at least that long", async () => {
    stub = await startDnsStub({ records: { "a.test": { A: ["10.0.0.1"] } }, behaviour: { delayMs: 150 } });
    const t0 = performance.now();
    expect(await resolverFor(stub, 2000).resolve4("a.test")).toEqual(["10.0.0.1"]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  test("delay then a fault code", async () => {
    stub = await startDnsStub({ behaviour: { delayMs: 20, then: "servfail" } });
    expect(await errCode(resolverFor(stub, 2000).resolve4("a.test"))).toBe("ESERVFAIL");
  });
});

describe("dns stub over TCP", () => {
  test("answers a length-prefixed query on the same port", async () => {
    stub = await startDnsStub({ records: { "a.test": { A: ["10.0.0.7"] } } });
    const sock = net.connect(stub.port, stub.host);
    try {
      await once(sock, "connect");
      sock.write(dnsPacket.streamEncode({ type: "query", id: 42, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name: "a.test" }] }));
      let buf = Buffer.alloc(0);
      for await (const chunk of sock) {
        buf = Buffer.concat([buf, chunk as Buffer]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) break;
      }
      const reply = dnsPacket.streamDecode(buf);
      expect(reply.id).toBe(42);
      expect(reply.answers?.map((a) => (a as { data: string }).data)).toEqual(["10.0.0.7"]);
    } finally {
      sock.destroy();
    }
  });
});
