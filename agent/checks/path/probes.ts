// The path check's I/O: TTL-limited pings for the hop list and DF pings for the path MTU, in parallel.
import { ping } from "../../probes/ping.js";
import type { PingRequest } from "../../probes/ping-types.js";
import type { Spawner } from "../../system/spawn.js";
import { TIMEOUTS } from "../../timeouts.js";
import { buildRoute, hopFromReport, type RouteTrace } from "./hops.js";
import { bracket, classifyMtuProbe, firstRoundPayloads, refinePayloads, summarizeMtu, type MtuProbe, type MtuResult } from "./mtu.js";

/** Probes per TTL and per MTU size: two, so one dropped packet does not make a hop or a size look silent;
 * the second costs only one ping interval. */
const PROBE_TRIES = 2;
/** Before calling a black hole, the smallest vanishing size is tried this many more times: at 25% random
 * loss two probes both vanish 6% of the time, four only 0.4%. */
const BLACKHOLE_CONFIRM_TRIES = 4;
/** Refinement rounds between the largest passing and smallest failing size, each of up to 8 sizes in
 * parallel: 3 rounds narrow the widest first-round gap (576 to 1200) to a few bytes. */
const MTU_REFINE_ROUNDS = 3;
const MTU_REFINE_WIDTH = 8;

const probeReq = (host: string, extra: Partial<PingRequest>): PingRequest => ({
  host,
  count: PROBE_TRIES,
  intervalMs: TIMEOUTS.pingIntervalMs,
  replyTimeoutMs: TIMEOUTS.pingReplyMs,
  ...extra,
});

/**
 * Pure: how long later MTU rounds wait for a reply, from the round trips the first round measured.
 * A DF probe that passes comes back in about one RTT (a 1500-byte packet adds well under 20 ms of
 * serialisation even on a 1 Mbit/s line), so after TIMEOUTS.mtuReplyRttFactor times the slowest RTT
 * seen it has vanished; never below TIMEOUTS.mtuReplyMinMs, never above the first round's wait.
 * undefined RTTs (nothing answered) keep the first round's wait.
 */
export function mtuReplyWaitMs(rttsMs: readonly number[]): number {
  if (!rttsMs.length) return TIMEOUTS.pingReplyMs;
  const wait = Math.ceil(Math.max(...rttsMs) * TIMEOUTS.mtuReplyRttFactor);
  return Math.min(TIMEOUTS.pingReplyMs, Math.max(TIMEOUTS.mtuReplyMinMs, wait));
}

/** Traceroute-style: one TTL-limited ping per TTL 1..maxHops, all at once. */
export async function traceRoute(spawn: Spawner, host: string, maxHops: number, signal: AbortSignal): Promise<RouteTrace> {
  const ttls = Array.from({ length: maxHops }, (_, i) => i + 1);
  const hops = await Promise.all(ttls.map(async (ttl) => hopFromReport(ttl, await ping(spawn, probeReq(host, { ttl }), signal))));
  return buildRoute(host, maxHops, PROBE_TRIES, hops);
}

/** DF pings of common then bisected sizes toward `host`; see mtu.ts for how answers are read. */
export async function probeMtu(spawn: Spawner, host: string, signal: AbortSignal): Promise<MtuResult> {
  const ipv6 = host.includes(":");
  const probes: MtuProbe[] = [];
  const rtts: number[] = [];
  // The first round has no RTT to go by; the later ones (refinement, black-hole confirmation, which
  // wait mostly on silence) wait only as long as the first round's replies say a reply can take.
  let replyTimeoutMs: number = TIMEOUTS.pingReplyMs;
  const run = async (sizes: readonly number[], count = PROBE_TRIES) => {
    const got = await Promise.all(
      sizes.map(async (s) => {
        const report = await ping(spawn, probeReq(host, { payloadBytes: s, dontFragment: true, count, replyTimeoutMs }), signal);
        rtts.push(...report.rttMs);
        return classifyMtuProbe(s, ipv6, report);
      }),
    );
    for (const p of got) {
      const i = probes.findIndex((q) => q.payloadBytes === p.payloadBytes);
      if (i >= 0) probes.splice(i, 1);
      probes.push(p);
    }
  };
  await run(firstRoundPayloads(ipv6));
  replyTimeoutMs = mtuReplyWaitMs(rtts);
  const first = summarizeMtu(host, ipv6, probes);
  const hdr = ipv6 ? 48 : 28;
  if (first.reportedMtu) {
    // A router named the MTU: confirm that exactly that size passes instead of bisecting.
    const exact = first.reportedMtu.mtu - hdr;
    if (exact > (first.largestPayloadBytes ?? 0) && !probes.some((p) => p.payloadBytes === exact)) await run([exact]);
  } else {
    for (let round = 0; round < MTU_REFINE_ROUNDS && !signal.aborted; round++) {
      const b = bracket(probes);
      const sizes = b ? refinePayloads(b.pass, b.fail, MTU_REFINE_WIDTH) : [];
      if (!sizes.length) break;
      await run(sizes);
    }
    const b = bracket(probes);
    if (summarizeMtu(host, ipv6, probes).blackHole && b) await run([b.fail], BLACKHOLE_CONFIRM_TRIES);
  }
  return summarizeMtu(host, ipv6, probes);
}
