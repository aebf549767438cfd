// Reads and validates a JSON body with a shared/ schema: bad JSON or a schema failure is a 400 with
// every problem listed (zod collects them all), never a crash.
import type { Context } from "hono";
import { z } from "zod";
import { badRequest, HttpError } from "../http-error.js";

const MAX_BODY_BYTES = 64 * 1024;

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const len = Number(c.req.header("content-length") ?? "0");
  if (len > MAX_BODY_BYTES) throw new HttpError(413, "BODY_TOO_LARGE", `body exceeds ${MAX_BODY_BYTES} bytes`);
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new HttpError(413, "BODY_TOO_LARGE", `body exceeds ${MAX_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = text === "" ? {} : JSON.parse(text);
  } catch {
    throw badRequest("MALFORMED_JSON", "request body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw badRequest("INVALID_BODY", z.prettifyError(parsed.error));
  return parsed.data;
}
