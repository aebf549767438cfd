// Render tests of the desk's pure pieces: the chain's link states and SVG for real verdicts (from the
// real fault-isolation engine over schema-valid steps), the key figures per check, and the one
// function the browser runs for live steps (desk-live.js ships its source).
import { describe, expect, test } from "vitest";
import { isolateFault } from "../../agent/verdict/isolate-fault.js";
import { chainStates } from "../../collector/web/desk/chain.js";
import { chainSvg } from "../../collector/web/desk/chain-svg.js";
import { keyFigures, stepDuration, stepMark, type FigureLabels } from "../../collector/web/desk/key-figures.js";
import { t, type TextKey } from "../../shared/i18n/index.js";
import { dhcp, dns, gateway, healthy, host, path, service, snmp, step, verdictWith } from "../agent/verdict/fixtures.js";

const view = (lang: "en" | "zh-CN" = "en") => ({ t: (k: TextKey, vars?: Record<string, string | number>) => t(lang, k, vars) });
const LABELS: FigureLabels = { loss: "loss", avg: "avg", gateway: "gw", offers: "offers", configured: "configured", public: "public", failingNames: "names failing", ispHop: "ISP hop", anchors: "anchors", mtu: "MTU", wan: "WAN", snr: "SNR" };

describe("chain link states", () => {
  test("a WAN fault: the links before it healthy, the line red, beyond it not reached", () => {
    const v = verdictWith({ snmp: snmp.wanDown(), dns: dns.allDead(), path: path({ hop: "none", anchors: { ok: false } }), service: service("SERVICE_DNS_FAILED") });
    expect(v.cause).toBe("WAN_LINK_DOWN");
    expect(chainStates(v)).toEqual({ host: "ok", lan: "ok", router: "ok", wan: "fault", isp: "beyond", dns: "beyond", service: "beyond" });
  });

  test("nothing wrong: every measured link healthy", () => {
    const v = verdictWith({});
    expect(v.cause).toBe("NONE");
    expect(Object.values(chainStates(v))).toEqual(Array(7).fill("ok"));
  });

  test("UNDETERMINED marks the candidates as suspects, the links before them healthy", () => {
    const v = verdictWith({ host: host.apipa(), gateway: gateway.dead(), dhcp: dhcp.notRoot(), dns: dns.allDead(), path: path({ gw: false, hop: "none", anchors: { ok: false } }), service: service("SERVICE_UNREACHABLE") });
    expect(v.cause).toBe("UNDETERMINED");
    const s = chainStates(v);
    expect(s.host).toBe("suspect");
    expect(s.router).toBe("suspect");
    expect(s.wan).toBe("beyond");
    expect(Object.values(s)).not.toContain("fault");
  });

  test("not measured stays grey, never green: a service fault seen alone", () => {
    const v = isolateFault([service("SERVICE_REFUSED")]);
    const s = chainStates(v);
    expect(s.service).toBe("fault");
    expect(s.host).toBe("unverified");
    expect(s.isp).toBe("unverified");
  });
});

describe("chain SVG", () => {
  test("draws seven links, the failing one red with an X, in the page's language", async () => {
    const v = verdictWith({ dhcp: dhcp.noOffer() });
    expect(v.cause).toBe("DHCP_NO_OFFER");
    const svg = String(await chainSvg(view(), v));
    expect(svg.match(/<g data-link=/g)).toHaveLength(7);
    expect(svg).toMatch(/<g data-link="router" data-state="fault"><title>Router: fault<\/title><rect [^>]*stroke="#c62828"/);
    expect(svg).toContain("✕");
    expect(svg).toMatch(/data-link="host" data-state="ok"/);
    const zh = String(await chainSvg(view("zh-CN"), v));
    expect(zh).toContain("路由器: 故障");
  });

  test("no style attribute or element (the CSP forbids inline style)", async () => {
    const svg = String(await chainSvg(view(), verdictWith({ dns: dns.servfail(), service: service("SERVICE_DNS_FAILED") })));
    expect(svg).not.toMatch(/style[=>]/);
  });
});

describe("key figures", () => {
  test.each([
    ["gateway", gateway.ok(), ["10.77.0.1 · loss 0% · avg 1.0 ms · icmp+tcp+arp"]],
    ["gateway dead", gateway.dead(), ["10.77.0.1 · loss 100%", "GATEWAY_ARP_FAILED", "GATEWAY_UNREACHABLE"]],
    ["host", host.ok(), ["eth0 · 10.77.0.100/24 · gw 10.77.0.1"]],
    ["dhcp no offer", dhcp.noOffer(), ["eth0 · offers 0", "DHCP_NO_OFFER"]],
    ["path, lossy edge", path({ hop: { ok: true, loss: 40 } }), expect.arrayContaining(["ISP hop 100.64.0.1 · loss 40% · avg 8.0 ms", "anchors 3 · loss 0% · avg 20 ms"])],
    ["skipped", step("dhcp", "skipped"), ["not measured in this case"]],
    ["error", step("dns", "error"), ["TEST: not measured"]],
    ["dns servfail", dns.servfail(), expect.arrayContaining([expect.stringMatching(/names failing 1/)])],
  ])("%s", (_name, s, want) => {
    expect(keyFigures(s, LABELS)).toEqual(want);
  });

  test("every check of a healthy run gives at least one figure", () => {
    for (const s of Object.values(healthy())) expect(keyFigures(s, LABELS).length, s.check).toBeGreaterThan(0);
  });

  test("a stored step of an older shape is read, not thrown on", () => {
    expect(keyFigures({ check: "path", status: "fail", data: { ispHop: "weird", anchors: [null, 3] }, findings: [{ code: "ANCHORS_UNREACHABLE", severity: "fail" }] }, LABELS)).toEqual(["anchors 2 · loss 100%", "ANCHORS_UNREACHABLE"]);
  });

  test("durations a narrow column never splits", () => {
    expect([stepDuration(41.4), stepDuration(1180), stepDuration(12_400), stepDuration(undefined)]).toEqual(["41\u00a0ms", "1.2\u00a0s", "12\u00a0s", ""]);
  });

  test("their source runs on its own (desk-live.js ships it): no reference outside the function bodies", () => {
    const load = <F>(f: F) => new Function(`return (${String(f)})`)() as F;
    expect(load(keyFigures)(gateway.ok(), LABELS)).toEqual(keyFigures(gateway.ok(), LABELS));
    expect(load(keyFigures)(path({}), LABELS)).toEqual(keyFigures(path({}), LABELS));
    expect(load(stepMark)("fail")).toEqual({ icon: "✘", kind: "fail" });
    expect(load(stepDuration)(2500)).toBe("2.5\u00a0s");
  });
});
