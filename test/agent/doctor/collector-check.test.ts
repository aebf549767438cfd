// doctor's collector and clock checks against real servers on loopback: a plain collector, an https
// collector with a CA made at test time (pinned, another CA pinned, nothing pinned, a pin that is no
// certificate, a pin that has expired by the agent's clock), a closed port, and a server that is not
// a collector. No credential is sent: only GET /healthz.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assessClock } from "../../../agent/doctor/clock-check.js";
import { checkCollector } from "../../../agent/doctor/collector-check.js";
import type { AgentIdentity } from "../../../agent/config.js";
import { makeTestPki, type TestPki } from "../../helpers/certs.js";
import { startTestCollector, type TestCollector } from "../../helpers/collector.js";

const identity = (collectorUrl: string, extra: Partial<AgentIdentity> = {}): AgentIdentity => ({ collectorUrl, agentId: "ag_doctortest01", secret: "nds_not-sent", insecure: false, ...extra });
const check = (id: AgentIdentity | undefined, now = Date.now) => checkCollector(id, { now, signal: AbortSignal.timeout(20_000) });

describe("a plain collector on loopback", () => {
  let col: TestCollector;
  let requests: string[];
  beforeAll(async () => {
    col = await startTestCollector();
  });
  afterAll(async () => col?.close());

  test("answers: fine, and its Date header sets the clock check", async () => {
    const r = await check(identity(col.url));
    expect(r.finding).toMatchObject({ status: "ok", code: "COLLECTOR_LOOPBACK_PLAIN" });
    expect(assessClock(r.answeredAt!, r.date)).toMatchObject({ status: "ok", code: "CLOCK_OK" });
  });

  test("a clock 10 minutes ahead of the collector's is found", async () => {
    const r = await check(identity(col.url), () => Date.now() + 10 * 60_000);
    expect(assessClock(r.answeredAt!, r.date)).toMatchObject({ status: "fail", code: "CLOCK_SKEWED", vars: { minutes: 10 } });
  });

  test("not enrolled: nothing to reach", async () => {
    expect((await check(undefined)).finding).toMatchObject({ status: "fail", code: "NOT_ENROLLED" });
  });

  test("a closed port: unreachable, with the error", async () => {
    // A port that was just free: bound, then released.
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const r = await check(identity(`http://127.0.0.1:${port}`));
    expect(r.finding).toMatchObject({ status: "fail", code: "COLLECTOR_UNREACHABLE", vars: { error: "ECONNREFUSED" } });
    expect(r.date).toBeUndefined();
  });

  test("something else answering on that address (a proxy's page): an HTTP error, and only /healthz was asked", async () => {
    requests = [];
    const s: Server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? "no-auth"}`);
      res.writeHead(302, { location: "http://login.example/" }).end();
    });
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    try {
      const r = await check(identity(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
      expect(r.finding).toMatchObject({ status: "fail", code: "COLLECTOR_HTTP_ERROR", vars: { status: 302 } });
      expect(requests).toEqual(["GET /healthz no-auth"]);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});

describe("an https collector", () => {
  let pki: TestPki;
  let col: TestCollector;
  beforeAll(async () => {
    pki = await makeTestPki();
    col = await startTestCollector({ tlsCert: pki.serverCert, tlsKey: pki.serverKey });
  });
  afterAll(async () => {
    await col?.close();
    await pki?.close();
  });

  test("with its CA pinned: reachable and pinned", async () => {
    expect((await check(identity(col.url, { caPem: pki.caPem }))).finding).toMatchObject({ status: "ok", code: "COLLECTOR_PINNED" });
  });

  test("with another CA pinned: not trusted, yet the clock can still be compared", async () => {
    const r = await check(identity(col.url, { caPem: pki.otherCaPem }));
    expect(r.finding).toMatchObject({ status: "fail", code: "COLLECTOR_CERT_UNTRUSTED" });
    expect(assessClock(r.answeredAt!, r.date).code).toBe("CLOCK_OK");
  });

  test("with nothing pinned (a private CA the system does not know): not trusted", async () => {
    expect((await check(identity(col.url))).finding).toMatchObject({ status: "fail", code: "COLLECTOR_CERT_UNTRUSTED" });
  });

  test("a pin that is not a certificate", async () => {
    expect((await check(identity(col.url, { caPem: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" }))).finding).toMatchObject({ status: "fail", code: "COLLECTOR_PIN_INVALID" });
  });

  test("a pinned certificate past its end (the test CA lives 2 days; the agent's clock says a year later)", async () => {
    const r = await check(identity(col.url, { caPem: pki.caPem }), () => Date.now() + 365 * 86_400_000);
    expect(r.finding).toMatchObject({ status: "fail", code: "COLLECTOR_PIN_EXPIRED" });
  });
});
