// Cluster signal payloads: ids only, each under PostgreSQL's 8000-byte NOTIFY limit, changed runs
// coalesced, anything that does not parse refused with a reason.
import { describe, expect, test } from "vitest";
import { MAX_PAYLOAD_BYTES, packSignals, parseEnvelope, type ClusterSignal } from "../../collector/cluster/signal.js";

const id = (i: number) => `run_${String(i).padStart(40, "0")}`;

describe("packSignals", () => {
  test("run.changed ids are merged, each run once, in first-mention order; other signals follow in order", () => {
    const s: ClusterSignal[] = [
      { t: "run.changed", runs: ["run_aaaaaa"] },
      { t: "run.requested", runId: "run_bbbbbb", agentId: "ag_cccccc" },
      { t: "run.changed", runs: ["run_dddddd", "run_aaaaaa"] },
      { t: "link.taken", agentId: "ag_cccccc", linkId: "lnk_eeeeee" },
    ];
    expect(packSignals("node_1234", s).map((p) => JSON.parse(p))).toEqual([
      { o: "node_1234", s: { t: "run.changed", runs: ["run_aaaaaa", "run_dddddd"] } },
      { o: "node_1234", s: { t: "run.requested", runId: "run_bbbbbb", agentId: "ag_cccccc" } },
      { o: "node_1234", s: { t: "link.taken", agentId: "ag_cccccc", linkId: "lnk_eeeeee" } },
    ]);
  });

  test.each([1, 150, 200, 201, 1000])("%i changed runs: every payload under the limit, parseable, no run lost or repeated", (n) => {
    const runs = Array.from({ length: n }, (_, i) => id(i));
    const payloads = packSignals("node_1234", runs.map((r) => ({ t: "run.changed", runs: [r] })));
    const seen: string[] = [];
    for (const p of payloads) {
      expect(Buffer.byteLength(p)).toBeLessThan(MAX_PAYLOAD_BYTES);
      const e = parseEnvelope(p);
      expect(e.ok).toBe(true);
      if (e.ok && e.envelope.s.t === "run.changed") seen.push(...e.envelope.s.runs);
    }
    expect(seen).toEqual(runs);
  });

  test("nothing to send: no payload", () => {
    expect(packSignals("node_1234", [])).toEqual([]);
  });
});

describe("parseEnvelope", () => {
  test.each([
    ["not JSON", "{"],
    ["unknown signal", JSON.stringify({ o: "node_1234", s: { t: "run.deleted", runId: "run_aaaaaa" } })],
    ["a data field beyond ids", JSON.stringify({ o: "node_1234", s: { t: "run.requested", runId: "run_aaaaaa", agentId: "ag_aaaaaa", checks: ["ping"] } })],
    ["a bad id", JSON.stringify({ o: "node_1234", s: { t: "run.cancel", runId: "../etc", agentId: "ag_aaaaaa" } })],
    ["a close code nobody relays", JSON.stringify({ o: "node_1234", s: { t: "agent.disconnect", agentId: "ag_aaaaaa", code: 1000 } })],
    ["no origin", JSON.stringify({ s: { t: "run.changed", runs: ["run_aaaaaa"] } })],
  ])("refused: %s", (_t, payload) => {
    const r = parseEnvelope(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.length).toBeGreaterThan(0);
  });
});
