// GET /readyz: ready means not draining and the store takes a write now. The write probe goes through
// the store's own write queue (a real, cheap write committed like any other), so a full disk, a
// read-only file system, a lock held elsewhere or a stuck queue all show up; it must answer within
// PROBE_TIMEOUT_MS. Probes share one in flight: a flood of /readyz costs one write.
import type { Store } from "../store/types.js";

/** A load balancer probes every few seconds with a timeout of its own around 1–5 s. */
export const PROBE_TIMEOUT_MS = 2000;

export type ReadyResult = { ok: true } | { ok: false; code: "SHUTTING_DOWN" | "STORE_NOT_WRITABLE" | "STORE_SLOW"; message: string };

export class Readiness {
  private drainingSince: number | undefined;
  private inflight: Promise<void> | undefined;

  constructor(private readonly store: Pick<Store, "probeWrite">, private readonly timeoutMs = PROBE_TIMEOUT_MS) {}

  /** From now on /readyz answers 503 (the collector is stopping). */
  drain(now: number): void {
    this.drainingSince ??= now;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  async check(): Promise<ReadyResult> {
    if (this.draining) return { ok: false, code: "SHUTTING_DOWN", message: "the collector is shutting down" };
    this.inflight ??= this.store.probeWrite().finally(() => (this.inflight = undefined));
    let timer: NodeJS.Timeout | undefined;
    try {
      const slow = new Promise<"slow">((r) => (timer = setTimeout(() => r("slow"), this.timeoutMs)));
      if ((await Promise.race([this.inflight.then(() => "ok" as const), slow])) === "slow") {
        return { ok: false, code: "STORE_SLOW", message: `the store did not take a write within ${this.timeoutMs} ms` };
      }
      return this.draining ? { ok: false, code: "SHUTTING_DOWN", message: "the collector is shutting down" } : { ok: true };
    } catch (e) {
      return { ok: false, code: "STORE_NOT_WRITABLE", message: e instanceof Error ? e.message : String(e) };
    } finally {
      clearTimeout(timer);
    }
  }
}
