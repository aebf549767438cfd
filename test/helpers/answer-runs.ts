// A real-link agent's answer to run requests, for the desk tests: received, accepted, each step of the
// site as it is now, the verdict from the real fault isolation, the end (acks come only after commit).
import { judge, type Steps } from "../collector/tickets/desk-fixtures.js";
import type { FakeAgent } from "./fake-agent.js";

/** `site` is read when each request arrives; `onDone` once the collector acknowledged the whole run. */
export function answerRuns(agent: () => FakeAgent, site: () => Steps, onDone?: (runId: string) => void) {
  return (f: { type: string; runId?: string }) => {
    if (f.type !== "run.request" || !f.runId) return;
    const runId = f.runId;
    const steps = site();
    void (async () => {
      let seq = 0;
      const at = () => Date.now();
      await agent().emit({ type: "run.received", runId, seq: seq++, at: at() });
      await agent().emit({ type: "run.accepted", runId, seq: seq++, at: at() });
      for (const result of Object.values(steps)) await agent().emit({ type: "step", runId, seq: seq++, at: at(), result: { ...result, startedAt: at() } });
      await agent().emit({ type: "verdict", runId, seq: seq++, at: at(), verdict: judge(steps) });
      await agent().emit({ type: "run.finished", runId, seq: seq++, at: at(), outcome: "completed", steps: Object.keys(steps).length });
      if (onDone) {
        await agent().drained();
        onDone(runId);
      }
    })();
  };
}
