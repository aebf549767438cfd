// What one collector tells the others through PostgreSQL's LISTEN/NOTIFY (docs/cluster.md). A signal
// carries ids only: PostgreSQL limits a payload to 8000 bytes, and the data itself is read from the
// tables by whoever receives it, so a signal can never disagree with what is stored. Every payload
// names the node that sent it, so a node ignores its own. Payloads are parsed like any other input that
// crosses a boundary: a payload that does not parse is logged and dropped.
import { z } from "zod";
import { parseBoundedJson } from "../../shared/bounded-json.js";
import { CloseCode, Id } from "../../shared/protocol.js";

/** The one channel every node LISTENs on. */
export const SIGNAL_CHANNEL = "netdiag_cluster";

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; this leaves room for the envelope. */
export const MAX_PAYLOAD_BYTES = 7900;

/** The close codes a relayed disconnect may carry (revocation, re-enrollment). */
export const RelayedClose = z.union([z.literal(CloseCode.revoked), z.literal(CloseCode.replaced)]);

export const ClusterSignal = z.discriminatedUnion("t", [
  /** These runs changed (a step, a verdict, a state): nodes with live viewers of them re-read them. */
  z.strictObject({ t: z.literal("run.changed"), runs: z.array(Id).min(1).max(200) }),
  /** A run was requested (or must be re-sent): the node holding the agent's link sends it. */
  z.strictObject({ t: z.literal("run.requested"), runId: Id, agentId: Id }),
  /** A run was cancelled while the agent holds it: the node holding the agent's link tells the agent. */
  z.strictObject({ t: z.literal("run.cancel"), runId: Id, agentId: Id }),
  /** The agent's credentials changed (revoked, re-keyed): every node closes its socket and in-flight upgrades. */
  z.strictObject({ t: z.literal("agent.disconnect"), agentId: Id, code: RelayedClose }),
  /** The agent's current link is now this one on the sending node: a node holding an older socket closes it. */
  z.strictObject({ t: z.literal("link.taken"), agentId: Id, linkId: Id }),
]);
export type ClusterSignal = z.infer<typeof ClusterSignal>;

export const SignalEnvelope = z.strictObject({ o: Id, s: ClusterSignal });
export type SignalEnvelope = z.infer<typeof SignalEnvelope>;

export type ParsedEnvelope = { ok: true; envelope: SignalEnvelope } | { ok: false; message: string };

/** A received payload, through the bounded JSON parser and the schema. */
export function parseEnvelope(payload: string): ParsedEnvelope {
  const json = parseBoundedJson(payload);
  if (!json.ok) return { ok: false, message: json.message };
  const r = SignalEnvelope.safeParse(json.value);
  return r.success ? { ok: true, envelope: r.data } : { ok: false, message: z.prettifyError(r.error) };
}

/**
 * The payloads for a batch of signals: run.changed ids are merged into as few payloads as fit
 * (each run once, in order of first mention); the other signals go one per payload, in order, after
 * them. Pure, so the packing is table-tested.
 */
export function packSignals(origin: string, signals: readonly ClusterSignal[], maxBytes = MAX_PAYLOAD_BYTES): string[] {
  const out: string[] = [];
  const changed = [...new Set(signals.flatMap((s) => (s.t === "run.changed" ? s.runs : [])))];
  let batch: string[] = [];
  const flush = () => {
    if (batch.length) out.push(JSON.stringify({ o: origin, s: { t: "run.changed", runs: batch } }));
    batch = [];
  };
  for (const id of changed) {
    const next = [...batch, id];
    if (next.length > 200 || JSON.stringify({ o: origin, s: { t: "run.changed", runs: next } }).length > maxBytes) flush();
    batch.push(id);
  }
  flush();
  for (const s of signals) if (s.t !== "run.changed") out.push(JSON.stringify({ o: origin, s }));
  return out;
}
