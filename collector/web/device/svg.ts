// Server-rendered SVG pictures of the device page: loss and RTT per hop, line figures against their
// thresholds. Plain SVG elements with classes (colours come from console.css: no inline style, which
// the CSP forbids); a 360-unit wide viewBox scales to a 390 px phone and grows on a desktop. Every bar
// carries its value as text too, so nothing is told by colour alone.
import { html } from "hono/html";
import type { Html, View } from "../page-spec.js";
import type { HopRow, LineFigure } from "./figures.js";
import { FIGURE_THRESHOLDS as T } from "./thresholds.js";

const W = 360;
/** Each half: a bar track, then its value written beside it (never under a threshold line). */
const TRACK = 118;
const LOSS_X = 186;

const round = (n: number) => Math.round(n * 10) / 10;
const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

/** A label too long for the width (an IPv6 address) is squeezed to fit rather than cut off. */
function fitText(text: string, max = W): Html {
  return text.length * 7.6 > max ? html` textLength="${max}" lengthAdjust="spacingAndGlyphs"` : html``;
}

function hopLabel(v: View, r: HopRow): string {
  const role = v.t(`device.hop.${r.role}`);
  const ttl = r.ttl !== undefined ? `${v.t("device.hop.ttl", { n: r.ttl })} · ` : "";
  return `${ttl}${role} ${r.address ?? "*"}`;
}

/** Loss and average RTT of every hop and pinged point, in path order. */
export function hopChart(v: View, rows: readonly HopRow[]): Html {
  if (rows.length === 0) return html``;
  const top = 34;
  const rowH = 42;
  const h = top + rows.length * rowH;
  const maxRtt = Math.max(...rows.map((r) => r.avgMs ?? 0));
  const scale = Math.max(T.anchorSlowAvgMs * 1.25, maxRtt * 1.1);
  const xRtt = (ms: number) => clamp01(ms / scale) * TRACK;
  const lossLine = LOSS_X + (T.lossWarnPct / 100) * TRACK;
  return html`<svg class="figure hops" viewBox="0 0 ${W} ${h}" role="img" aria-labelledby="hops-title">
<title id="hops-title">${v.t("device.path.chartTitle")}</title>
<text class="svg-text svg-bold" x="0" y="13">${v.t("device.path.rtt")}</text>
<text class="svg-text svg-bold" x="${LOSS_X}" y="13">${v.t("device.path.loss")}</text>
<text class="svg-small" x="${xRtt(T.anchorSlowAvgMs)}" y="28" text-anchor="middle">${v.t("device.path.slowMark", { ms: T.anchorSlowAvgMs })}</text>
<text class="svg-small" x="${lossLine}" y="28" text-anchor="middle">${T.lossWarnPct} %</text>
${rows.map((r, i) => {
  const y = top + i * rowH;
  const by = y + 21;
  const label = hopLabel(v, r);
  const rttText = r.avgMs !== undefined ? `${round(r.avgMs)} ms` : r.answered ? v.t("device.path.noTiming") : v.t("device.path.silent");
  const lossText = r.lossPct !== undefined ? `${round(r.lossPct)} %` : r.answered ? "–" : v.t("device.path.silent");
  const rttClass = r.health === "fail" ? "fail" : r.slowMs !== undefined && r.avgMs !== undefined && r.avgMs > r.slowMs ? "warn" : "ok";
  return html`<g class="hop">
<text class="svg-text" x="0" y="${y + 14}"${fitText(label)}>${label}</text>
<rect class="svg-track" x="0" y="${by}" width="${TRACK}" height="12" rx="2"></rect>
${r.avgMs !== undefined ? html`<rect class="svg-${rttClass}" x="0" y="${by}" width="${Math.max(2, xRtt(r.avgMs))}" height="12" rx="2"></rect>` : ""}
${r.slowMs !== undefined ? html`<line class="svg-threshold" x1="${xRtt(r.slowMs)}" y1="${by - 3}" x2="${xRtt(r.slowMs)}" y2="${by + 15}"></line>` : ""}
<text class="svg-value" x="${TRACK + 5}" y="${by + 10}">${rttText}</text>
<rect class="svg-track" x="${LOSS_X}" y="${by}" width="${TRACK}" height="12" rx="2"></rect>
${r.lossPct !== undefined && r.lossPct > 0 ? html`<rect class="svg-${r.lossPct >= 100 ? "fail" : r.lossPct > T.lossWarnPct ? "warn" : "ok"}" x="${LOSS_X}" y="${by}" width="${Math.max(2, (r.lossPct / 100) * TRACK)}" height="12" rx="2"></rect>` : ""}
<line class="svg-threshold" x1="${lossLine}" y1="${by - 3}" x2="${lossLine}" y2="${by + 15}"></line>
<text class="svg-value" x="${LOSS_X + TRACK + 5}" y="${by + 10}">${lossText}</text>
</g>`;
})}
</svg>`;
}

function figureLabel(v: View, f: LineFigure): string {
  return v.t(`device.line.${f.kind}`, { line: f.line, dir: v.t(`device.dir.${f.direction}`) });
}

/** The span each kind of figure is drawn on, wide enough to show the value and the threshold. */
function spanOf(f: LineFigure): { lo: number; hi: number } {
  switch (f.kind) {
    case "snrMargin":
      return { lo: 0, hi: Math.max(20, f.value * 1.15) };
    case "attenuation":
      return { lo: 0, hi: Math.max(80, f.value * 1.15) };
    case "docsisSnr":
      return { lo: 0, hi: Math.max(45, f.value * 1.15) };
    case "docsisPower":
      return { lo: Math.min(-25, f.value - 3), hi: Math.max(25, f.value + 3) };
  }
}

/** Line figures as bars on their own scale, the bad zone shaded, the threshold dashed, the value written. */
export function lineChart(v: View, figures: readonly LineFigure[]): Html {
  if (figures.length === 0) return html``;
  const rowH = 44;
  const track = 262;
  const h = figures.length * rowH + 4;
  return html`<svg class="figure lines" viewBox="0 0 ${W} ${h}" role="img" aria-labelledby="lines-title">
<title id="lines-title">${v.t("device.line.chartTitle")}</title>
${figures.map((f, i) => {
  const y = i * rowH;
  const by = y + 22;
  const { lo, hi } = spanOf(f);
  const x = (n: number) => clamp01((n - lo) / (hi - lo)) * track;
  const zones: [number, number][] = [];
  if (f.min !== undefined) zones.push([lo, f.min]);
  if (f.max !== undefined) zones.push([f.max, hi]);
  // Bars grow from 0 (or from the left edge when 0 is off the scale, as for negative dBmV).
  const from = x(Math.max(lo, Math.min(0, hi)));
  const to = x(f.value);
  return html`<g class="line-figure">
<text class="svg-text" x="0" y="${y + 14}"${fitText(`${figureLabel(v, f)} (${thresholdText(v, f)})`)}>${figureLabel(v, f)} <tspan class="svg-small">(${thresholdText(v, f)})</tspan></text>
<rect class="svg-track" x="0" y="${by}" width="${track}" height="14" rx="2"></rect>
${zones.map(([a, b]) => html`<rect class="svg-zone" x="${x(a)}" y="${by}" width="${Math.max(0, x(b) - x(a))}" height="14"></rect>`)}
<rect class="svg-${f.health}" x="${Math.min(from, to)}" y="${by + 3}" width="${Math.max(2, Math.abs(to - from))}" height="8" rx="1"></rect>
${[f.min, f.max].filter((n): n is number => n !== undefined).map((n) => html`<line class="svg-threshold" x1="${x(n)}" y1="${by - 2}" x2="${x(n)}" y2="${by + 16}"></line>`)}
<text class="svg-value svg-bold" x="${W}" y="${by + 12}" text-anchor="end">${round(f.value)} ${f.unit}</text>
</g>`;
})}
</svg>`;
}

function thresholdText(v: View, f: LineFigure): string {
  if (f.min !== undefined && f.max !== undefined) return v.t("device.line.range", { min: f.min, max: f.max, unit: f.unit });
  if (f.min !== undefined) return v.t("device.line.min", { min: f.min, unit: f.unit });
  return v.t("device.line.max", { max: f.max ?? 0, unit: f.unit });
}
