// `netdiag run --follow` / `netdiag watch`: reads the run's live stream (SSE) and prints each state as
// it happens (queued while the agent is offline, sent, received, waiting for the customer's consent,
// running, delivering, and how it ended), each step as it lands and the verdict. Returns the exit code.
import { RunStreamEvent, type RunState } from "../shared/api.js";
import { formatStep, formatVerdict, Progress } from "./format.js";
import { readSse } from "./sse.js";

export interface FollowTarget {
  url: string;
  token: string;
  caPem?: string;
}

/** "10:35:00 (in 4m 58s)" in local time; "(now)" once due. */
export function formatDeadline(until: number, now: number): string {
  const t = new Date(until);
  const hms = [t.getHours(), t.getMinutes(), t.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
  const left = Math.round((until - now) / 1000);
  if (left <= 0) return `${hms} (now)`;
  const m = Math.floor(left / 60);
  return `${hms} (in ${m ? `${m}m ` : ""}${left % 60}s)`;
}

/** One human line per state: what it means for the engineer, with the reason and the deadline. */
export function describeState(ev: { state: RunState; reason?: string | undefined; until?: number | undefined }, now: number): string {
  const until = ev.until !== undefined ? formatDeadline(ev.until, now) : undefined;
  const why = ev.reason ? `: ${ev.reason}` : "";
  switch (ev.state) {
    case "requested":
      return `· queued: the agent is offline; the run is sent when it connects${until ? `, expires at ${until}` : ""}${ev.reason ? ` (${ev.reason})` : ""}`;
    case "sent":
      return `· sent to the agent, waiting for its acknowledgement${until ? `; expires at ${until}` : ""}`;
    case "received":
      return "· received by the agent";
    case "awaiting_consent":
      return `· waiting for the customer's consent${until ? ` (answer due by ${until})` : ""}`;
    case "running":
      return "· running";
    case "delivering":
      return "· delivering: the agent's link dropped while it holds the run; its answer and results follow when it reconnects";
    case "expired":
      return `· expired${why}`;
    default:
      return `· run ${ev.state}${why}`;
  }
}

/** Follows a run's SSE stream; returns the exit code for its outcome (0 none, 1 fault, 4 not completed). */
export async function follow(g: FollowTarget, runId: string, total: number, json: boolean): Promise<number> {
  const progress = new Progress(process.stderr, total, !json && process.stderr.isTTY === true);
  let state = "requested";
  let segment: string | undefined;
  try {
    for await (const { data } of readSse(`${g.url}/api/runs/${encodeURIComponent(runId)}/events`, g.token, undefined, g.caPem)) {
      const parsed = RunStreamEvent.safeParse(JSON.parse(data));
      if (!parsed.success) continue;
      const ev = parsed.data;
      if (json) process.stdout.write(JSON.stringify(ev) + "\n");
      if (ev.type === "step") {
        progress.step();
        if (!json) progress.println(formatStep(ev.result));
      } else if (ev.type === "verdict") {
        segment = ev.verdict.segment;
        if (!json) progress.println(formatVerdict(ev.verdict));
      } else {
        state = ev.state;
        progress.setState(ev.state);
        if (!json) progress.println(describeState(ev, Date.now()));
      }
    }
  } finally {
    progress.done();
  }
  if (state !== "completed") return 4;
  return segment && segment !== "none" ? 1 : 0;
}
