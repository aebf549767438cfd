// The verdict drawn on the chain device -> LAN -> router -> line/modem -> ISP -> DNS -> service:
// the failing link red with an X, links traffic went through green, not measured grey, an
// UNDETERMINED verdict's candidates amber with a "?". Server-rendered SVG with presentation attributes
// only (the console's CSP allows no inline style), every text through hono's html escaping.
import { html } from "hono/html";
import type { Verdict } from "../../../shared/verdict.js";
import type { View } from "../page-spec.js";
import { CHAIN, chainStates, type ChainLink, type LinkState } from "./chain.js";

const LOOK: Record<LinkState, { fill: string; stroke: string; mark: string; dash?: string }> = {
  fault: { fill: "#fdecea", stroke: "#c62828", mark: "✕" },
  also: { fill: "#fdecea", stroke: "#c62828", mark: "✕" },
  suspect: { fill: "#fff4e0", stroke: "#e08600", mark: "?" },
  ok: { fill: "#e8f5e9", stroke: "#2e7d32", mark: "✓" },
  unverified: { fill: "#f3f3f3", stroke: "#8a8a8a", mark: "–", dash: "4 3" },
  beyond: { fill: "#f3f3f3", stroke: "#8a8a8a", mark: "·", dash: "4 3" },
};

const LABEL = {
  host: "desk.chain.host",
  lan: "desk.chain.lan",
  router: "desk.chain.router",
  wan: "desk.chain.wan",
  isp: "desk.chain.isp",
  dns: "desk.chain.dns",
  service: "desk.chain.service",
} as const satisfies Record<ChainLink, string>;

const STATE = {
  fault: "desk.chain.state.fault",
  also: "desk.chain.state.also",
  suspect: "desk.chain.state.suspect",
  ok: "desk.chain.state.ok",
  unverified: "desk.chain.state.unverified",
  beyond: "desk.chain.state.beyond",
} as const satisfies Record<LinkState, string>;

// A snake of 4 + 3 boxes keeps the labels readable on a phone (a single row of 7 shrinks to ~6 px).
// Sized so that on a 390 px phone (scale ~0.74) the labels stay ~10 px and "Line / modem" fits its box.
const W = 104;
const H = 62;
const GAP = 14;
const ROW2 = 156;
export const CHAIN_VIEWBOX = { width: 4 * W + 3 * GAP + 20, height: ROW2 + H + 34 };

/** A label longer than ~9 Latin characters ("Line / modem") gets a smaller font to stay inside its box. */
const labelSize = (label: string) => (label.length > 9 ? 12 : 14);

/** Where each link's box sits: row 1 left to right, then down, row 2 right to left. */
function box(i: number): { x: number; y: number } {
  return i < 4 ? { x: 10 + i * (W + GAP), y: 10 } : { x: 10 + (6 - i + 1) * (W + GAP), y: ROW2 };
}

/** The connector into link i (from link i-1). */
function connector(i: number): { x1: number; y1: number; x2: number; y2: number } {
  const a = box(i - 1);
  const b = box(i);
  if (i < 4) return { x1: a.x + W, y1: a.y + H / 2, x2: b.x - 2, y2: b.y + H / 2 };
  if (i === 4) return { x1: a.x + W / 2, y1: a.y + H + 24, x2: b.x + W / 2, y2: b.y - 2 };
  return { x1: a.x, y1: a.y + H / 2, x2: b.x + W + 2, y2: b.y + H / 2 };
}

export function chainSvg(v: Pick<View, "t">, verdict: Pick<Verdict, "segment" | "cause" | "unverified" | "also" | "candidates">) {
  const states = chainStates(verdict);
  const summary = CHAIN.map((s) => `${v.t(LABEL[s])}: ${v.t(STATE[states[s]])}`).join("; ");
  const links = CHAIN.map((s, i) => {
    const st = states[s];
    const look = LOOK[st];
    const { x, y } = box(i);
    const into = i === 0 ? undefined : connector(i);
    // A connector is green when traffic got through both ends, red into the break, grey otherwise.
    const prev = i === 0 ? undefined : states[CHAIN[i - 1]!];
    const lineColor = prev === "ok" && st === "ok" ? "#2e7d32" : prev === "ok" && (st === "fault" || st === "suspect") ? "#c62828" : "#8a8a8a";
    return html`${into
        ? html`<line x1="${into.x1}" y1="${into.y1}" x2="${into.x2}" y2="${into.y2}" stroke="${lineColor}" stroke-width="3" marker-end="url(#chain-arrow)"${prev === "ok" && st !== "beyond" && st !== "unverified" ? "" : html` stroke-dasharray="5 4"`}/>`
        : ""}<g data-link="${s}" data-state="${st}"><title>${v.t(LABEL[s])}: ${v.t(STATE[st])}</title><rect x="${x}" y="${y}" width="${W}" height="${H}" rx="9" fill="${look.fill}" stroke="${look.stroke}" stroke-width="${st === "fault" || st === "suspect" ? 4 : 2}"${look.dash ? html` stroke-dasharray="${look.dash}"` : ""}/><text x="${x + W / 2}" y="${y + 21}" text-anchor="middle" font-size="${labelSize(v.t(LABEL[s]))}" font-weight="600" fill="#222">${v.t(LABEL[s])}</text><circle cx="${x + W / 2}" cy="${y + 42}" r="11" fill="${look.stroke}"/><text x="${x + W / 2}" y="${y + 47}" text-anchor="middle" font-size="15" font-weight="700" fill="#fff">${look.mark}</text><text x="${x + W / 2}" y="${y + H + 16}" text-anchor="middle" font-size="12.5" fill="${st === "fault" || st === "also" ? "#c62828" : st === "suspect" ? "#a65f00" : "#444"}">${v.t(STATE[st])}</text></g>`;
  });
  return html`<svg class="figure chain" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHAIN_VIEWBOX.width} ${CHAIN_VIEWBOX.height}" width="100%" role="img" aria-label="${summary}" font-family="sans-serif"><title>${summary}</title><defs><marker id="chain-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a8a8a"/></marker></defs>${links}</svg>`;
}
