// Which state each link of the fault-isolation chain is in for a verdict (pure): the picture on the
// ticket page (chain-svg.ts) draws these. The chain is the verdict's segments in path order, walked
// outward from the customer's device (docs/verdict.md).
import type { Segment, Verdict } from "../../../shared/verdict.js";

/** device -> LAN -> router -> line/modem -> ISP -> DNS -> service. */
export const CHAIN: readonly Exclude<Segment, "none">[] = ["host", "lan", "router", "wan", "isp", "dns", "service"];
export type ChainLink = (typeof CHAIN)[number];

/**
 * fault: the verdict's segment (the first break); also: a further fault found beyond it; suspect: an
 * UNDETERMINED verdict's candidate; ok: traffic went through it (before the break, or the verdict found
 * nothing wrong); unverified: its evidence was not measured (the verdict says so); beyond: after the
 * break, so nothing there could be judged.
 */
export type LinkState = "fault" | "also" | "suspect" | "ok" | "unverified" | "beyond";

export function chainStates(v: Pick<Verdict, "segment" | "cause" | "unverified" | "also" | "candidates">): Record<ChainLink, LinkState> {
  const unverified = new Set<Segment>(v.unverified);
  const also = new Set<Segment>((v.also ?? []).map((a) => a.segment));
  const suspects = new Set<Segment>(v.cause === "UNDETERMINED" ? (v.candidates ?? []).map((c) => c.segment) : []);
  // UNDETERMINED's segment is its nearest candidate; with no candidates listed, that segment alone.
  if (v.cause === "UNDETERMINED" && suspects.size === 0 && v.segment !== "none") suspects.add(v.segment);
  const firstBreak =
    v.cause === "UNDETERMINED"
      ? Math.min(...CHAIN.map((s, i) => (suspects.has(s) ? i : CHAIN.length)))
      : v.segment === "none"
        ? CHAIN.length
        : CHAIN.indexOf(v.segment);
  const out = {} as Record<ChainLink, LinkState>;
  CHAIN.forEach((s, i) => {
    out[s] =
      suspects.has(s) ? "suspect"
      : v.cause !== "UNDETERMINED" && i === firstBreak ? "fault"
      : also.has(s) ? "also"
      : unverified.has(s) ? "unverified"
      : i < firstBreak ? "ok"
      : "beyond";
  });
  return out;
}
