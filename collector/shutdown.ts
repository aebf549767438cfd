// Signal handling for the running collector: the first SIGTERM/SIGINT drains (server.ts close():
// stop accepting, finish writes and acks, close agents with 1012, end SSE streams, close the store)
// within a time limit; a second signal while draining exits at once, non-zero. The process object is
// injectable so the rules are tested without signalling the test runner.
import type { Logger } from "../shared/log.js";

export interface SignalSource {
  on(signal: "SIGTERM" | "SIGINT", fn: () => void): unknown;
  off(signal: "SIGTERM" | "SIGINT", fn: () => void): unknown;
}

export interface StopOptions {
  /** The graceful part; resolves when everything is written and closed. */
  drain: () => Promise<void>;
  log: Logger;
  timeoutMs: number;
  signals?: SignalSource;
  /** Exit at once (the second signal); default: flush what the log can synchronously, then process.exit. */
  exitNow?: (code: number) => void;
}

/** Exit code of a drain that did not finish (ran out of time, failed) and of a second signal. */
export const EXIT_UNCLEAN = 1;

/** Resolves with the exit code once a signal came and the drain finished (0) or failed / timed out (1). */
export function stopOnSignals(o: StopOptions): Promise<number> {
  const signals = o.signals ?? process;
  const exitNow = o.exitNow ?? ((code: number) => process.exit(code));
  return new Promise<number>((resolve) => {
    let draining = false;
    const onSignal = (signal: "SIGTERM" | "SIGINT") => () => {
      if (draining) {
        o.log.error("second signal while draining: exiting now", { signal });
        // The log line above is worth a few milliseconds, not a wait on a stuck stderr.
        let exited = false;
        const exit = () => void (exited || ((exited = true), exitNow(EXIT_UNCLEAN)));
        setTimeout(exit, 100).unref();
        void o.log.flush().then(exit);
        return;
      }
      draining = true;
      o.log.info("shutting down: draining", { signal, timeoutMs: o.timeoutMs });
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), o.timeoutMs);
        timer.unref();
      });
      Promise.race([o.drain().then(() => "drained" as const), timedOut]).then(
        (how) => {
          clearTimeout(timer);
          if (how === "timeout") {
            o.log.error("drain did not finish in time; exiting anyway", { timeoutMs: o.timeoutMs });
            return finish(EXIT_UNCLEAN);
          }
          o.log.info("stopped cleanly", { drainMs: Date.now() - started });
          finish(0);
        },
        (e: unknown) => {
          clearTimeout(timer);
          o.log.error("drain failed", { error: e instanceof Error ? e.message : String(e) });
          finish(EXIT_UNCLEAN);
        },
      );
    };
    const term = onSignal("SIGTERM");
    const int = onSignal("SIGINT");
    // Handlers stay installed while draining: without them a second signal would kill the process
    // with the default action, which is what we want only as an explicit, logged decision.
    const finish = (code: number) => {
      signals.off("SIGTERM", term);
      signals.off("SIGINT", int);
      resolve(code);
    };
    signals.on("SIGTERM", term);
    signals.on("SIGINT", int);
  });
}
