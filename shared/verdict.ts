// The fault-isolation verdict: one segment, one cause, the evidence it rests on, what to do next.
import { z } from "zod";
import { CheckId } from "./checks.js";

export const SEGMENTS = ["none", "host", "lan", "router", "wan", "isp", "dns", "service"] as const;
export const Segment = z.enum(SEGMENTS);
export type Segment = z.infer<typeof Segment>;

export const LocalizedText = z.object({ en: z.string().max(2000), "zh-CN": z.string().max(2000) });
export type LocalizedText = z.infer<typeof LocalizedText>;

export const Evidence = z.object({
  check: CheckId,
  /** The finding code (or status) the verdict rests on. */
  code: z.string().max(64),
  detail: z.string().max(1000),
});
export type Evidence = z.infer<typeof Evidence>;

export const Verdict = z.object({
  segment: Segment,
  /** A code from the closed set documented in README (e.g. NIC_ADMIN_DOWN, WAN_LINK_DOWN). */
  cause: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/),
  /** One line for the engineer. */
  summary: z.string().max(1000),
  evidence: z.array(Evidence).max(100),
  /** Later failures explained by this one. */
  consequences: z.array(Evidence).max(100),
  /** Further faults found beyond the first (each with its own evidence); empty when none. */
  also: z.array(z.object({ segment: Segment, cause: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/), evidence: z.array(Evidence).max(20) })).max(10).optional(),
  /**
   * For UNDETERMINED: the segments the evidence cannot tell apart, each with a cause and the evidence
   * pointing at it, and the probe that would decide. Empty otherwise.
   */
  candidates: z.array(z.object({ segment: Segment, cause: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/), evidence: z.array(Evidence).max(20) })).max(8).optional(),
  decider: z.string().max(1000).optional(),
  /** Failed observations explained by a named harmless reason, not by the cause ("the router drops ping; ARP and TCP prove it alive"). */
  explained: z.array(z.object({ reason: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/), detail: z.string().max(1000), failures: z.array(Evidence).max(50) })).max(20).optional(),
  /** Segments that could not be judged because their evidence was not measured. */
  unverified: z.array(Segment).max(8),
  next_steps: z.object({
    customer: z.array(LocalizedText).max(20),
    engineer: z.array(z.string().max(1000)).max(20),
  }),
});
export type Verdict = z.infer<typeof Verdict>;
