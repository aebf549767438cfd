// Reads a submitted form (already size-limited and CSRF-checked by web-app.ts) and validates it with a
// zod schema: every problem is listed in one message, the `_csrf` field is never part of the data.
import type { Context } from "hono";
import { z } from "zod";
import type { Env } from "../routes/route-spec.js";

export type FormResult<T> = { ok: true; data: T } | { ok: false; message: string };

export async function readForm<S extends z.ZodType>(c: Context<Env>, schema: S): Promise<FormResult<z.infer<S>>> {
  const raw = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const fields: Record<string, string> = {};
  for (const [k, val] of Object.entries(raw)) {
    // Uploads are never expected: a file field is ignored, not read.
    if (k !== "_csrf" && typeof val === "string") fields[k] = val;
  }
  const parsed = schema.safeParse(fields);
  if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error) };
  return { ok: true, data: parsed.data };
}

/** An empty form field means "not given". */
export const optionalField = <T extends z.ZodType>(s: T) => z.preprocess((x) => (x === "" ? undefined : x), s.optional());
