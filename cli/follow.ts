// What `netdiag run --follow` / `netdiag watch` (cli/watch.ts) print for each state of a run as it
// happens: queued while the agent is offline (with its expiry), sent, received, waiting for the
// customer's consent (with when the answer is due), running, delivering, and how it ended.
import type { RunState } from "../shared/api.js";

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
