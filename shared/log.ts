// A tiny structured logger: one JSON line per event on stderr. Field names that look like secrets are
// redacted here (the same rule as every other scrub, shared/secret-scrub.ts), so no caller can leak a
// community string or password by accident.
import { isSecretKey, TOO_DEEP } from "./secret-scrub.js";

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Log fields nest a few levels at most; deeper objects are not logged (they would go unchecked). */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 6) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? "[redacted]" : redact(v, depth + 1);
  return out;
}

export type LogLevel = "info" | "warn" | "error" | "silent";
const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };

export function createLogger(
  component: string,
  level: LogLevel = "info",
  write: (line: string) => void = (l) => process.stderr.write(l + "\n"),
): Logger {
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < RANK[level]) return;
    write(JSON.stringify({ t: new Date().toISOString(), level: lvl, component, msg, ...(redact(fields ?? {}) as object) }));
  };
  return {
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** Collects log lines in memory: for tests that assert something was (or was not) logged. */
export function memoryLogger(): Logger & { lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const push = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields: redact(fields ?? {}) as Record<string, unknown> });
  return { lines, info: push("info"), warn: push("warn"), error: push("error") };
}
