// Device secrets never leave the agent: the scrubber replaces every configured secret value anywhere
// in an outgoing event, and the executor applies it to every event it emits.
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { makeScrubber, REDACTED, scrubberFor, secretsOf } from "../../../agent/consent/scrub.js";
import { isSecretKey, TOO_DEEP } from "../../../shared/secret-scrub.js";
import { AgentConfig } from "../../../agent/config.js";
import { RunExecutor } from "../../../agent/run-executor.js";
import { memoryLogger } from "../../../shared/log.js";
import { RunEvent } from "../../../shared/protocol.js";

describe("scrubber", () => {
  const config = AgentConfig.parse({
    identity: { collectorUrl: "http://127.0.0.1:1", agentId: "agt_1", secret: "agent-secret-XYZ" },
    targets: {
      anchors: ["127.0.0.1"],
      snmp: [
        { host: "10.0.0.1", version: "2c", community: "c0mmunity" },
        { host: "10.0.0.2", version: "3", user: "u", authKey: "authkey-123", privKey: "privkey-456" },
      ],
      routeros: [{ host: "10.0.0.3", user: "admin", password: "r0uterpass" }],
    },
  });

  test("collects every configured secret", () => {
    expect(secretsOf(config).sort()).toEqual(["agent-secret-XYZ", "authkey-123", "c0mmunity", "privkey-456", "r0uterpass"]);
  });

  test("replaces secrets in nested values, arrays, keys and messages; leaves structure alone", () => {
    const scrub = makeScrubber(secretsOf(config));
    // A valid snmp step (the scrubbed copy must still parse), with secrets echoed in free-text fields.
    const ev = {
      type: "step",
      runId: "run_aaaaaa",
      seq: 1,
      at: 1,
      result: {
        check: "snmp",
        status: "fail",
        startedAt: 1,
        durationMs: 1,
        findings: [{ code: "SNMP_AUTH_FAILED", severity: "fail", message: "device said: bad community c0mmunity" }],
        data: { devices: [{ host: "10.0.0.1", port: 161, version: "2c", reach: "answered", error: "login r0uterpass ok", system: { sysDescr: "x-authkey-123-privkey-456" }, interfaces: [{ ifIndex: 1, ifAlias: "c0mmunity" }] }] },
      },
    };
    expect(RunEvent.safeParse(ev).success).toBe(true);
    const out = scrub(ev);
    const text = JSON.stringify(out);
    for (const s of secretsOf(config)) expect(text).not.toContain(s);
    expect(out.result.findings[0]!.message).toBe(`device said: bad community ${REDACTED}`);
    expect(out.result.data.devices[0]!.system.sysDescr).toBe(`x-${REDACTED}-${REDACTED}`);
    expect(RunEvent.safeParse(out).success).toBe(true);
    expect(ev.result.data.devices[0]!.error).toBe("login r0uterpass ok"); // input not mutated
    // Keys too (no step schema has free-form keys today, but the scrubber does not rely on that).
    expect(scrub({ ["k-c0mmunity"]: 1, list: ["r0uterpass"] })).toEqual({ [`k-${REDACTED}`]: 1, list: [REDACTED] });
  });

  test("a secret that is also a protocol word (community \"public\") leaves the step's shape intact", () => {
    // Found in the lab: the collector refused the scrubbed dns step (role and summary key "public" were
    // redacted) and blocked the agent for repeated protocol violations.
    const weak = AgentConfig.parse({ targets: { anchors: ["127.0.0.1"], snmp: [{ host: "10.0.0.1", version: "2c", community: "public" }] } });
    const resolver = (server: string, role: "configured" | "public") => ({ server, role, state: "answering", results: [{ hostName: "a.test", dnsServerIP: server, status: "Success", outcome: "answer", ipAddresses: ["10.1.0.1"] }] });
    const ev = {
      type: "step",
      runId: "run_aaaaaa",
      seq: 1,
      at: 1,
      result: {
        check: "dns",
        status: "warn",
        startedAt: 1,
        durationMs: 1,
        findings: [{ code: "PUBLIC_RESOLVER_DEAD", severity: "warn", message: "public resolver 10.0.0.9 did not serve any query", subject: "10.0.0.9" }],
        data: { names: ["a.test"], configuredSource: "system", resolvers: [resolver("10.0.0.1", "configured"), resolver("10.0.0.9", "public")], ignoredResolvers: [], summary: { configured: "ok", public: "partial", anyResolverReplied: true, namesFailingEverywhere: [], namesFailingSomewhere: [] } },
      },
    };
    expect(RunEvent.safeParse(ev).success).toBe(true);
    const out = scrubberFor(weak)(ev as RunEvent) as typeof ev;
    expect(RunEvent.safeParse(out).success).toBe(true);
    expect(out.result.data.resolvers[1]!.role).toBe("public");
    expect(out.result.data.summary.public).toBe("partial");
    expect(out.result.findings[0]!.message).toBe(`${REDACTED} resolver 10.0.0.9 did not serve any query`);
    // Without the schema, the old blind walk breaks the step (what the collector refused).
    expect(RunEvent.safeParse(makeScrubber(["public"])(ev)).success).toBe(false);
  });

  test("a redacted value stays within its field's length bound", () => {
    const ev = { type: "run.refused", runId: "run_aaaaaa", seq: 1, at: 1, code: "REFUSED", reason: "ab ".repeat(333) };
    const out = scrubberFor(AgentConfig.parse({ targets: { anchors: ["127.0.0.1"], routeros: [{ host: "10.0.0.3", user: "u", password: "ab" }] } }))(ev as RunEvent);
    expect(RunEvent.safeParse(out).success).toBe(true);
    expect(JSON.stringify(out)).not.toContain("ab ");
  });

  test("the executor scrubs every event it emits (a secret planted in a real step's data)", async () => {
    // Plant the secret where a real check will echo it: the RouterOS password equals the ping
    // anchor, so the real ping step's data contains it verbatim.
    const planted = AgentConfig.parse({ ...config, targets: { ...config.targets, routeros: [{ host: "10.0.0.3", user: "admin", password: "127.0.0.1" }] } });
    const events: RunEvent[] = [];
    const ex = new RunExecutor({
      deps: { config: planted, log: memoryLogger() },
      log: memoryLogger(),
      emit: async (ev) => void events.push(ev),
      authorize: async () => ({ ok: true }),
    });
    await ex.handle({ type: "run.request", runId: "run_scrub1", ticketId: "tkt_one", checks: ["ping"], params: {}, requestedBy: "alice", notAfter: Date.now() + 60_000 });
    const step = events.find((e) => e.type === "step");
    expect(step).toBeDefined();
    const text = JSON.stringify(step);
    expect(text).toContain(REDACTED);
    expect(text).not.toContain("127.0.0.1");
    expect(events.at(-1)).toMatchObject({ type: "run.finished", outcome: "completed" });
  });

  test("values under secret-named keys are hidden whatever the value, other keys kept", () => {
    const scrub = makeScrubber(secretsOf(config));
    const data = {
      pass: "p1", pwd: "p2", key: "p3", psk: "p4", apiKey: "p5", "X-Api-Key": "p6", wifi_psk: "p7", RouterPassword: "p8",
      snmpCommunity: "p9", auth_key: { nested: "p10" }, privKeys: ["p11"], ADMINPASSWORD: "p12", wpa2psk: "p13", token: 14,
      publicKey: "ssh-ed25519 AAAA", keyId: "k1", passed: 3, authProtocol: "sha", ssid: "home", bypass: "no", host: "10.0.0.1",
    };
    const out = scrub({ data }).data as Record<string, unknown>;
    for (const k of ["pass", "pwd", "key", "psk", "apiKey", "X-Api-Key", "wifi_psk", "RouterPassword", "snmpCommunity", "auth_key", "privKeys", "ADMINPASSWORD", "wpa2psk", "token"]) expect(out[k], k).toBe(REDACTED);
    for (const k of ["publicKey", "keyId", "passed", "authProtocol", "ssid", "bypass", "host"]) expect(out[k], k).toEqual(data[k as keyof typeof data]);
  });

  test("credential-shaped text is hidden where it appears", () => {
    const scrub = makeScrubber([]);
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
    const out = scrub({
      a: `key follows ${pem} end`,
      b: "login via https://admin:hunter2@10.0.0.1/api failed",
      c: "Authorization: Bearer ag_abcdef.s3cr3tS3cr3tS3cr3t",
      d: "token ndt_AAAABBBBCCCCDDDDEEEEFFFF used",
      e: "set wifi password=hunter3 and community: 'pub1ic' ok",
      f: "SNMP community refused; passed 3 checks",
    });
    expect(JSON.stringify(out)).not.toMatch(/MIIEow|hunter2|s3cr3t|ndt_AAAA|hunter3|pub1ic/);
    expect(out.b).toBe(`login via https://admin:${REDACTED}@10.0.0.1/api failed`);
    expect(out.e).toBe(`set wifi password=${REDACTED} and community: ${REDACTED} ok`);
    expect(out.f).toBe("SNMP community refused; passed 3 checks");
  });

  test("the config schema's secret fields are exactly the ones named like secrets", () => {
    const names = new Set<string>();
    const walk = (s: unknown): void => {
      if (Array.isArray(s)) return s.forEach(walk);
      if (s === null || typeof s !== "object") return;
      for (const [k, v] of Object.entries(s)) {
        if (k === "properties" && v && typeof v === "object") for (const name of Object.keys(v)) names.add(name);
        walk(v);
      }
    };
    walk(z.toJSONSchema(AgentConfig, { io: "input", unrepresentable: "any" }));
    expect([...names].filter(isSecretKey).sort()).toEqual(["authKey", "community", "password", "privKey", "secret"]);
  });

  test("a document nested deeper than any step result is cut off, not sent unchecked", () => {
    let deep: unknown = { password: "x", note: "r0uterpass" };
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const out = JSON.stringify(makeScrubber(secretsOf(config))({ data: deep }));
    expect(out).toContain(TOO_DEEP);
    expect(out).not.toContain("r0uterpass");
  });
});
