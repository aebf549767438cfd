// One diagnosis run on the ticket page: its state, its steps (status, check, key figures, duration),
// and the verdict on the chain picture with evidence and next steps. A run that has not ended carries
// the data-* attributes desk-live.js reads to append steps as they land (desk/live-client.ts builds
// the same rows as stepRow below).
import { html } from "hono/html";
import { TERMINAL_RUN_STATES, type Run } from "../../../shared/api.js";
import type { Verdict } from "../../../shared/verdict.js";
import { fmtTime } from "../layout.js";
import type { Html, View } from "../page-spec.js";
import { chainSvg } from "./chain-svg.js";
import { keyFigures, stepDuration, stepMark, type LooseStep } from "./key-figures.js";
import { figureLabels, runStateText, runStateTexts, stepStatusText, stepStatusTexts } from "./labels.js";

/**
 * A figure line with a line-break opportunity after each "_" (<wbr>, never a character that would be
 * copied with the text), so ALL_CONFIGURED_RESOLVERS_DEAD wraps in a phone's column; live-client.ts
 * does the same with DOM nodes.
 */
export const breakable = (line: string): Html => html`${line.split(/(?<=_)/).map((part, i) => (i === 0 ? part : html`<wbr>${part}`))}`;

export function stepRow(v: View, seq: number, s: LooseStep): Html {
  const m = stepMark(s.status);
  // Two columns (check with its result and time | key figures): a phone has room for no more.
  return html`<tr class="step" data-seq="${seq}" data-status="${s.status}" data-check="${s.check}"><td><span class="badge ${m.kind} mono">${m.icon}\u00a0${s.check}</span><div class="small muted">${stepStatusText(v, s.status)} · ${stepDuration(s.durationMs)}</div></td><td class="small">${keyFigures(s, figureLabels(v)).map((l) => html`<div>${breakable(l)}</div>`)}</td></tr>`;
}

const evidenceList = (items: Verdict["evidence"]) =>
  html`<ul class="small">${items.map((e) => html`<li><span class="mono">[${e.check}] ${e.code}</span> ${e.detail}</li>`)}</ul>`;

export function verdictBlock(v: View, verdict: Verdict): Html {
  const bad = verdict.cause !== "NONE";
  const kind = verdict.cause === "NONE" ? "ok" : verdict.cause === "UNDETERMINED" ? "warn" : "fail";
  return html`<div class="verdict" data-cause="${verdict.cause}" data-segment="${verdict.segment}">
<h4 class="verdict-line">${v.t("desk.v.title")}: <span class="badge ${kind}">${verdict.segment.toUpperCase()} · ${verdict.cause}</span></h4>
<p>${verdict.summary}</p>
${chainSvg(v, verdict)}
${verdict.evidence.length ? html`<h4>${v.t("desk.v.evidence")}</h4>${evidenceList(verdict.evidence)}` : ""}
${verdict.consequences.length ? html`<details><summary>${v.t("desk.v.consequences")} (${verdict.consequences.length})</summary>${evidenceList(verdict.consequences)}</details>` : ""}
${verdict.also?.length ? html`<h4>${v.t("desk.v.also")}</h4><ul class="small">${verdict.also.map((a) => html`<li><span class="mono">${a.segment.toUpperCase()} · ${a.cause}</span>${evidenceList(a.evidence)}</li>`)}</ul>` : ""}
${verdict.candidates?.length ? html`<h4>${v.t("desk.v.candidates")}</h4><ul class="small">${verdict.candidates.map((a) => html`<li><span class="mono">${a.segment.toUpperCase()} · ${a.cause}</span>${evidenceList(a.evidence)}</li>`)}</ul>` : ""}
${verdict.decider ? html`<p class="small"><strong>${v.t("desk.v.decider")}:</strong> ${verdict.decider}</p>` : ""}
${verdict.unverified.length ? html`<p class="small muted">${v.t("desk.v.unverified")}: ${verdict.unverified.join(", ")}</p>` : ""}
${bad || verdict.next_steps.engineer.length ? html`<div class="grid two">
<div><h4>${v.t("desk.v.nextEngineer")}</h4><ol class="small">${verdict.next_steps.engineer.map((s) => html`<li>${s}</li>`)}</ol></div>
<div><h4>${v.t("desk.v.nextCustomer")}</h4><ol class="small">${verdict.next_steps.customer.map((s) => html`<li>${s[v.lang]}</li>`)}</ol></div>
</div>` : ""}
</div>`;
}

export function isLive(run: Pick<Run, "state">): boolean {
  return !TERMINAL_RUN_STATES.includes(run.state);
}

/** A run as a card; `actions` is what the reader may do with it (cancel), drawn under the header. */
export function runSection(v: View, run: Run, o: { actions?: Html; agentName?: string } = {}): Html {
  const live = isLive(run);
  const done = new Set(run.steps.map((s) => s.seq)).size;
  const progress = v.t("desk.run.progress", { done: "{done}", total: "{total}" });
  const liveAttrs = live
    ? html` data-live-run="${run.id}" data-events="/api/runs/${run.id}/events" data-total="${run.checks.length}" data-progress="${progress}" data-labels="${JSON.stringify(figureLabels(v))}" data-states="${JSON.stringify(runStateTexts(v))}" data-step-states="${JSON.stringify(stepStatusTexts(v))}" data-verdict-label="${v.t("desk.v.arrived")}"`
    : "";
  return html`<section class="card run" id="run-${run.id}" data-run="${run.id}" data-state="${run.state}"${liveAttrs}>
<h3>${v.t("desk.run.head", { id: run.id, agent: o.agentName ?? run.agentId, by: run.requestedBy, at: fmtTime(v, run.createdAt) })}</h3>
<p class="verdict-line"><span class="badge ${live ? "info" : run.state === "completed" ? "muted" : "warn"}" data-live="state" data-state="${run.state}">${runStateText(v, run.state)}${run.reason ? ` (${run.reason})` : ""}</span>
<span data-live="progress">${v.t("desk.run.progress", { done, total: run.checks.length })}</span>
${run.offline ? html`<span class="badge muted">${v.t("desk.run.offline")}</span>` : ""}
<span class="small muted mono">${run.checks.join(", ")}</span></p>
${o.actions ?? ""}
<div class="table-wrap"><table>
<thead><tr><th width="1%">${v.t("desk.run.col.check")}</th><th>${v.t("desk.run.col.figures")}</th></tr></thead>
<tbody data-live="steps">${run.steps.map((s) => stepRow(v, s.seq, s.result))}</tbody>
</table></div>
${run.stepsPruned ? html`<p class="muted small">${v.t("desk.run.stepsPruned", { n: run.stepsPruned.steps, at: fmtTime(v, run.stepsPruned.at) })}</p>` : run.steps.length === 0 && !live ? html`<p class="muted small">${v.t("desk.run.noSteps")}</p>` : ""}
${run.nextAfterSeq !== undefined ? html`<p class="muted small">${v.t("desk.run.moreSteps")}</p>` : ""}
${run.unreadable?.length ? html`<p class="notice warn small">${v.t("desk.run.unreadable", { n: run.unreadable.length })}</p>` : ""}
${live ? html`<p class="notice" data-live="verdict" hidden></p>` : ""}
${run.verdict ? verdictBlock(v, run.verdict) : live ? "" : html`<p class="muted small">${v.t("desk.v.none")}</p>`}
</section>`;
}
