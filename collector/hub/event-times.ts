// An event's timestamps come from the agent's clock. They order runs and results (an offline run is
// dated by its `at`; device state picks the newest step by `startedAt`), so a date far ahead would
// sort one run above every later one for good. Refused outside the window of collector/limits.ts.
import type { RunEvent } from "../../shared/protocol.js";
import type { IngestLimits } from "../limits.js";
import type { AppendRefusal } from "../store/types.js";

const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** The refusal for the first timestamp of `ev` outside [now - maxAgeMs, now + maxClockAheadMs]. */
export function checkEventTimes(ev: RunEvent, now: number, limits: Pick<IngestLimits, "maxClockAheadMs" | "maxAgeMs">): AppendRefusal | undefined {
  const stamps: [string, number][] = [["at", ev.at]];
  if (ev.type === "step") stamps.push(["startedAt", ev.result.startedAt]);
  for (const [name, t] of stamps) {
    const ahead = t - now;
    if (ahead > limits.maxClockAheadMs || -ahead > limits.maxAgeMs) {
      const hours = (Math.abs(ahead) / 3_600_000).toFixed(1);
      return {
        refused: "TIMESTAMP_OUT_OF_RANGE",
        message: `${name} ${iso(t)} is ${hours} h ${ahead > 0 ? "ahead of" : "behind"} the collector's clock (${iso(now)}); allowed: ${limits.maxClockAheadMs / 3_600_000} h ahead, ${limits.maxAgeMs / 86_400_000} days behind. Check the agent's clock.`,
      };
    }
  }
  return undefined;
}
