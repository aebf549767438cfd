// The fault-isolation engine: a pure function from step results to one verdict (docs/verdict.md).
//  1. observe: typed facts per check, and every failed observation with the points its probe needs;
//  2. locate: which points answers prove alive, where corroborated silence or an ICMP error says
//     traffic stops, what the router's own traffic says about its uplink;
//  3. judge: faults, degradations and ambiguities in chain order; the first fault wins (a degradation
//     before it wins when it explains a timeout); an ambiguity there gives UNDETERMINED;
//  4. explain: every failed observation must be explained by the chosen cause (it breaks a point the
//     observation needs), by a further fault found, or by a named harmless reason. What nothing
//     explains makes the verdict UNDETERMINED, never NONE.
import type { StepResult } from "../../shared/checks.js";
import type { Evidence, Segment, Verdict } from "../../shared/verdict.js";
import { benignExplanations } from "./benign.js";
import { CAUSES, type Cause } from "./causes.js";
import { observe } from "./extract.js";
import { judge, type Ambiguity, type Finding, type Judgement } from "./judge.js";
import { locate } from "./locate.js";
import type { Failure, Observations } from "./observations.js";
import { SEGMENT_OF } from "./points.js";

export { ANCHOR_SLOW_MS, GATEWAY_SLOW_MS, ISP_LOSS_MIN_LOST, ISP_LOSS_PCT, LOSS_PROBLEM_PCT } from "./judge.js";

const CHAIN: readonly Exclude<Segment, "none">[] = ["host", "lan", "router", "wan", "isp", "dns", "service"];

/** Symptoms that packet loss or latency earlier in the chain can produce on their own. */
const EXPLAINED_BY_DEGRADATION = new Set<Cause>(["DHCP_NO_OFFER", "SERVICE_TIMEOUT", "SERVICE_DNS_FAILED", "SERVICE_UNREACHABLE", "SERVICE_RESET", "DNS_TIMEOUT", "DNS_SLOW", "SERVICE_SLOW", "ISP_PACKET_LOSS", "ISP_HIGH_LATENCY"]);

/** Faults judged from silence alone (timeouts, no answer): a heavy loss before them explains them too. */
const SILENCE_FAULTS = new Set<Cause>(["ROUTER_DNS_DEAD", "ROUTER_UNRESPONSIVE", "ISP_HOP_UNREACHABLE", "ISP_UPSTREAM_UNREACHABLE", "DNS_RESOLVER_DEAD", "DNS_UPSTREAM_DEAD"]);

const segmentOf = (j: Judgement): Exclude<Segment, "none"> => {
  const cause = j.kind === "ambiguous" ? j.candidates[0]!.cause : j.cause;
  const s = CAUSES[cause].segment;
  return s === "none" ? SEGMENT_OF[j.kind === "ambiguous" ? j.candidates[0]!.breaks : j.breaks] : s;
};

const key = (e: Evidence) => `${e.check}:${e.code}:${e.detail}`;

/** Pure: the verdict for a set of step results. */
export function isolateFault(steps: readonly StepResult[]): Verdict {
  const obs = observe(steps);
  const reach = locate(obs);
  const found = judge(obs, reach)
    .map((j, i) => ({ j, i, seg: CHAIN.indexOf(segmentOf(j)) }))
    .sort((a, b) => a.seg - b.seg || a.i - b.i)
    .map((x) => x.j);

  const firstBlocking = found.find((j) => j.kind !== "degraded");
  const firstDegraded = found.find((j): j is Finding => j.kind === "degraded");
  // Loss and latency upstream explain timeouts downstream: a degraded segment before a fault of that
  // kind is the cause, the timeout its consequence. A refusal or an error answer is not explained so.
  // A loss so heavy that silence beyond it is expected (judge.ts HEAVY_LOSS_PCT) explains a fault judged
  // from silence alone as well.
  const degradationFirst =
    firstBlocking?.kind === "fault" &&
    firstDegraded &&
    found.indexOf(firstDegraded) < found.indexOf(firstBlocking) &&
    (EXPLAINED_BY_DEGRADATION.has(firstBlocking.cause) || (firstDegraded.silencesExpected === true && SILENCE_FAULTS.has(firstBlocking.cause)));
  const pick: Judgement | undefined = degradationFirst ? firstDegraded : (firstBlocking ?? firstDegraded);

  if (pick?.kind === "ambiguous") return undetermined(obs, pick.candidates, pick.decider, []);

  // Explain every failure: by the pick, by further faults, by a named harmless reason.
  const others = found.filter((j): j is Finding => j !== pick && j.kind !== "ambiguous");
  const benign = benignExplanations(obs, reach);
  const cited = new Set((pick?.evidence ?? []).map(key));
  const unexplained: Failure[] = [];
  const consequences: Evidence[] = [];
  /** Further faults that explain some failures, with those failures (listed with the fault). */
  const alsoUsed = new Map<Finding, Evidence[]>();
  const explainedBy = new Map<string, Evidence[]>();
  const alsoDegraded: Failure[] = [];
  for (const f of obs.failures) {
    if (cited.has(key(f.evidence))) continue;
    if (pick && explains(pick, f)) {
      consequences.push(f.evidence);
      continue;
    }
    const other = others.find((o) => o.evidence.some((e) => key(e) === key(f.evidence)) || explains(o, f));
    if (other) {
      alsoUsed.set(other, [...(alsoUsed.get(other) ?? []), f.evidence]);
      continue;
    }
    const b = benign.find((x) => x.explains(f));
    if (b) {
      explainedBy.set(b.reason, [...(explainedBy.get(b.reason) ?? []), f.evidence]);
      continue;
    }
    // Slowness or loss the fault does not explain is a second, lesser problem: reported beside the
    // fault, not a reason to doubt it (a relay slow under load does not make a NAT failure unsure).
    if (pick?.kind === "fault" && f.kind === "degraded") {
      alsoDegraded.push(f);
      continue;
    }
    unexplained.push(f);
  }
  const explained = benign.filter((b) => explainedBy.has(b.reason)).map((b) => ({ reason: b.reason, detail: b.detail, failures: explainedBy.get(b.reason)!.slice(0, 50) }));

  if (unexplained.length) {
    const candidates = [...(pick ? [{ cause: pick.cause, breaks: pick.breaks, evidence: pick.evidence }] : []), ...candidatesFor(unexplained)];
    return undetermined(obs, candidates, "Some failed observations are not explained by any fault found: re-run the diagnosis; if they persist, run the checks listed as not verified and compare with another device at the site.", unexplained.map((u) => u.evidence), explained);
  }
  if (!pick) {
    if (obs.measured.size === 0) return undetermined(obs, [], "Nothing was measured: run the diagnosis with its checks.", [], explained);
    return build("NONE", [], [], unverifiedSegments(obs), explained, []);
  }
  const also = [
    ...[...alsoUsed.keys(), ...others.filter((o) => o.kind === "fault" && !alsoUsed.has(o))].map((o) => {
      const evidence = [...o.evidence, ...(alsoUsed.get(o) ?? []).filter((e) => !o.evidence.some((x) => key(x) === key(e)))];
      return { segment: CAUSES[o.cause].segment, cause: o.cause as string, evidence: evidence.slice(0, 20) };
    }),
    ...alsoDegraded.map((f) => ({ segment: SEGMENT_OF[f.path.find((p) => p !== "device" && p !== "link") ?? f.path[0]!], cause: f.evidence.code in CAUSES ? f.evidence.code : "DEGRADED", evidence: [f.evidence] })),
  ];
  return build(pick.cause, pick.evidence, consequences, unverifiedBefore(obs, CAUSES[pick.cause].segment), explained, also, pick.kind === "degraded");
}

/** A fault explains a failure whose probe needs the point it breaks; a degradation only silence and slowness there. */
function explains(j: Finding, f: Failure): boolean {
  if (j.evidence.some((e) => key(e) === key(f.evidence))) return true;
  // Only a fault of the device itself or its link explains a failure the engine has no rule for.
  const breaks = [j.breaks, ...(j.alsoBreaks ?? [])];
  if (f.path.includes("unknown")) return j.kind === "fault" && breaks.some((b) => b === "device" || b === "link");
  if (!breaks.some((b) => f.path.includes(b))) return false;
  return j.kind === "fault" || f.kind === "silence" || f.kind === "degraded";
}

function candidatesFor(failures: Failure[]): Ambiguity["candidates"] {
  const out: Ambiguity["candidates"] = [];
  for (const f of failures) {
    // The nearest point the failure needs that is not the device itself: where to look first.
    const point = f.path.find((p) => p !== "device" && p !== "link") ?? f.path[0]!;
    if (!out.some((c) => c.breaks === point)) out.push({ cause: "UNDETERMINED", breaks: point, evidence: [f.evidence] });
    else out.find((c) => c.breaks === point)!.evidence.push(f.evidence);
  }
  return out;
}

/** Segments before `segment` whose checks did not run: the verdict holds only if they are healthy. */
function unverifiedBefore(obs: Observations, segment: Segment): Segment[] {
  const upTo = segment === "none" ? CHAIN.length : CHAIN.indexOf(segment);
  return unverifiedSegments(obs).filter((s) => CHAIN.indexOf(s as Exclude<Segment, "none">) < upTo);
}

function unverifiedSegments(obs: Observations): Segment[] {
  const m = obs.measured;
  const has = (...ids: Parameters<typeof m.has>[0][]) => ids.some((id) => m.has(id));
  const out: Segment[] = [];
  if (!has("host")) out.push("host");
  if (!has("host", "gateway")) out.push("lan");
  if (!has("gateway", "dhcp", "dns")) out.push("router");
  if (!has("path", "snmp", "routeros")) out.push("wan");
  if (!has("path")) out.push("isp");
  if (!has("dns")) out.push("dns");
  if (!has("service")) out.push("service");
  return out;
}

function undetermined(obs: Observations, candidates: Ambiguity["candidates"], decider: string, unexplained: Evidence[], explained: Explained = []): Verdict {
  const v = build("UNDETERMINED", candidates.flatMap((c) => c.evidence).slice(0, 100), [], unverifiedSegments(obs), explained, []);
  const seen = new Set<string>();
  v.candidates = candidates
    .map((c) => ({ segment: CAUSES[c.cause].segment === "none" ? SEGMENT_OF[c.breaks] : CAUSES[c.cause].segment, cause: c.cause, evidence: c.evidence.slice(0, 20) }))
    .filter((c) => !seen.has(`${c.segment}:${c.cause}`) && seen.add(`${c.segment}:${c.cause}`))
    .slice(0, 8);
  v.decider = decider;
  // The nearest candidate in chain order is where to look first; a failure is never reported as "none".
  const nearest = [...(v.candidates ?? [])].sort((a, b) => CHAIN.indexOf(a.segment as Exclude<Segment, "none">) - CHAIN.indexOf(b.segment as Exclude<Segment, "none">))[0];
  if (nearest) v.segment = nearest.segment;
  if (candidates.length) v.summary = `${v.summary}: ${(v.candidates ?? []).map((c) => `${c.segment}${c.cause !== "UNDETERMINED" ? ` (${c.cause})` : ""}`).join(" or ")}`;
  if (unexplained.length) v.next_steps.engineer.unshift(`Not explained by any fault found: ${unexplained.map((e) => `${e.check}:${e.code}`).join(", ")}.`);
  v.next_steps.engineer.unshift(decider);
  return v;
}

type Also = NonNullable<Verdict["also"]>;
type Explained = NonNullable<Verdict["explained"]>;

function build(cause: Cause, evidence: Evidence[], consequences: Evidence[], unverified: Segment[], explained: Explained, also: Also, degraded = false): Verdict {
  const spec = CAUSES[cause];
  const engineer: string[] = [...spec.engineer];
  if (unverified.length && cause !== "UNDETERMINED") {
    engineer.push(`Not verified (not measured): ${unverified.join(", ")}. ${cause === "NONE" ? "Run the missing checks to be sure." : "The verdict holds only if these are healthy: check them first."}`);
  }
  for (const a of also) engineer.push(`Also found: ${a.segment}/${a.cause}: ${a.evidence[0]?.detail ?? ""}`.slice(0, 1000));
  return {
    segment: spec.segment,
    cause,
    summary: `${degraded ? "degraded: " : ""}${spec.title}`,
    evidence: evidence.slice(0, 100),
    consequences: consequences.slice(0, 100),
    also: also.slice(0, 10),
    candidates: [],
    explained: explained.slice(0, 20),
    unverified,
    next_steps: { customer: [...spec.customer], engineer: engineer.slice(0, 20) },
  };
}
