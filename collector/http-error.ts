// One exception type for HTTP errors; app.onError turns it (and anything else) into the JSON error
// body of shared/api.ts. Handlers throw, they never hand-build error responses.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** For a 429: seconds until the client may try again (the Retry-After header). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const badRequest = (code: string, msg: string) => new HttpError(400, code, msg);
export const unauthorized = (msg = "missing or invalid credentials") => new HttpError(401, "UNAUTHORIZED", msg);
export const forbidden = (msg: string) => new HttpError(403, "FORBIDDEN", msg);
export const notFound = (what: string) => new HttpError(404, "NOT_FOUND", `${what} not found`);
export const conflict = (code: string, msg: string) => new HttpError(409, code, msg);
export const tooManyFailures = (waitMs: number, msg: string) => new HttpError(429, "TOO_MANY_FAILURES", msg, Math.max(1, Math.ceil(waitMs / 1000)));
