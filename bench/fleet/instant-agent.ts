// The fleet bench's "instant check": a bench-only agent that answers a run request over the real
// protocol at once (run.received, run.accepted, one real `path` step, run.finished), so the trigger
// latency is the collector's and the links', never a probe's. It is the real CollectorLink over a
// MemoryOutbox; nothing is probed and no packet leaves loopback.
import { CollectorLink } from "../../agent/link/collector-link.js";
import { MemoryOutbox } from "../../agent/link/outbox.js";
import { createLogger } from "../../shared/log.js";
import type { RunEvent } from "../../shared/protocol.js";
import type { SeededAgent } from "../seed.js";
import { pathStep } from "../steps.js";

export class InstantAgent {
  /** performance.now() when each run's request reached this agent. */
  readonly arrivals = new Map<string, number>();
  /** Error frames the collector sent (a refused event would show here). */
  readonly errors: string[] = [];
  private readonly outbox = new MemoryOutbox();
  private readonly link: CollectorLink;
  private readonly open: Promise<void>;

  constructor(
    url: string,
    readonly creds: SeededAgent,
  ) {
    let opened!: () => void;
    this.open = new Promise<void>((r) => (opened = r));
    this.link = new CollectorLink({
      collectorUrl: url,
      agentId: creds.agentId,
      secret: creds.secret,
      outbox: this.outbox,
      log: createLogger("bench", "silent"),
      onState: (s) => s === "open" && opened(),
      onFrame: (f) => {
        if (f.type === "error") this.errors.push(`${f.code}: ${f.message}`);
        if (f.type !== "run.request") return;
        this.arrivals.set(f.runId, performance.now());
        void this.answer(f.runId);
      },
    });
    this.link.start();
  }

  /** Resolves once the link is open (welcome and hello exchanged happen right after). */
  opened(): Promise<void> {
    return this.open;
  }

  private async answer(runId: string): Promise<void> {
    const at = Date.now();
    const events: RunEvent[] = [
      { type: "run.received", runId, seq: 0, at },
      { type: "run.accepted", runId, seq: 1, at },
      { type: "step", runId, seq: 2, at, result: pathStep(at) },
      { type: "run.finished", runId, seq: 3, at, outcome: "completed", steps: 1 },
    ];
    // As the agent's executor does: outbox first, then the socket (acks drop them from the outbox).
    for (const ev of events) {
      await this.outbox.append(ev);
      this.link.send(ev);
    }
  }

  stop(): Promise<void> {
    return this.link.stop();
  }
}
