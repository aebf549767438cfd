// Path-MTU probing with don't-fragment pings: which sizes to try, and what the answers mean. Pure.
import type { MtuProbe, MtuResult } from "../../../shared/checks.js";
import type { PingReport } from "../../probes/ping-types.js";

/** Link MTUs seen in access networks: Ethernet, PPPoE (1492), common tunnel/VPN sizes, IPv6 minimum, 576. */
const COMMON_MTUS = [1500, 1492, 1480, 1460, 1420, 1400, 1280, 1200, 576] as const;
/** A tiny DF probe: if even this fails the anchor is unreachable and the MTU is not measured. */
const BASELINE_PAYLOAD = 56;

export const headerBytes = (ipv6: boolean): number => (ipv6 ? 48 : 28);

/** First round of payload sizes (largest first). IPv6 never goes below its 1280 minimum. */
export function firstRoundPayloads(ipv6: boolean): number[] {
  const mtus = COMMON_MTUS.filter((m) => !ipv6 || m >= 1280);
  return [...mtus.map((m) => m - headerBytes(ipv6)), BASELINE_PAYLOAD];
}

/** Up to `n` sizes strictly between a passing and a failing payload, evenly spread; [] when adjacent. */
export function refinePayloads(passBytes: number, failBytes: number, n: number): number[] {
  const gap = failBytes - passBytes;
  if (gap <= 1) return [];
  const k = Math.min(n, gap - 1);
  const out = new Set<number>();
  for (let i = 1; i <= k; i++) out.add(passBytes + Math.round((gap * i) / (k + 1)));
  return [...out].filter((p) => p > passBytes && p < failBytes);
}

export type { MtuProbe, MtuResult };

export function classifyMtuProbe(payloadBytes: number, ipv6: boolean, r: PingReport): MtuProbe {
  const base = { payloadBytes, packetBytes: payloadBytes + headerBytes(ipv6) };
  if (r.received > 0) return { ...base, outcome: "reply" };
  if (r.fragNeeded) return { ...base, outcome: "frag_needed", mtu: r.fragNeeded.mtu, ...(r.fragNeeded.from ? { from: r.fragNeeded.from } : {}) };
  if (r.localMtu !== undefined) return { ...base, outcome: "local_too_big", mtu: r.localMtu };
  if (r.status !== "Complete") return { ...base, outcome: "error" };
  return { ...base, outcome: "silent" };
}

/** Sums up every probe made so far. */
export function summarizeMtu(host: string, ipv6: boolean, probes: readonly MtuProbe[]): MtuResult {
  const sorted = [...probes].sort((a, b) => a.payloadBytes - b.payloadBytes);
  const passed = sorted.filter((p) => p.outcome === "reply");
  const largest = passed.at(-1)?.payloadBytes;
  const named = sorted.filter((p) => p.mtu !== undefined).sort((a, b) => (a.mtu as number) - (b.mtu as number));
  const byRouter = named.find((p) => p.outcome === "frag_needed" && p.mtu === named[0]?.mtu);
  const reported = byRouter ?? named[0];
  const silentAbove = largest !== undefined && sorted.some((p) => p.payloadBytes > largest && p.outcome === "silent");
  return {
    Host: host,
    probes: sorted,
    ...(largest !== undefined ? { largestPayloadBytes: largest, pathMtu: largest + headerBytes(ipv6) } : {}),
    ...(reported ? { reportedMtu: { mtu: reported.mtu as number, ...(reported.from ? { from: reported.from } : {}) } } : {}),
    blackHole: silentAbove && !reported,
  };
}

/** The smallest failing payload above the largest passing one (what to refine towards). */
export function bracket(probes: readonly MtuProbe[]): { pass: number; fail: number } | undefined {
  const pass = Math.max(...probes.filter((p) => p.outcome === "reply").map((p) => p.payloadBytes));
  if (!Number.isFinite(pass)) return undefined;
  const fails = probes.filter((p) => p.payloadBytes > pass && p.outcome !== "reply" && p.outcome !== "error").map((p) => p.payloadBytes);
  return fails.length ? { pass, fail: Math.min(...fails) } : undefined;
}
