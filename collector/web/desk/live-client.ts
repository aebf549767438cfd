// The browser side of a live run on the ticket page: opens an EventSource on the run's SSE stream
// (GET /api/runs/:id/events; the session cookie authenticates it) and appends each step as it lands,
// with the progress "3 of 7 checks"; shows the verdict the moment it arrives, and reloads the page once
// the run has ended so the server draws the verdict on the chain. The DOM is built with createElement
// and textContent only (no innerHTML: everything here came from an agent, and the CSP forbids inline
// code anyway). Like key-figures.ts this function uses nothing outside its own body at run time:
// collector/web/static/desk-live.ts ships its source text. The small interfaces below are the part of
// the DOM it touches (the project compiles without the DOM library).
import type { keyFigures, stepDuration, stepMark } from "./key-figures.js";

/** The row-building functions of key-figures.ts (shipped beside this one). */
export interface RowLib {
  figures: typeof keyFigures;
  mark: typeof stepMark;
  duration: typeof stepDuration;
}

export interface LiveEl {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  className: string;
  hidden: boolean;
  appendChild(child: LiveEl): unknown;
  setAttribute(name: string, value: string): void;
  querySelector(selector: string): LiveEl | null;
  querySelectorAll(selector: string): ArrayLike<LiveEl>;
}
export interface LiveDoc {
  querySelectorAll(selector: string): ArrayLike<LiveEl>;
  createElement(tag: string): LiveEl;
  createTextNode(text: string): LiveEl;
}
export interface LiveSource {
  addEventListener(type: string, listener: (ev: { data: string }) => void): void;
  close(): void;
}

/**
 * What the server puts on each live run's element (data-* attributes, see desk/run-view.ts):
 * events: the SSE URL; total: how many checks the run asked for; progress: the text with {done} and
 * {total}; labels: FigureLabels as JSON; states: run state -> text as JSON; stepStates: step status
 * -> text as JSON; verdictLabel: the heading for an early verdict.
 */
export function deskLive(
  doc: LiveDoc,
  openSource: (url: string) => LiveSource,
  reload: () => void,
  lib: RowLib,
): void {
  const TERMINAL = ["completed", "cancelled", "failed", "refused", "expired"];
  const parse = (s: string | undefined): unknown => {
    try {
      return JSON.parse(s ?? "");
    } catch {
      return undefined;
    }
  };
  const runs = doc.querySelectorAll("[data-live-run]");
  for (let i = 0; i < runs.length; i++) {
    const root = runs[i]!;
    const url = root.dataset.events;
    if (!url) continue;
    const labels = (parse(root.dataset.labels) ?? {}) as Parameters<RowLib["figures"]>[1];
    const states = (parse(root.dataset.states) ?? {}) as Record<string, string>;
    const stepStates = (parse(root.dataset.stepStates) ?? {}) as Record<string, string>;
    const total = Number(root.dataset.total ?? "0");
    const body = root.querySelector("[data-live=steps]");
    const progress = root.querySelector("[data-live=progress]");
    const stateEl = root.querySelector("[data-live=state]");
    const verdictEl = root.querySelector("[data-live=verdict]");
    const seen = new Set<string>();
    // Rows the server already drew (stored steps) are not drawn twice: the stream starts with them.
    const drawn = body ? body.querySelectorAll("tr[data-seq]") : [];
    for (let j = 0; j < drawn.length; j++) seen.add(drawn[j]!.dataset.seq ?? "");
    const showProgress = () => {
      if (progress) progress.textContent = (root.dataset.progress ?? "{done}/{total}").replace("{done}", String(seen.size)).replace("{total}", String(total));
    };
    showProgress();
    const source = openSource(url);
    source.addEventListener("step", (ev) => {
      const msg = parse(ev.data) as { seq?: number; result?: Parameters<RowLib["figures"]>[0] } | undefined;
      if (!msg || typeof msg.seq !== "number" || !msg.result || !body) return;
      const key = String(msg.seq);
      if (seen.has(key)) return;
      seen.add(key);
      const s = msg.result;
      const tr = doc.createElement("tr");
      tr.setAttribute("data-seq", key);
      tr.setAttribute("data-status", String(s.status));
      tr.setAttribute("data-check", String(s.check));
      tr.className = "step";
      // The same two cells as run-view.ts stepRow draws.
      const m = lib.mark(String(s.status));
      const head = doc.createElement("td");
      const badge = doc.createElement("span");
      badge.className = "badge " + m.kind + " mono";
      badge.textContent = m.icon + "\u00a0" + String(s.check);
      head.appendChild(badge);
      const sub = doc.createElement("div");
      sub.className = "small muted";
      sub.textContent = (stepStates[s.status] ?? String(s.status)) + " · " + lib.duration(s.durationMs);
      head.appendChild(sub);
      tr.appendChild(head);
      const fig = doc.createElement("td");
      fig.className = "small";
      for (const line of lib.figures(s, labels)) {
        // Text nodes with a <wbr> after each "_", as run-view.ts breakable() draws it.
        const div = doc.createElement("div");
        line.split(/(?<=_)/).forEach((part, k) => {
          if (k > 0) div.appendChild(doc.createElement("wbr"));
          div.appendChild(doc.createTextNode(part));
        });
        fig.appendChild(div);
      }
      tr.appendChild(fig);
      body.appendChild(tr);
      showProgress();
    });
    source.addEventListener("verdict", (ev) => {
      const msg = parse(ev.data) as { verdict?: { segment?: string; cause?: string; summary?: string } } | undefined;
      if (!msg?.verdict || !verdictEl) return;
      verdictEl.textContent = (root.dataset.verdictLabel ?? "") + " " + String(msg.verdict.segment).toUpperCase() + " — " + String(msg.verdict.cause) + ": " + String(msg.verdict.summary ?? "");
      verdictEl.hidden = false;
    });
    source.addEventListener("state", (ev) => {
      const msg = parse(ev.data) as { state?: string; reason?: string } | undefined;
      if (!msg?.state) return;
      if (stateEl) {
        stateEl.textContent = (states[msg.state] ?? msg.state) + (msg.reason ? " (" + msg.reason + ")" : "");
        stateEl.setAttribute("data-state", msg.state);
      }
      if (TERMINAL.indexOf(msg.state) >= 0) {
        // The run is over: stop the stream (EventSource would reconnect) and let the server draw the
        // verdict, the chain and the actions that now apply.
        source.close();
        root.setAttribute("data-ended", msg.state);
        reload();
      }
    });
  }
}
