// Reading JSON back out of the store without trusting it: a column may hold data written before the
// input limits existed, or be damaged on disk. Each value goes through the same bounded parser as the
// edge (shared/bounded-json.ts) and then its schema; a failure is a value the caller reports as an
// unreadable part, never an exception, so one bad record cannot make a whole read fail.
import type { z } from "zod";
import { parseBoundedJson, type BoundedJsonCode } from "../../shared/bounded-json.js";

export type ReadRecordCode = BoundedJsonCode | "INVALID_RECORD";

export type ReadRecord<T> = { ok: true; value: T } | { ok: false; code: ReadRecordCode; reason: string };

export function readRecord<S extends z.ZodType>(text: string, schema: S): ReadRecord<z.infer<S>> {
  const json = parseBoundedJson(text);
  if (!json.ok) return { ok: false, code: json.code, reason: json.message };
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: "INVALID_RECORD", reason: `does not match its schema${issue ? ` at ${issue.path.join(".") || "(root)"}: ${issue.message}` : ""}` };
  }
  return { ok: true, value: parsed.data };
}
