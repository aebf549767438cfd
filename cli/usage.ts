// Usage errors of the engineer CLI (exit 2): a request body is checked against the same shared/ zod
// schema the collector applies, before it is sent, and each problem becomes one line that names the
// flag, repeats the value typed and, for a closed set, lists what is accepted.
import type { z } from "zod";

export class UsageError extends Error {
  override name = "UsageError";
}

/** Body path (array indices left out, dots between keys) → the flag the value came from. */
export type FlagNames = Record<string, { flag: string; /** for a closed set: "unknown <noun> 'x'" */ noun?: string }>;

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function shown(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
}

export function describeIssue(issue: z.core.$ZodIssue, body: unknown, names: FlagNames): string {
  const key = issue.path.filter((p) => typeof p === "string").join(".");
  const name = names[key] ?? { flag: key || "request" };
  const value = valueAt(body, issue.path);
  if (issue.code === "invalid_value" && issue.values.length > 0) {
    return `unknown ${name.noun ?? name.flag} '${shown(value)}' (known: ${issue.values.map(String).join(", ")})`;
  }
  if (value === undefined) return `${name.flag}: ${issue.message}`;
  return `${name.flag} '${shown(value)}': ${issue.message}`;
}

/** The parsed body, or a UsageError listing every problem. */
export function checkBody<S extends z.ZodType>(schema: S, body: unknown, names: FlagNames): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new UsageError(r.error.issues.map((i) => describeIssue(i, body, names)).join("\n"));
}

/** A flag that must be a number (e.g. --ttl-hours 1.5). */
export function numberFlag(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${flag} '${raw}': must be a number`);
  return n;
}
