// The agents of the ingest bench (bench/ingest.ts), in a process of their own so the collector's CPU
// is only the collector's: N real agent links (CollectorLink over a MemoryOutbox), each streaming one
// offline run of M steps pipelined, as an agent replaying its outbox does. Speaks to the parent over
// IPC: {start} -> "open"; "go" -> {done, elapsedMs, acked}; "stop" -> exits.
import { CollectorLink } from "../agent/link/collector-link.js";
import { MemoryOutbox } from "../agent/link/outbox.js";
import { createLogger } from "../shared/log.js";
import { offlineRun } from "./steps.js";

export interface IngestStart {
  type: "start";
  url: string;
  ticketId: string;
  agents: { agentId: string; secret: string }[];
  steps: number;
}
export type IngestChildMsg = { type: "open" } | { type: "done"; elapsedMs: number; acked: number; cpuMs: number } | { type: "error"; error: string };


/** Counts acks; `all()` resolves once `want` arrived. */
class CountingOutbox extends MemoryOutbox {
  acked = 0;
  private wake?: () => void;
  constructor(private readonly want: number) {
    super();
  }
  all(): Promise<void> {
    return this.acked >= this.want ? Promise.resolve() : new Promise((r) => (this.wake = r));
  }
  override async ack(runId: string, seq: number): Promise<void> {
    await super.ack(runId, seq);
    if (++this.acked >= this.want) this.wake?.();
  }
}

const send = (m: IngestChildMsg) => process.send?.(m);

if (process.send) {
  const log = createLogger("bench", "silent");
  let links: CollectorLink[] = [];
  let outboxes: CountingOutbox[] = [];
  let start: IngestStart | undefined;
  process.on("message", (m: IngestStart | { type: "go" } | { type: "stop" }) => {
    void (async () => {
      try {
        if (m.type === "start") {
          start = m;
          outboxes = m.agents.map(() => new CountingOutbox(m.steps + 2));
          await Promise.all(
            m.agents.map(
              (a, i) =>
                new Promise<void>((resolve, reject) => {
                  const link = new CollectorLink({
                    collectorUrl: m.url,
                    agentId: a.agentId,
                    secret: a.secret,
                    outbox: outboxes[i]!,
                    log,
                    onFrame: () => {},
                    onState: (s, info) => (s === "open" ? resolve() : s === "closed" && reject(new Error(`link closed: ${info?.code} ${info?.reason}`))),
                  });
                  links.push(link);
                  link.start();
                }),
            ),
          );
          send({ type: "open" });
        } else if (m.type === "go" && start) {
          const s = start;
          const runs = s.agents.map(() => offlineRun(s.ticketId, s.steps));
          const t0 = performance.now();
          const cpu0 = process.cpuUsage();
          // The real agent's emit (run-executor.ts): outbox.append, then link.send.
          await Promise.all(
            links.map(async (link, i) => {
              for (const ev of runs[i]!) {
                await outboxes[i]!.append(ev);
                link.send(ev);
              }
            }),
          );
          await Promise.all(outboxes.map((o) => o.all()));
          const cpu = process.cpuUsage(cpu0);
          send({ type: "done", elapsedMs: performance.now() - t0, acked: outboxes.reduce((n, o) => n + o.acked, 0), cpuMs: (cpu.user + cpu.system) / 1000 });
        } else if (m.type === "stop") {
          await Promise.all(links.map((l) => l.stop()));
          links = [];
          process.exit(0);
        }
      } catch (e) {
        send({ type: "error", error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    })();
  });
}
