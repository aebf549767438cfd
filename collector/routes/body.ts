// Reads and validates a JSON body with a shared/ schema: bad JSON, a shape past the JSON limits
// (shared/bounded-json.ts) or a schema failure is a 400 with every problem listed (zod collects them
// all), an oversized body a 413, never a crash. The body is read as a stream and abandoned at the
// limit, so a huge chunked upload is never buffered whole.
import type { Context } from "hono";
import { z } from "zod";
import { parseBoundedJson } from "../../shared/bounded-json.js";
import { badRequest, HttpError } from "../http-error.js";

export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = () => new HttpError(413, "BODY_TOO_LARGE", `body exceeds ${MAX_BODY_BYTES} bytes`);

async function readLimited(c: Context): Promise<string> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  const stream = c.req.raw.body;
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_BODY_BYTES) throw tooLarge();
      chunks.push(value);
    }
  } finally {
    // On the limit this tells the server to stop reading; on success it is a no-op.
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The first key of the input that the parsed value no longer has (JSON-pointer-ish path), if any. A
 * non-strict nested z.object strips unknown keys silently; this catches it in one place, so "unknown
 * fields are refused" holds for every body even where a schema forgot `.strict()`.
 */
export function droppedKey(input: unknown, output: unknown, path = ""): string | undefined {
  if (Array.isArray(input) && Array.isArray(output)) {
    for (let i = 0; i < input.length; i++) {
      const k = droppedKey(input[i], output[i], `${path}/${i}`);
      if (k !== undefined) return k;
    }
    return undefined;
  }
  if (input === null || typeof input !== "object" || output === null || typeof output !== "object") return undefined;
  for (const [key, v] of Object.entries(input)) {
    if (!Object.hasOwn(output, key)) return `${path}/${key}`;
    const k = droppedKey(v, (output as Record<string, unknown>)[key], `${path}/${key}`);
    if (k !== undefined) return k;
  }
  return undefined;
}

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await readLimited(c);
  // The same bounded parser as agent frames: a body nested 2,500 deep never reaches zod or droppedKey.
  const json = text === "" ? { ok: true as const, value: {} } : parseBoundedJson(text);
  if (!json.ok) throw badRequest(json.code, json.code === "MALFORMED_JSON" ? "request body is not valid JSON" : `request body refused: ${json.message}`);
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) throw badRequest("INVALID_BODY", z.prettifyError(parsed.error));
  const extra = droppedKey(json.value, parsed.data);
  if (extra !== undefined) throw badRequest("INVALID_BODY", `unknown field ${extra}`);
  return parsed.data;
}
