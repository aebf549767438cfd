// doctor: is this machine's clock near the collector's? Grants, deadlines and certificate checks all
// read the clock; a clock hours off makes valid certificates look expired and grants end early or late.
import { finding, type DoctorFinding } from "./types.js";

/** More than this apart is a problem. HTTP Date has one-second resolution, and request time adds a little. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Pure: `localMs` (this machine, when the answer came) against the collector's Date header. */
export function assessClock(localMs: number, dateHeader: string | undefined): DoctorFinding {
  const remote = dateHeader === undefined ? Number.NaN : Date.parse(dateHeader);
  if (!Number.isFinite(remote)) return finding("clock", "skip", "CLOCK_UNKNOWN");
  const skewMs = localMs - remote;
  const vars = { seconds: Math.round(Math.abs(skewMs) / 1000), minutes: Math.round(Math.abs(skewMs) / 60_000), local: new Date(localMs).toISOString(), remote: new Date(remote).toISOString() };
  return Math.abs(skewMs) > MAX_CLOCK_SKEW_MS ? finding("clock", "fail", "CLOCK_SKEWED", vars) : finding("clock", "ok", "CLOCK_OK", vars);
}
