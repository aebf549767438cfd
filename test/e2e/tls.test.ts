// Transport security end to end, with a CA and server certificate made at test time by openssl: the
// collector serves HTTPS + wss; the real agent binary enrolls over https pinning the CA given with
// --ca and runs a check over wss. Without the CA, or with another CA, TLS verification refuses the
// collector before any credential is sent (the one-time code stays unused). Plain ws:// to a
// non-loopback address is refused unit-level (nothing is ever sent to such an address here).
import { readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { Agent, EnrollmentCreated, Run, Ticket, TokenCreated } from "../../shared/api.js";
import { memoryLogger } from "../../shared/log.js";
import { CollectorLink, InsecureTransportError } from "../../agent/link/collector-link.js";
import { MemoryOutbox } from "../../agent/link/outbox.js";
import { makeTestPki, type TestPki } from "../helpers/certs.js";
import { runBin, startBin, type Daemon } from "../helpers/cli.js";
import { startTestCollector, type TestCollector } from "../helpers/collector.js";
import { NO_OPENSSL, titled } from "../helpers/system-deps.js";

let pki: TestPki;
let col: TestCollector;
let dir: string;
let engineer: string;
let agent: Daemon | undefined;

beforeAll(async () => {
  if (NO_OPENSSL) return;
  pki = await makeTestPki();
  col = await startTestCollector({ tlsCert: pki.serverCert, tlsKey: pki.serverKey, heartbeatMs: 1000 });
  dir = await mkdtemp(join(tmpdir(), "netdiag-tls-"));
  engineer = (await col.api("/api/tokens", TokenCreated, { caPem: pki.caPem, body: { name: "alice", role: "engineer" } })).token;
});

afterAll(async () => {
  await agent?.stop();
  await col?.close();
  await pki?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!!NO_OPENSSL)(titled("https + wss with a pinned CA", NO_OPENSSL), () => {
  let code: string;
  let ticket: Ticket;
  const cfgPath = () => join(dir, "agent.json");

  test("the collector speaks only TLS on its port", async () => {
    expect(col.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(col.url.replace("https:", "http:") + "/healthz")).rejects.toThrow();
  });

  test("enrolling without the CA, or with another CA, fails TLS verification and uses up nothing", async () => {
    ticket = await col.api("/api/tickets", Ticket, { caPem: pki.caPem, token: engineer, body: { customer: { name: "Li", contact: "+86 1" }, service: "FTTH", symptom: "down" } });
    code = (await col.api("/api/enrollments", EnrollmentCreated, { caPem: pki.caPem, token: engineer, body: { ticketId: ticket.id } })).code;
    const noCa = await runBin("agent", ["enroll", "--collector", col.url, "--code", code, "--config", join(dir, "no-ca.json")]);
    expect(noCa.code).not.toBe(0);
    expect(noCa.stderr).toMatch(/certificate|self.signed|issuer/i);
    const wrongCa = await runBin("agent", ["enroll", "--collector", col.url, "--code", code, "--ca", pki.otherCaCert, "--config", join(dir, "wrong-ca.json")]);
    expect(wrongCa.code).not.toBe(0);
    expect(wrongCa.stderr).toMatch(/certificate|issuer/i);
    expect(await col.running.store.listAgents()).toHaveLength(0);
  });

  test("with --ca the agent enrolls over https (same code: the failed attempts never reached the API)", async () => {
    const r = await runBin("agent", ["enroll", "--collector", col.url, "--code", code, "--ca", pki.caCert, "--name", "li-pc", "--config", cfgPath()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const cfg = JSON.parse(await readFile(cfgPath(), "utf8"));
    expect(cfg.identity.caPem).toBe(pki.caPem);
    expect(cfg.identity.collectorUrl).toBe(col.url);
  });

  test("the agent runs over wss and a step arrives", async () => {
    const cfg = JSON.parse(await readFile(cfgPath(), "utf8"));
    const agentId: string = cfg.identity.agentId;
    // Network safety: every target is loopback.
    cfg.targets = { anchors: ["127.0.0.1"], controlHosts: ["127.0.0.1"], publicResolvers: ["127.0.0.1:9"], resolvers: ["127.0.0.1:9"], names: ["shop.test"] };
    await writeFile(cfgPath(), JSON.stringify(cfg), { mode: 0o600 });
    // The customer's consent (agent/consent): without a grant the agent would ask, not run.
    const grant = await runBin("agent", ["authorize", "--ticket", ticket.id, "--checks", "ping", "--for", "30m", "--config", cfgPath()]);
    expect(grant.stderr).toBe("");
    expect(grant.code).toBe(0);
    agent = startBin("agent", ["run", "--config", cfgPath()]);
    const agents = () => col.api("/api/agents", z.array(Agent), { caPem: pki.caPem, token: engineer });
    await expect.poll(async () => (await agents()).find((a) => a.id === agentId)?.connected, { timeout: 15_000 }).toBe(true);
    const run = await col.api("/api/runs", Run, { caPem: pki.caPem, token: engineer, body: { ticketId: ticket.id, agentId, checks: ["ping"], params: { targets: ["127.0.0.1"] } } });
    await expect.poll(async () => (await col.api(`/api/runs/${run.id}`, Run, { caPem: pki.caPem })).state, { timeout: 20_000, message: agent!.output() }).toBe("completed");
    const done = await col.api(`/api/runs/${run.id}`, Run, { caPem: pki.caPem });
    expect(done.steps.map((s) => s.result.check)).toEqual(["ping"]);
    expect(JSON.stringify(done.steps[0]!.result.data)).toMatch(/127\.0\.0\.1/);
  });
});

describe.skipIf(!!NO_OPENSSL)(titled("the agent's link refuses an unverified collector", NO_OPENSSL), () => {
  /** Starts a link and resolves with how its first attempt ended. */
  function firstAttempt(caPem: string | undefined, agentId: string, secret: string): Promise<{ opened: boolean; errors: string[] }> {
    const log = memoryLogger();
    return new Promise((resolve) => {
      let opened = false;
      const link = new CollectorLink({
        collectorUrl: col.url,
        agentId,
        secret,
        ...(caPem ? { caPem } : {}),
        outbox: new MemoryOutbox(),
        log,
        onFrame: () => undefined,
        onState: (s) => {
          if (s === "open") opened = true;
          if (s === "closed") void link.stop().then(() => resolve({ opened, errors: log.lines.map((l) => String(l.fields.error ?? "")) }));
        },
      });
      link.start();
    });
  }

  test.each([
    ["no CA (system trust store)", () => undefined],
    ["another CA", () => pki.otherCaPem],
  ])("%s: the TLS handshake fails, no credential reaches the collector", async (_n, ca) => {
    const auditBefore = (await col.running.store.listAudit({ action: "agent.connect", limit: 1000 })).length;
    const r = await firstAttempt(ca(), "ag_nobody1", "x".repeat(40));
    expect(r.opened).toBe(false);
    expect(r.errors.join(" ")).toMatch(/certificate|issuer/i);
    // A handshake that reached the upgrade handler with a bad credential would have been audited.
    expect((await col.running.store.listAudit({ action: "agent.connect", limit: 1000 })).length).toBe(auditBefore);
  });

  test("with the right CA the same link completes the handshake (and is refused only for its fake credential)", async () => {
    const r = await firstAttempt(pki.caPem, "ag_nobody1", "x".repeat(40));
    expect(r.opened).toBe(false);
    expect(r.errors.join(" ")).not.toMatch(/certificate|issuer/i);
    const audit = await col.running.store.listAudit({ action: "agent.connect", agentId: "ag_nobody1" });
    expect(audit.some((a) => a.outcome === "denied" && a.detail?.reason === "unknown agent")).toBe(true);
  });

  test("plain ws:// to a non-loopback collector is refused without --insecure (constructed, never started)", () => {
    const base = { agentId: "ag_x12345", secret: "s".repeat(40), outbox: new MemoryOutbox(), log: memoryLogger(), onFrame: () => undefined };
    for (const url of ["http://10.20.30.40:8080", "ws://collector.example.net", "http://[fd00::1]:8080"]) {
      expect(() => new CollectorLink({ ...base, collectorUrl: url }), url).toThrow(InsecureTransportError);
      // Only a deliberate --insecure allows it (the link is not started: nothing is sent anywhere).
      expect(() => new CollectorLink({ ...base, collectorUrl: url, insecure: true })).not.toThrow();
    }
    for (const url of ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2", "https://collector.example.net"]) {
      expect(() => new CollectorLink({ ...base, collectorUrl: url }), url).not.toThrow();
    }
  });
});
