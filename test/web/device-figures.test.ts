// The device page's pictures: drawn against the checks' thresholds (shared/thresholds.ts), the rows read from
// real-shaped check data (test/web/site-steps.ts), and the SVG says each value in text as well as in
// colour, with nothing inline the CSP would block.
import { describe, expect, test } from "vitest";
import { PathData } from "../../shared/steps/path.js";
import { SnmpData } from "../../shared/steps/snmp.js";
import { t } from "../../shared/i18n/index.js";
import { hopRows, lineFigures, snmpErrorFigures } from "../../collector/web/device/figures.js";
import { hopChart, lineChart } from "../../collector/web/device/svg.js";
import { FIGURE_THRESHOLDS } from "../../collector/web/device/thresholds.js";
import type { View } from "../../collector/web/page-spec.js";
import { SITE, siteRun } from "./site-steps.js";

const view = (lang: "en" | "zh-CN" = "en"): View => ({ lang, t: (k, v) => t(lang, k, v), principal: undefined, csrf: "", now: Date.now(), path: "/" });
const dataOf = (degraded: boolean, check: "path" | "snmp") => siteRun(Date.now(), degraded).steps.find((s) => s.check === check)!.data;

describe("loss and RTT per hop", () => {
  test("a healthy path: hop by hop in TTL order, the pinged points with their figures, all ok", () => {
    const rows = hopRows(PathData.parse(dataOf(false, "path")));
    expect(rows.map((r) => `${r.ttl ?? "-"}:${r.role}:${r.address}`)).toEqual([`1:gateway:${SITE.gateway}`, `2:isp:${SITE.isp}`, `3:anchor:${SITE.anchors[0]}`, `-:anchor:${SITE.anchors[1]}`]);
    expect(rows.every((r) => r.health === "ok" && r.lossPct === 0 && r.avgMs !== undefined)).toBe(true);
  });

  test("a lossy line: the ISP hop and anchors over 20 % loss are warnings, the gateway stays ok", () => {
    const rows = hopRows(PathData.parse(dataOf(true, "path")));
    expect(rows.find((r) => r.role === "gateway")?.health).toBe("ok");
    for (const r of rows.filter((x) => x.role !== "gateway")) {
      expect(r.lossPct).toBeGreaterThan(FIGURE_THRESHOLDS.lossWarnPct);
      expect(r.health).toBe("warn");
    }
  });

  test("a silent hop and an unreachable anchor: said in words, a dead anchor is a fault", () => {
    const d = PathData.parse(dataOf(false, "path"));
    d.route.RouteHops.splice(1, 0, { ttl: 9, reply: "none", RTTimes: [] });
    d.anchors[1] = { ...d.anchors[1]!, SuccessCount: 0, FailureCount: d.anchors[1]!.NumberOfRepetitions, lossPct: 100, rttMs: [] };
    delete d.anchors[1]!.AverageResponseTime;
    const rows = hopRows(d);
    expect(rows.find((r) => r.ttl === 9)).toMatchObject({ role: "router", answered: false, health: "none" });
    expect(rows.at(-1)).toMatchObject({ role: "anchor", lossPct: 100, health: "fail" });
    const svg = String(hopChart(view(), rows));
    expect(svg).toContain("silent");
    expect(svg).toContain("100 %");
  });

  test("the SVG carries every value as text, the thresholds, and no inline style", () => {
    const svg = String(hopChart(view(), hopRows(PathData.parse(dataOf(true, "path")))));
    expect(svg).toMatch(/^<svg class="figure hops" viewBox="0 0 360 \d+"/);
    expect(svg).toContain(`${FIGURE_THRESHOLDS.lossWarnPct} %`);
    expect(svg).toContain(`${FIGURE_THRESHOLDS.anchorSlowAvgMs} ms`);
    expect(svg).toContain(SITE.isp);
    expect(svg).toMatch(/\d+(\.\d)? %<\/text>/);
    expect(svg).not.toMatch(/style=/);
    expect(String(hopChart(view("zh-CN"), hopRows(PathData.parse(dataOf(true, "path")))))).toContain("运营商首跳");
  });
});

describe("line figures against thresholds", () => {
  test("VDSL2 from the captured snmpd: a good day is ok, a bad day's margin is a fault and its attenuation a warning", () => {
    const good = lineFigures(SnmpData.parse(dataOf(false, "snmp")).devices[0]!);
    const bad = lineFigures(SnmpData.parse(dataOf(true, "snmp")).devices[0]!);
    expect(good.map((f) => `${f.kind}/${f.direction}=${f.value}:${f.health}`)).toEqual(["snrMargin/down=9.5:ok", "attenuation/down=18.4:ok"]);
    expect(bad.map((f) => `${f.kind}/${f.direction}=${f.value}:${f.health}`)).toEqual(["snrMargin/down=3.2:fail", "attenuation/down=61.5:warn"]);
    // The figures the modem marked "unavailable"/"out of range" are not drawn.
    expect(bad.some((f) => f.direction === "up")).toBe(false);
  });

  test("DOCSIS: SNR below 30 dB is a fault, power outside -15..+15 dBmV a warning", () => {
    const dev = SnmpData.parse(dataOf(false, "snmp")).devices[0]!;
    const docsis = { ...dev, vdsl2: { supported: false as const }, docsis: { supported: true as const, lines: [{ ifIndex: 3, snrDb: 27.1, powerDbmv: -17.5, unerroreds: 1e6, correcteds: 100, uncorrectables: 2500 }, { ifIndex: 4, snrDb: 38, powerDbmv: 2 }] } };
    expect(lineFigures(docsis).map((f) => `${f.line}:${f.kind}:${f.health}`)).toEqual(["3:docsisSnr:fail", "3:docsisPower:warn", "4:docsisSnr:ok", "4:docsisPower:ok"]);
    expect(snmpErrorFigures(docsis).find((f) => f.what === "docsisCodewords")).toMatchObject({ errors: 2500, health: "warn" });
    const svg = String(lineChart(view(), lineFigures(docsis)));
    expect(svg).toContain("-15..15 dBmV");
    expect(svg).toContain("-17.5 dBmV");
    expect(svg).not.toMatch(/style=|NaN|Infinity/);
  });

  test("error counters: the WAN's errors against its packets, judged like WAN_ERRORS", () => {
    const good = snmpErrorFigures(SnmpData.parse(dataOf(false, "snmp")).devices[0]!);
    const bad = snmpErrorFigures(SnmpData.parse(dataOf(true, "snmp")).devices[0]!);
    expect(good.find((f) => f.what === "wan")).toMatchObject({ subject: "ptm0", errors: 3, health: "ok" });
    expect(bad.find((f) => f.what === "wan")).toMatchObject({ subject: "ptm0", errors: 5000, health: "warn" });
  });

  test("the line chart draws the bad zone and the threshold and writes each value", () => {
    const svg = String(lineChart(view(), lineFigures(SnmpData.parse(dataOf(true, "snmp")).devices[0]!)));
    expect(svg).toContain('class="svg-zone"');
    expect(svg).toContain('class="svg-threshold"');
    expect(svg).toContain("3.2 dB");
    expect(svg).toContain("min 6 dB");
    expect(svg).toContain("max 60 dB");
    expect(svg).toContain('class="svg-fail"');
  });
});
