// The foreground consent prompt: when `netdiag-agent run` has a terminal, each request is shown there
// (who asks, which ticket, what runs and what each part does, for how long) and answered y/N. One
// request at a time; an answer given elsewhere (approve command, local page) withdraws the prompt.
import { createInterface } from "node:readline";
import { escapeControls } from "../../shared/terminal-text.js";
import type { ConsentBroker, ConsentRequest } from "./broker.js";
import { formatDuration } from "./grant.js";
import { describeCheck, t, type Locale } from "./i18n.js";

/** y / yes and the Chinese ways of saying it; anything else (including just Enter) is no. */
const YES = /^\s*(y|yes|是|好|同意|允许)\s*$/i;

/** What the collector sent is shown escaped: no escape sequence can hide or rewrite the question. */
export function renderRequest(locale: Locale, r: ConsentRequest, now: number): string {
  const onlyChanges = r.changes.length > 0 && r.changes.length === r.checks.length;
  const lines = [
    "",
    t(locale, onlyChanges ? "prompt.changeTitle" : "prompt.title"),
    `  ${t(locale, "prompt.requestedBy")}: ${escapeControls(r.requestedBy)}`,
    `  ${t(locale, "prompt.ticket")}: ${escapeControls(r.ticketId)}`,
    `  ${t(locale, "prompt.checks")}:`,
    ...r.checks.map((c) => `    - ${describeCheck(locale, c)}${r.changes.includes(c) ? ` [${t(locale, "prompt.once")}]` : ""}`),
    `  ${t(locale, "prompt.duration")}: ${r.grantMs > 0 ? formatDuration(r.grantMs) : t(locale, "prompt.once")}`,
    ...(r.changes.length ? [`  ${t(locale, "prompt.changeWarning")}`] : []),
    `  ${t(locale, "prompt.deadline", { time: formatDuration(Math.max(1000, Math.round((r.deadline - now) / 1000) * 1000)) })}`,
  ];
  return lines.join("\n") + "\n";
}

export interface TerminalPromptOptions {
  broker: ConsentBroker;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  locale: Locale;
  now?: () => number;
}

/** Starts answering the broker's requests on a terminal; returns a function that stops it. */
export function attachTerminalPrompt(o: TerminalPromptOptions): () => void {
  const now = o.now ?? Date.now;
  const rl = createInterface({ input: o.input, terminal: false });
  const queue: ConsentRequest[] = [];
  let current: ConsentRequest | undefined;

  const next = () => {
    current = queue.shift();
    if (!current) return;
    o.output.write(renderRequest(o.locale, current, now()) + t(o.locale, "prompt.question"));
  };
  const offRequest = o.broker.onRequest((r) => {
    queue.push(r);
    if (!current) next();
  });
  const offSettled = o.broker.onSettled((id, answer, by) => {
    const i = queue.findIndex((r) => r.id === id);
    if (i >= 0) queue.splice(i, 1);
    if (current?.id !== id) return;
    if (by !== "terminal") o.output.write("\n" + t(o.locale, answer === "timeout" || by === "timeout" ? "prompt.timedOut" : "prompt.answeredElsewhere") + "\n");
    next();
  });
  rl.on("line", (line) => {
    if (!current) return;
    const approve = YES.test(line);
    const id = current.id;
    o.output.write(t(o.locale, approve ? "prompt.approved" : "prompt.refused") + "\n");
    o.broker.answer(id, approve, "terminal");
  });
  return () => {
    offRequest();
    offSettled();
    rl.close();
  };
}
