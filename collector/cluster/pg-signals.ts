// The PostgreSQL transport of cluster signals: ONE dedicated pg.Client per node LISTENs (a pooled
// connection cannot: LISTEN belongs to its session), and a small pool sends (pg_notify). After the
// listening connection breaks it reconnects with jittered exponential backoff and LISTENs again;
// notifications sent while it was away are lost, so every reconnect ends with onResync (the node
// re-reads what matters from the tables). Payloads are opaque strings here (signal.ts builds them).
import pg from "pg";
import type { Logger } from "../../shared/log.js";
import { SIGNAL_CHANNEL } from "./signal.js";

export interface PgSignalsOptions {
  url: string;
  log: Logger;
  onPayload(payload: string): void;
  /** After a reconnect of the listening connection: signals may have been missed. */
  onResync(): void;
  /** Reconnect backoff (defaults: 100 ms doubling to 5 s, full jitter). */
  backoff?: { baseMs: number; capMs: number };
}

/** The first wait after a lost listening connection, and the longest. */
const BACKOFF = { baseMs: 100, capMs: 5000 };

export class PgSignals {
  private listener: pg.Client | undefined;
  private readonly sender: pg.Pool;
  private closing = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Reconnects of the listening connection so far (/metrics). */
  reconnects = 0;
  /** Whether the listening connection is up (LISTEN issued). */
  listening = false;

  constructor(private readonly o: PgSignalsOptions) {
    // Two: a burst of signals does not wait behind one slow round trip; idle ones close.
    this.sender = new pg.Pool({ connectionString: o.url, max: 2, idleTimeoutMillis: 30_000, keepAlive: true });
    this.sender.on("error", (e) => o.log.warn("cluster signal sender connection failed", { error: e.message }));
  }

  /** Connects and LISTENs; rejects when the first connection fails (the collector does not start). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({ connectionString: this.o.url, keepAlive: true, application_name: "netdiag-cluster-listen" });
    c.on("notification", (n) => {
      if (n.channel === SIGNAL_CHANNEL && n.payload !== undefined) this.o.onPayload(n.payload);
    });
    const lost = (why: string) => {
      if (this.listener !== c) return;
      this.listener = undefined;
      this.listening = false;
      c.removeAllListeners("notification");
      void c.end().catch(() => undefined);
      if (this.closing) return;
      this.o.log.warn("cluster signal connection lost; reconnecting", { reason: why });
      this.schedule();
    };
    c.on("error", (e) => lost(e.message));
    c.on("end", () => lost("connection ended"));
    await c.connect();
    this.listener = c;
    await c.query(`LISTEN ${SIGNAL_CHANNEL}`);
    this.listening = true;
    this.attempt = 0;
  }

  private schedule(): void {
    const b = this.o.backoff ?? BACKOFF;
    const wait = Math.random() * Math.min(b.capMs, b.baseMs * 2 ** this.attempt++);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect().then(
        () => {
          this.reconnects++;
          this.o.log.info("cluster signal connection back; catching up from the store");
          this.o.onResync();
        },
        (e: unknown) => {
          this.o.log.warn("cluster signal reconnect failed", { error: String(e) });
          const c = this.listener;
          this.listener = undefined;
          this.listening = false;
          void c?.end().catch(() => undefined);
          if (!this.closing) this.schedule();
        },
      );
    }, wait);
  }

  /**
   * Sends the payloads in one round trip. Called after the data they point to committed; a failure
   * is logged and the signals are lost (the receivers catch up on their next resync or refresh).
   */
  async send(payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0 || this.closing) return;
    try {
      await this.sender.query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", [SIGNAL_CHANNEL, payloads]);
    } catch (e) {
      this.o.log.warn("sending cluster signals failed", { error: String(e), signals: payloads.length });
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const c = this.listener;
    this.listener = undefined;
    this.listening = false;
    await Promise.allSettled([c?.end(), this.sender.end()]);
  }
}
