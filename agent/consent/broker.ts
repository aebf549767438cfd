// Requests waiting for the customer's answer. One registry, several ways to answer it: the terminal
// prompt (foreground), `netdiag-agent approve/refuse` and the local page (both via the local channel).
// The first answer wins; no answer within the deadline is a refusal (CONSENT_TIMEOUT).
import { z } from "zod";
import { randomId } from "../../shared/secrets.js";

export const ConsentRequest = z.object({
  id: z.string(),
  runId: z.string(),
  ticketId: z.string(),
  requestedBy: z.string(),
  /** What would run, ids as requested (descriptions are rendered by whoever shows them). */
  checks: z.array(z.string()),
  /** Ids among `checks` that change the device: approved for this run only. */
  changes: z.array(z.string()),
  /** How long an approval grants the diagnostic checks; 0 when only changes are asked for. */
  grantMs: z.number().int().nonnegative(),
  askedAt: z.number().int(),
  /** Epoch ms when an unanswered request counts as refused. */
  deadline: z.number().int(),
});
export type ConsentRequest = z.infer<typeof ConsentRequest>;

export type ConsentAnswer = "approved" | "refused" | "timeout";
export type ConsentAnsweredBy = "terminal" | "local-channel" | "timeout";

interface Entry {
  req: ConsentRequest;
  resolve: (a: ConsentAnswer) => void;
  timer: NodeJS.Timeout;
}

export class ConsentBroker {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(r: ConsentRequest) => void>();
  private readonly settledListeners = new Set<(id: string, a: ConsentAnswer, by: ConsentAnsweredBy) => void>();

  constructor(private readonly o: { timeoutMs: number; now?: () => number }) {}

  /** How long a question waits for an answer before it counts as refused. */
  get timeoutMs(): number {
    return this.o.timeoutMs;
  }

  /** Asks the customer; resolves with their answer, or "timeout" after timeoutMs. Never rejects. */
  ask(r: Omit<ConsentRequest, "id" | "askedAt" | "deadline">, signal?: AbortSignal): Promise<ConsentAnswer> {
    const now = (this.o.now ?? Date.now)();
    const req: ConsentRequest = { ...r, id: randomId("req_"), askedAt: now, deadline: now + this.o.timeoutMs };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(req.id, "timeout", "timeout"), this.o.timeoutMs);
      this.entries.set(req.id, { req, resolve, timer });
      // The run went away while waiting (agent stopping): withdraw the question as refused.
      signal?.addEventListener("abort", () => this.settle(req.id, "refused", "timeout"), { once: true });
      for (const l of this.listeners) l(req);
    });
  }

  /** Answers a waiting request; false when there is none with this id (answered or timed out). */
  answer(id: string, approve: boolean, by: Exclude<ConsentAnsweredBy, "timeout">): boolean {
    return this.settle(id, approve ? "approved" : "refused", by);
  }

  pending(): ConsentRequest[] {
    return [...this.entries.values()].map((e) => e.req);
  }

  onRequest(fn: (r: ConsentRequest) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onSettled(fn: (id: string, a: ConsentAnswer, by: ConsentAnsweredBy) => void): () => void {
    this.settledListeners.add(fn);
    return () => this.settledListeners.delete(fn);
  }

  /** Refuses everything still waiting (the agent is stopping). */
  close(): void {
    for (const id of [...this.entries.keys()]) this.settle(id, "refused", "timeout");
  }

  private settle(id: string, a: ConsentAnswer, by: ConsentAnsweredBy): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    this.entries.delete(id);
    clearTimeout(e.timer);
    e.resolve(a);
    for (const l of this.settledListeners) l(id, a, by);
    return true;
  }
}
