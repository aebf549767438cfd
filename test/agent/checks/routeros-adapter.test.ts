// The real node-routeros client, through the adapter, against the wire-protocol simulator on loopback.
// Every test also asserts that no uncaught exception or unhandled rejection happened meanwhile.
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { connectRouterOs, rosApiOptions, type RosConnectOptions, type RosSession } from "../../../agent/checks/routeros/adapter.js";
import { startRouterosSim, type RouterosSim, type SimOptions } from "../../helpers/routeros-sim.js";
import { NO_OPENSSL, titled } from "../../helpers/system-deps.js";

const PASSWORD = "s3cret";
let uncaught: unknown[] = [];
const onUncaught = (e: unknown) => void uncaught.push(e);
const sims: RouterosSim[] = [];
const sessions: RosSession[] = [];

beforeEach(() => {
  uncaught = [];
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
});
afterEach(async () => {
  sessions.splice(0).forEach((s) => s.close());
  await Promise.all(sims.splice(0).map((s) => s.close()));
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
  expect(uncaught).toEqual([]);
});

async function sim(opts: SimOptions = {}): Promise<RouterosSim> {
  const s = await startRouterosSim({ password: PASSWORD, ...opts });
  sims.push(s);
  return s;
}

function opts(s: RouterosSim, over: Partial<RosConnectOptions> = {}): RosConnectOptions {
  return { host: s.host, port: s.port, tls: false, user: "admin", password: PASSWORD, signal: new AbortController().signal, ...over };
}

async function session(s: RouterosSim, over: Partial<RosConnectOptions> = {}): Promise<RosSession> {
  const r = await connectRouterOs(opts(s, over));
  if (!r.ok) throw new Error(`connect failed: ${r.error.code} ${r.error.message}`);
  sessions.push(r.value);
  return r.value;
}

describe("routeros adapter", () => {
  test("healthy router: login and rows as string records", async () => {
    const s = await sim();
    const ros = await session(s);
    const r = await ros.print("/system/resource/print");
    expect(r).toMatchObject({ ok: true, value: [{ version: "7.18.2 (stable)", "cpu-load": "3", uptime: "2w3d4h5m6s" }] });
    const ifs = await ros.print("/interface/print");
    expect(ifs.ok && ifs.value.map((i) => i.name)).toEqual(["ether1", "ether2", "bridge"]);
    expect(s.received[0]).toEqual(expect.arrayContaining(["/login", "=name=admin", `=password=${PASSWORD}`]));
  });

  test("7.18+ `!empty` settles with [] and the connection stays usable", async () => {
    const s = await sim({ mode: "7.18" });
    const ros = await session(s);
    expect(await ros.print("/ip/route/print", ["?dst-address=198.51.100.0/24"])).toEqual({ ok: true, value: [] });
    expect(await ros.print("/ip/route/print", ["?dst-address=0.0.0.0/0"])).toMatchObject({ ok: true, value: [{ gateway: "203.0.113.1" }] });
  });

  test("legacy empty result (`!done` only) also settles with []", async () => {
    const s = await sim({ mode: "legacy" });
    const ros = await session(s);
    expect(await ros.print("/ip/route/print", ["?dst-address=198.51.100.0/24"])).toEqual({ ok: true, value: [] });
  });

  test("`!trap` on a bad command is ROUTEROS_TRAP with the router's message; the session survives", async () => {
    const s = await sim();
    const ros = await session(s);
    expect(await ros.print("/no/such/thing")).toEqual({ ok: false, error: { code: "ROUTEROS_TRAP", message: "no such command prefix" } });
    expect(await ros.print("/interface/ethernet/monitor", { numbers: "ether9", once: "" })).toMatchObject({ ok: false, error: { code: "ROUTEROS_TRAP", message: "no such item" } });
    expect((await ros.print("/system/resource/print")).ok).toBe(true);
  });

  test("wrong password is ROUTEROS_AUTH_FAILED and the password is not in the error", async () => {
    const s = await sim();
    const r = await connectRouterOs(opts(s, { password: "wrong-pass-123" }));
    expect(r).toMatchObject({ ok: false, error: { code: "ROUTEROS_AUTH_FAILED" } });
    expect(JSON.stringify(r)).not.toContain("wrong-pass-123");
  });

  test("connection refused (closed port) is ROUTEROS_UNREACHABLE", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const r = await connectRouterOs({ host: "127.0.0.1", port, tls: false, user: "admin", password: "x", signal: new AbortController().signal });
    expect(r).toMatchObject({ ok: false, error: { code: "ROUTEROS_UNREACHABLE", message: expect.stringContaining("ECONNREFUSED") } });
  });

  test("idle socket timeout (SOCKTMOUT) is data, not an uncaught exception", async () => {
    const s = await sim();
    const closed = s.nextDisconnect();
    const ros = await session(s, { idleTimeoutMs: 200 });
    await closed; // the library's idle timer fired and destroyed the socket
    expect(await ros.print("/interface/print")).toMatchObject({ ok: false, error: { code: "ROUTEROS_TIMEOUT", message: "socket idle timeout" } });
  });

  test.each([
    ["reset", "ROUTEROS_FATAL", "connection lost"],
    ["drop", "ROUTEROS_FATAL", "closed the connection"],
    ["fatal", "ROUTEROS_FATAL", "session terminated on request"],
    ["garbage", "ROUTEROS_FATAL", "protocol error"],
  ] as const)("router %s during a command settles as %s", async (action, code, text) => {
    const s = await sim({ misbehave: { on: "/interface/print", action } });
    const ros = await session(s);
    const r = await ros.print("/interface/print");
    expect(r).toMatchObject({ ok: false, error: { code, message: expect.stringContaining(text) } });
    // Later calls fail fast with the same error instead of hanging on a dead socket.
    expect(await ros.print("/system/resource/print")).toEqual(r);
  });

  test("reset before login is ROUTEROS_UNREACHABLE", async () => {
    const s = await sim({ misbehave: { on: "/login", action: "reset" } });
    expect(await connectRouterOs(opts(s))).toMatchObject({ ok: false, error: { code: "ROUTEROS_UNREACHABLE" } });
  });

  test("a router that accepts but never answers the login times out within the connect budget", async () => {
    const s = await sim({ misbehave: { on: "connect", action: "stall" } });
    const t0 = performance.now();
    const r = await connectRouterOs(opts(s, { connectTimeoutMs: 300 }));
    const ms = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, error: { code: "ROUTEROS_TIMEOUT" } });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(1500);
  });

  test("a stalled command times out within the command budget and closes the connection", async () => {
    const s = await sim({ misbehave: { on: "/ping", action: "stall" } });
    const ros = await session(s, { commandTimeoutMs: 300 });
    const closed = s.nextDisconnect();
    const t0 = performance.now();
    const r = await ros.print("/ping", { address: "198.18.0.10", count: "3" });
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(r).toMatchObject({ ok: false, error: { code: "ROUTEROS_TIMEOUT" } });
    await closed;
  });

  test("aborting the signal ends a pending command at once and closes the connection", async () => {
    const s = await sim({ misbehave: { on: "/log/print", action: "stall" } });
    const ac = new AbortController();
    const ros = await session(s, { signal: ac.signal });
    const closed = s.nextDisconnect();
    const pending = ros.print("/log/print");
    ac.abort();
    expect(await pending).toMatchObject({ ok: false, error: { code: "ROUTEROS_TIMEOUT", message: expect.stringContaining("cancelled") } });
    await closed;
  });

  test("an already-aborted signal does not connect", async () => {
    const s = await sim();
    const ac = new AbortController();
    ac.abort();
    expect(await connectRouterOs(opts(s, { signal: ac.signal }))).toMatchObject({ ok: false, error: { code: "ROUTEROS_TIMEOUT" } });
    expect(s.received).toEqual([]);
  });
});

describe.skipIf(!!NO_OPENSSL)(titled("routeros adapter over TLS (api-ssl)", NO_OPENSSL), () => {
  test("pinned SHA-256 fingerprint: accepted", async () => {
    const s = await sim({ tls: true });
    const ros = await session(s, { tls: true, fingerprint256: s.fingerprint256! });
    expect(await ros.print("/system/resource/print")).toMatchObject({ ok: true });
  });

  test("pinned fingerprint in lower case without colons also matches", async () => {
    const s = await sim({ tls: true });
    const ros = await session(s, { tls: true, fingerprint256: s.fingerprint256!.replaceAll(":", "").toLowerCase() });
    expect((await ros.print("/system/resource/print")).ok).toBe(true);
  });

  test("wrong fingerprint: refused before any credential is sent", async () => {
    const s = await sim({ tls: true });
    const r = await connectRouterOs(opts(s, { tls: true, fingerprint256: "AA:".repeat(31) + "AA" }));
    expect(r).toMatchObject({ ok: false, error: { code: "ROUTEROS_AUTH_FAILED", message: expect.stringContaining("pinned fingerprint") } });
    expect(s.received).toEqual([]);
  });

  test("CA verification: the router's own certificate as CA is accepted", async () => {
    const s = await sim({ tls: true });
    const ros = await session(s, { tls: true, ca: s.certPem! });
    expect((await ros.print("/interface/print")).ok).toBe(true);
  });

  test("CA verification: a self-signed certificate without a pin is refused", async () => {
    const s = await sim({ tls: true });
    const r = await connectRouterOs(opts(s, { tls: true }));
    expect(r).toMatchObject({ ok: false, error: { code: "ROUTEROS_AUTH_FAILED", message: expect.stringContaining("certificate") } });
    expect(s.received).toEqual([]);
  });
});

describe("rosApiOptions (the library dials 8728 for tls without a port)", () => {
  const base = { host: "10.0.0.1", user: "u", password: "p" };
  test.each([
    [{ tls: false }, 8728],
    [{ tls: true }, 8729],
    [{ tls: true, port: 10443 }, 10443],
    [{ tls: false, port: 18728 }, 18728],
  ])("%j -> port %i", (o, port) => expect(rosApiOptions({ ...base, ...o }).port).toBe(port));

  test("pinning turns chain verification off (the pin replaces it); CA mode keeps it on", () => {
    expect(rosApiOptions({ ...base, tls: true, fingerprint256: "ab" }).tls).toMatchObject({ rejectUnauthorized: false });
    expect(rosApiOptions({ ...base, tls: true }).tls).toMatchObject({ rejectUnauthorized: true });
    expect(rosApiOptions({ ...base, tls: false }).tls).toBeUndefined();
  });
});
