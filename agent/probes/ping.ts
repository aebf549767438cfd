// The ping probe: runs the system `ping` (iputils) through the injected Spawner and parses its text.
// Not the `ping` npm package (LIBRARIES.md): 0.4.4 sets process.env.LANG for the whole process, both
// versions mutate the options passed in, it puts no `--` before the target (a target "-c" becomes an
// option) and it gives no cancel handle. Here: argv array, `--`, LC_ALL=C, the caller's AbortSignal.
import { HostTarget } from "../../shared/targets.js";
import type { Spawner } from "../system/spawn.js";
import { parsePingOutput } from "./parse-ping.js";
import type { PingReport, PingRequest } from "./ping-types.js";

export type { PingReport, PingRequest } from "./ping-types.js";

/** Thrown for a request no caller should make (hostile target, nonsense counts): a bug, not a network state. */
export class BadPingRequestError extends TypeError {
  constructor(
    readonly code: "BAD_TARGET" | "BAD_PING_REQUEST",
    message: string,
  ) {
    super(message);
    this.name = "BadPingRequestError";
  }
}

/**
 * Beyond ping's own runtime ((count-1) x interval + reply wait) the hard kill waits this long more:
 * name resolution (getaddrinfo has no timeout of its own) and process start. Past it the output so far
 * is still parsed.
 */
const PING_EXIT_SLACK_MS = 2000;

// An interface name (IFNAMSIZ 15) or an address for -I; never an option.
const SOURCE = /^[A-Za-z0-9][A-Za-z0-9_.:%@-]{0,63}$/;

/** Builds ping's argv; pure, so tests can see exactly what would run. Throws BadPingRequestError. */
export function pingArgs(req: PingRequest): string[] {
  if (!HostTarget.safeParse(req.host).success) {
    throw new BadPingRequestError("BAD_TARGET", `refusing to ping ${JSON.stringify(req.host).slice(0, 80)}: not an IP address or hostname`);
  }
  const intIn = (v: number | undefined, lo: number, hi: number) => v === undefined || (Number.isInteger(v) && v >= lo && v <= hi);
  if (!intIn(req.count, 1, 100) || !intIn(req.intervalMs, 2, 60_000) || !intIn(req.replyTimeoutMs, 1, 60_000) ||
      !intIn(req.ttl, 1, 255) || !intIn(req.payloadBytes, 0, 65_507)) {
    throw new BadPingRequestError("BAD_PING_REQUEST", `bad ping request for ${req.host}: count/interval/timeout/ttl/size out of range`);
  }
  if (req.source !== undefined && !SOURCE.test(req.source)) {
    throw new BadPingRequestError("BAD_PING_REQUEST", "bad ping source: must be an interface name or address");
  }
  // No -w deadline: iputils with -w keeps sending past -c until the deadline (measured here: -c 4 -w 3
  // sent 15), so the count sent would no longer be the count asked. With -c and -W alone ping exits
  // after (count-1) x interval + one reply wait; the spawn's hard timeout is the backstop.
  return [
    "-n",
    "-c", String(req.count),
    "-i", String(req.intervalMs / 1000),
    "-W", String(req.replyTimeoutMs / 1000),
    ...(req.ttl !== undefined ? ["-t", String(req.ttl)] : []),
    ...(req.payloadBytes !== undefined ? ["-s", String(req.payloadBytes)] : []),
    ...(req.dontFragment ? ["-M", "do"] : []),
    ...(req.source !== undefined ? ["-I", req.source] : []),
    "--",
    req.host,
  ];
}

/** Pings once per request; a dead or unreachable target is a Complete report with zero replies, never a throw. */
export async function ping(spawn: Spawner, req: PingRequest, signal: AbortSignal): Promise<PingReport> {
  const args = pingArgs(req);
  const base = { host: req.host, sent: req.count, received: 0, failed: req.count, lossPct: 100, rttMs: [], ttlExceededFrom: [], icmpErrors: [] };
  if (signal.aborted) return { ...base, status: "Error_Aborted" };
  const timeoutMs = (req.count - 1) * req.intervalMs + req.replyTimeoutMs + PING_EXIT_SLACK_MS;
  const res = await spawn("ping", args, { signal, timeoutMs });
  if (res.spawnError) {
    const missing = res.spawnError === "ENOENT";
    return {
      ...base,
      status: "Error_Internal",
      errorCode: missing ? "PING_BINARY_MISSING" : "PING_SPAWN_FAILED",
      localError: missing ? "the ping binary is not installed (Debian: iputils-ping)" : `cannot start ping: ${res.spawnError}`,
    };
  }
  if (signal.aborted) return { ...base, status: "Error_Aborted" };
  const parsed = parsePingOutput(res.stdout, res.stderr, res.code, req.count);
  if (res.aborted && !parsed.addressUsed) {
    // Killed by the hard timeout before it even started probing: name resolution hung.
    return { ...base, status: "Error_Internal", errorCode: "PING_TIMEOUT", localError: `ping did not start within ${timeoutMs} ms` };
  }
  return { host: req.host, ...parsed };
}
