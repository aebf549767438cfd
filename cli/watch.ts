// Watching runs live: one run's SSE stream to its end (`run --follow`, `watch RUN`), or a ticket's
// stream until its next run arrives (`watch --ticket`, e.g. the customer's offline check uploading).
import { Run, RunStreamEvent, TERMINAL_RUN_STATES, TicketStreamEvent } from "../shared/api.js";
import { HttpClientError } from "../shared/http-client.js";
import { term, termJson } from "../shared/terminal-text.js";
import { api, type Global } from "./client.js";
import { describeState } from "./follow.js";
import { formatRun, formatStep, formatVerdict, out, Progress } from "./format.js";
import { readSse } from "./sse.js";

/** Follows a run's SSE stream; returns the exit code for its outcome. */
export async function follow(g: Global, runId: string, total: number, json: boolean): Promise<number> {
  const progress = new Progress(process.stderr, total, !json && process.stderr.isTTY === true);
  let state = "requested";
  let cause: string | undefined;
  try {
    for await (const { data } of readSse(`${g.url}/api/runs/${encodeURIComponent(runId)}/events`, g.token, undefined, g.caPem)) {
      const parsed = RunStreamEvent.safeParse(JSON.parse(data));
      if (!parsed.success) continue;
      const ev = parsed.data;
      if (json) out(termJson(ev));
      if (ev.type === "step") {
        progress.step();
        if (!json) progress.println(formatStep(ev.result));
      } else if (ev.type === "verdict") {
        cause = ev.verdict.cause;
        if (!json) progress.println(formatVerdict(ev.verdict));
      } else {
        state = ev.state;
        progress.setState(ev.state);
        // One line per state as it happens (queued with its expiry, waiting for consent...); the reason is the agent's text, escaped.
        if (!json) progress.println(term`${describeState(ev, Date.now())}`);
      }
    }
  } finally {
    progress.done();
  }
  return runExitCode(state, cause);
}

/**
 * Waits for the next run update on a ticket (typically the customer's offline check, uploaded when
 * their line is back), says what arrived, then follows that run to its end like `watch RUN`.
 */
export async function watchTicket(g: Global, ticketId: string, json: boolean): Promise<number> {
  const ac = new AbortController();
  let next: Extract<TicketStreamEvent, { type: "run" }> | undefined;
  try {
    for await (const { data } of readSse(`${g.url}/api/tickets/${encodeURIComponent(ticketId)}/events`, g.token, ac.signal, g.caPem)) {
      const parsed = TicketStreamEvent.safeParse(JSON.parse(data));
      if (!parsed.success) continue;
      const ev = parsed.data;
      if (json) out(termJson(ev));
      if (ev.type === "watching") {
        if (!json) out(term`waiting for a run on ticket ${ticketId} (the customer's offline check uploads when their line is back); Ctrl+C to stop`);
        continue;
      }
      next = ev;
      break;
    }
  } catch (e) {
    if ((e as Error).message === "ticket not found") throw new HttpClientError(404, "NOT_FOUND", `ticket ${ticketId} not found`);
    throw e;
  } finally {
    ac.abort();
  }
  if (!next) throw new HttpClientError(0, "STREAM_ENDED", "the collector ended the stream before a run arrived");
  if (!json) {
    out(
      next.offline
        ? term`· offline run ${next.runId} uploaded by agent ${next.agentId} (ran on the customer's computer at ${new Date(next.createdAt).toISOString()})`
        : term`· run ${next.runId} on agent ${next.agentId}: ${next.state}`,
    );
  }
  const run = await api(g, `/api/runs/${encodeURIComponent(next.runId)}`, Run, {}, { run: next.runId });
  // An offline run usually arrives whole: show it as stored; a run still going is followed live.
  if (TERMINAL_RUN_STATES.includes(run.state)) {
    out(json ? termJson(run) : formatRun(run));
    return runExitCode(run.state, run.verdict?.cause);
  }
  return follow(g, run.id, run.checks.length, json);
}

/**
 * 0 nothing wrong found (verdict NONE), 1 a fault found, undetermined, or no verdict at all (a run that
 * was not judged is no "nothing wrong"), 4 the run did not complete (the documented exit codes).
 */
function runExitCode(state: string, cause: string | undefined): number {
  if (state !== "completed") return 4;
  return cause === "NONE" ? 0 : 1;
}
