// doctor: the system `ping` is there and can do what the checks ask of it: an echo at all, with the
// don't-fragment bit (-M do, the path MTU probe) and with a TTL (-t, hop discovery). Asked of
// 127.0.0.1 only, with the same argv builder and parser the checks use (agent/probes/).
import { parsePingOutput } from "../probes/parse-ping.js";
import { pingArgs } from "../probes/ping.js";
import type { PingRequest } from "../probes/ping-types.js";
import type { SpawnResult, Spawner } from "../system/spawn.js";
import { finding, type DoctorFinding } from "./types.js";

const LOOPBACK = "127.0.0.1";
const BASE: PingRequest = { host: LOOPBACK, count: 1, intervalMs: 200, replyTimeoutMs: 1000 };
/** One echo on loopback answers in well under a millisecond; this is only the backstop. */
const PING_TIMEOUT_MS = 5000;

export interface PingTrials {
  plain: SpawnResult;
  df: SpawnResult;
  ttl: SpawnResult;
}

/** Runs the three pings (plain, -M do, -t 64) against 127.0.0.1. */
export async function pingTrials(spawn: Spawner, signal: AbortSignal): Promise<PingTrials> {
  const run = (req: PingRequest) => spawn("ping", pingArgs(req), { signal, timeoutMs: PING_TIMEOUT_MS });
  const [plain, df, ttl] = await Promise.all([run(BASE), run({ ...BASE, dontFragment: true }), run({ ...BASE, ttl: 64 })]);
  return { plain, df, ttl };
}

const answered = (r: SpawnResult) => !r.spawnError && parsePingOutput(r.stdout, r.stderr, r.code, 1).received > 0;
/** The first line ping wrote on stderr (what went wrong, in its words), or its exit. */
const why = (r: SpawnResult) => (r.stderr.split("\n").find((l) => l.trim()) ?? `exit ${r.code}`).trim().slice(0, 200);
// iputils: "ping: socket: Operation not permitted"; busybox: "ping: permission denied (are you root?)".
const NOT_PERMITTED = /operation not permitted|permission denied|are you root/i;

/** Pure: what the three trials say. DF missing is a warning (only the MTU probe needs it), TTL a failure (hop discovery). */
export function assessPing(t: PingTrials): DoctorFinding {
  if (t.plain.spawnError === "ENOENT") return finding("ping", "fail", "PING_BINARY_MISSING");
  if (!answered(t.plain)) {
    if (t.plain.spawnError || NOT_PERMITTED.test(t.plain.stderr)) {
      const line = t.plain.stderr.split("\n").find((l) => NOT_PERMITTED.test(l))?.trim().slice(0, 200);
      return finding("ping", "fail", "PING_NOT_PERMITTED", { error: t.plain.spawnError ?? line ?? why(t.plain) });
    }
    return finding("ping", "fail", "PING_LOOPBACK_FAILED", { error: why(t.plain) });
  }
  if (!answered(t.ttl)) return finding("ping", "fail", "PING_NO_TTL", { error: why(t.ttl) });
  if (!answered(t.df)) return finding("ping", "warn", "PING_NO_DF", { error: why(t.df) });
  return finding("ping", "ok", "PING_OK");
}
