// Structured logs: one JSON line per event, written by pino. Every field, binding and message goes
// through the one secret scrub (shared/secret-scrub.ts: keys that name a secret, credential shapes in
// text) before pino sees it, and pino's own redact paths stand behind that, so no caller can leak a
// token, a password or a community string by accident. Context that belongs to a unit of work (a
// request id, a run id, an agent id) is carried by withLogContext across awaits, so code deep inside a
// request logs it without being handed a logger.
import { AsyncLocalStorage } from "node:async_hooks";
import pino from "pino";
import { REDACTED, scrubDeep, scrubKnownPatterns } from "./secret-scrub.js";

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds these fields to every line (e.g. the agent id of one connection). */
  child(bindings: Record<string, unknown>): Logger;
  /** Resolves once every line logged so far has been written (shutdown). */
  flush(): Promise<void>;
}

/** Log fields nest a few levels at most; deeper objects are not logged (they would go unchecked). */
const MAX_FIELD_DEPTH = 7;

/** Fields with secrets replaced: by key name, and credential shapes inside strings. */
export function redact(value: unknown): unknown {
  return scrubDeep(value, { maxDepth: MAX_FIELD_DEPTH });
}

/**
 * Behind the scrub: pino's redact paths for the keys a secret most often travels under (top level and
 * one level down, e.g. `headers.authorization`).
 */
export const REDACT_PATHS: readonly string[] = ["authorization", "cookie", "password", "secret", "token", "community"].flatMap((k) => [k, `*.${k}`]);

export type LogLevel = "info" | "warn" | "error" | "silent";

const context = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with these fields added to every line logged inside it (nested contexts add up). */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...(redact(fields) as Record<string, unknown>) }, fn);
}

/** The fields of the current withLogContext (empty outside one). */
export function logContext(): Record<string, unknown> {
  return context.getStore() ?? {};
}

export interface LoggerOptions {
  /**
   * Default stderr writes are synchronous (short-lived commands lose nothing at exit); a server passes
   * false so a slow reader of stderr cannot stall its event loop, and calls flush() before exiting.
   */
  sync?: boolean;
}

function wrap(p: pino.Logger, flush: () => Promise<void>): Logger {
  const emit = (lvl: "info" | "warn" | "error") => (msg: string, fields?: Record<string, unknown>) => {
    if (!p.isLevelEnabled(lvl)) return;
    p[lvl]((fields ? redact(fields) : {}) as object, scrubKnownPatterns(msg));
  };
  return {
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (bindings) => wrap(p.child(redact(bindings) as Record<string, unknown>), flush),
    flush,
  };
}

export function createLogger(component: string, level: LogLevel = "info", write?: (line: string) => void, o: LoggerOptions = {}): Logger {
  const dest = write
    ? { write: (s: string) => write(s.endsWith("\n") ? s.slice(0, -1) : s) }
    : pino.destination({ fd: 2, sync: o.sync ?? true });
  const p = pino(
    {
      level,
      base: { component },
      messageKey: "msg",
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      mixin: () => context.getStore() ?? {},
    },
    dest,
  );
  const flush = (): Promise<void> =>
    "flush" in dest && typeof dest.flush === "function"
      ? new Promise<void>((resolve) => {
          try {
            (dest as pino.DestinationStream & { flush(cb: (e?: Error) => void): void }).flush(() => resolve());
          } catch {
            resolve();
          }
        })
      : Promise.resolve();
  return wrap(p, flush);
}

export interface MemoryLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** Collects log lines in memory: for tests that assert something was (or was not) logged. */
export function memoryLogger(): Logger & { lines: MemoryLine[] } {
  const lines: MemoryLine[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const push = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
      void lines.push({ level, msg: scrubKnownPatterns(msg), fields: { ...context.getStore(), ...bindings, ...(redact(fields ?? {}) as Record<string, unknown>) } });
    return {
      info: push("info"),
      warn: push("warn"),
      error: push("error"),
      child: (b) => make({ ...bindings, ...(redact(b) as Record<string, unknown>) }),
      flush: () => Promise.resolve(),
    };
  };
  return Object.assign(make({}), { lines });
}
