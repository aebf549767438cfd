// routerosCheck.run against the simulator: a context built with buildContext, an injected SystemView,
// a memory logger and targets overridden (anchors are never probed from here: the "router" pings them).
import { testCheckContext } from "../../helpers/check-context.js";
import { afterEach, describe, expect, test } from "vitest";
import { routerosCheck } from "../../../agent/checks/routeros.js";
import type { RouterOsDeviceReport } from "../../../agent/checks/routeros/assess.js";
import { TIMEOUTS } from "../../../agent/timeouts.js";
import { healthyState, startRouterosSim, type RouterosSim, type SimOptions, type SimState } from "../../helpers/routeros-sim.js";

const PASSWORD = "Pa55-word-never-logged";
const ANCHOR = "198.18.0.10";
const sims: RouterosSim[] = [];
afterEach(async () => void (await Promise.all(sims.splice(0).map((s) => s.close()))));

function ctxFor(devices: unknown[]) {
  const { ctx, log } = testCheckContext({ anchors: [ANCHOR], names: ["router.test"], routeros: devices }, { spawn: async () => { throw new Error("no spawning in this check"); } });
  return { ctx, log };
}

async function runAgainst(state: SimState, simOpts: SimOptions = {}, device: Record<string, unknown> = {}) {
  const sim = await startRouterosSim({ password: PASSWORD, state, ...simOpts });
  sims.push(sim);
  const { ctx, log } = ctxFor([{ host: sim.host, port: sim.port, user: "admin", password: PASSWORD, ...device }]);
  const out = await routerosCheck.run(ctx, new AbortController().signal);
  const dev = (out.data as { devices: RouterOsDeviceReport[] }).devices[0]!;
  return { out, dev, log, sim };
}

const codes = (o: { findings: { code: string }[] }) => o.findings.map((f) => f.code);

describe("routeros check", () => {
  test("no device configured: skipped with a reason", async () => {
    const { ctx } = ctxFor([]);
    const out = await routerosCheck.run(ctx, new AbortController().signal);
    expect(out).toMatchObject({ status: "skipped", skipReason: expect.stringContaining("no RouterOS device") });
  });

  test("healthy router: ok, typed data, the router pinged the first anchor, password nowhere", async () => {
    const { out, dev, log, sim } = await runAgainst(healthyState());
    expect(out.status).toBe("ok");
    expect(out.findings).toEqual([]);
    expect(dev).toMatchObject({
      system: { uptimeS: 2 * 604800 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6, version: "7.18.2 (stable)", cpuLoadPct: 3 },
      wan: { name: "ether1", source: "dhcp-client", running: true, ethernet: { status: "link-ok", linkOk: true, rate: "1Gbps" } },
      dhcpClient: { DHCPStatus: "bound", IPAddress: "203.0.113.45/24", IPRouters: "203.0.113.1", LeaseTimeRemainingS: 590 },
      defaultRoutes: [{ gateway: "203.0.113.1", interface: "ether1", active: true }],
      wanGateway: { source: "default-route", address: "203.0.113.1", interface: "ether1" },
      ping: { host: ANCHOR, sent: 3, received: 3, lossPct: 0 },
      commandErrors: [],
    });
    expect(dev.log?.map((l) => l.topics)).toEqual(["dhcp,info", "interface,info"]);
    expect(sim.received).toContainEqual(expect.arrayContaining(["/ping", `=address=${ANCHOR}`, "=count=3"]));
    expect(sim.received).toContainEqual(expect.arrayContaining(["/interface/ethernet/monitor", "=numbers=ether1", "=once="]));
    expect(JSON.stringify(out) + JSON.stringify(log.lines)).not.toContain(PASSWORD);
  });

  test("WAN cable out: WAN_LINK_DOWN, DHCP searching, no active default route, router ping fails", async () => {
    const s = healthyState();
    s.interfaces[0]!.running = false;
    s.ethernet.ether1 = { status: "no-link" };
    s.dhcpClients[0] = { interface: "ether1", status: "searching..." };
    s.routes = s.routes.filter((r) => r.dstAddress !== "0.0.0.0/0");
    s.pingReplies = {};
    const { out, dev } = await runAgainst(s, { mode: "7.18" });
    expect(out.status).toBe("fail");
    expect(codes(out)).toEqual(["WAN_LINK_DOWN", "WAN_DHCP_NOT_BOUND", "NO_DEFAULT_ROUTE_ON_ROUTER", "ROUTER_PING_FAILED"]);
    expect(dev.defaultRoutes).toEqual([]); // measured (`!empty`), not undefined
    expect(dev.wanGateway).toBeUndefined();
  });

  test("DHCP searching alone: WAN_DHCP_NOT_BOUND on the configured WAN", async () => {
    const s = healthyState();
    s.dhcpClients = [{ interface: "ether2", status: "searching..." }];
    const { out, dev } = await runAgainst(s, {}, { wanInterface: "ether2" });
    expect(dev.wan).toMatchObject({ name: "ether2", source: "config" });
    expect(codes(out)).toEqual(["WAN_DHCP_NOT_BOUND"]);
  });

  test("router cannot reach the anchor while its WAN is up: ROUTER_PING_FAILED only", async () => {
    const s = healthyState();
    s.pingReplies = {};
    const { out } = await runAgainst(s);
    expect(out.findings).toMatchObject([{ code: "ROUTER_PING_FAILED", severity: "fail", subject: "127.0.0.1" }]);
  });

  test("disabled WAN, interface errors and a fresh reboot", async () => {
    const s = healthyState();
    s.interfaces[0]!.disabled = true;
    s.interfaces[0]!.running = false;
    s.interfaces[1]!.rxError = 500;
    s.resource.uptime = "4m12s";
    const { out, sim } = await runAgainst(s);
    expect(codes(out)).toEqual(["WAN_DISABLED", "INTERFACE_ERRORS", "ROUTER_REBOOTED_RECENTLY"]);
    expect(sim.received.some((w) => w[0] === "/interface/ethernet/monitor")).toBe(false); // no monitor on a disabled port
  });

  test("wrong password: ROUTEROS_AUTH_FAILED (warn: not measured, not a network fault)", async () => {
    const { out, dev, log } = await runAgainst(healthyState(), { password: "other" });
    expect(out).toMatchObject({ status: "warn", findings: [{ code: "ROUTEROS_AUTH_FAILED", severity: "warn" }] });
    expect(dev.system).toBeUndefined();
    expect(JSON.stringify(out) + JSON.stringify(log.lines)).not.toContain(PASSWORD);
  });

  test("a protocol error on the last command leaves the earlier ones measured", async () => {
    const s = healthyState();
    const { out, dev } = await runAgainst(s, { misbehave: { on: "/log/print", action: "garbage" } });
    expect(dev.commandErrors).toMatchObject([{ command: "/log/print", code: "ROUTEROS_FATAL" }]);
    expect(dev.log).toBeUndefined();
    expect(out.status).toBe("ok");
  });

  test("stalled router: ROUTEROS_UNREACHABLE within the connect budget, well inside the check's", async () => {
    const t0 = performance.now();
    const { out } = await runAgainst(healthyState(), { misbehave: { on: "connect", action: "stall" } });
    const ms = performance.now() - t0;
    expect(out).toMatchObject({ status: "fail", findings: [{ code: "ROUTEROS_UNREACHABLE" }] });
    expect(ms).toBeLessThan(TIMEOUTS.routerosConnectMs + 1000);
    expect(ms).toBeLessThan(TIMEOUTS.check.routeros);
  });

  test("aborting the check's signal ends it promptly", async () => {
    const sim = await startRouterosSim({ password: PASSWORD, misbehave: { on: "/ping", action: "stall" } });
    sims.push(sim);
    const { ctx } = ctxFor([{ host: sim.host, port: sim.port, user: "admin", password: PASSWORD }]);
    const ac = new AbortController();
    const closed = sim.nextDisconnect();
    const running = routerosCheck.run(ctx, ac.signal);
    // Abort once the router has been asked to ping (event-driven: poll the sim's received log on each reply).
    while (!sim.received.some((w) => w[0] === "/ping")) await new Promise((r) => setImmediate(r));
    ac.abort();
    const out = await running;
    await closed;
    const dev = (out.data as { devices: RouterOsDeviceReport[] }).devices[0]!;
    expect(dev.commandErrors).toContainEqual(expect.objectContaining({ command: "/ping", code: "ROUTEROS_TIMEOUT" }));
    expect(dev.ping).toBeUndefined();
  });
});
