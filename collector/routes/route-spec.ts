// Every API route declares who may call it. The table is data, so a test can walk every route with
// every role and assert allow/deny (test/collector/roles.test.ts).
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, type Role } from "../../shared/api.js";
import type { Principal } from "../auth/principal.js";
import type { AppDeps } from "../app.js";

/**
 * "metrics": the scrape token of the collector's `metricsTokenFile`, or an admin API token (a Prometheus
 * scraper should not hold a token that can do anything else; docs/running.md, "Metrics").
 */
export type Access = "public" | readonly Role[] | "metrics";

/** Bindings are optional: in-process tests (app.request) have no Node request behind them. */
export type Env = { Variables: { principal: Principal | undefined }; Bindings: Partial<HttpBindings> };

/**
 * What one response status carries, for GET /openapi.json (collector/openapi/). A bare zod schema is
 * a JSON body; the object form names the content: JSON, plain text, HTML, or Server-Sent Events.
 */
export interface ResponseDoc {
  /** When this status is sent, in a few words. */
  description: string;
  /** application/json: the body's schema (documented as zod's output side: what the server sends). */
  json?: z.ZodType;
  /** text/plain: what the text is. */
  text?: string;
  /** text/html: what the page is. */
  html?: string;
  /** A file of another type (the agent's JavaScript): its content type and what it is. */
  file?: { contentType: string; description: string };
  /** text/event-stream: each event's `data`, a union discriminated by `type`, which is also the event's name. */
  sse?: z.ZodType;
}
export type RouteResponse = z.ZodType | ResponseDoc;

export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  path: string;
  access: Access;
  /** One line for the API section of the README. */
  summary: string;
  handler: (c: Context<Env>, deps: AppDeps) => Response | Promise<Response>;
  // The declarative fields below are read by the OpenAPI generator only; the handler stays the one
  // that parses. Where a handler reads its body with readBody(c, Schema), `body` is that same Schema.
  /** The JSON request body (documented as zod's input side: what a client may send). */
  body?: z.ZodType;
  /** The query string, a z.object whose keys are the parameters (input side: strings a client sends). */
  query?: z.ZodObject;
  /**
   * Every status the route answers with and what it carries. Authentication (401, 403, 429), a bad
   * body (400, 413) and a bad query (400) are added by the generator from the fields above; list the
   * route's own (its success, 404, 409, ...). test/collector/openapi.test.ts fails for a route without.
   */
  response?: Readonly<Partial<Record<number, RouteResponse>>>;
}

/** An error response (the one ApiError body) with the codes this route gives and when. */
export const failure = (description: string): ResponseDoc => ({ description, json: ApiError });

/** Engineers and admins act on tickets; technicians only read. */
export const READERS: readonly Role[] = ["admin", "engineer", "technician"];
export const ACTORS: readonly Role[] = ["admin", "engineer"];
export const ADMINS: readonly Role[] = ["admin"];
/**
 * A ticket system's token (role integration, docs/webhooks.md "Inbound") is added only where it may:
 * opening tickets and requesting runs (with the actors), reading its tickets and their hand-overs
 * (with the readers). Which tickets and agents: collector/routes/integration-scope.ts.
 */
export const ACTORS_AND_INTEGRATION: readonly Role[] = [...ACTORS, "integration"];
export const READERS_AND_INTEGRATION: readonly Role[] = [...READERS, "integration"];

export function principalOf(c: Context<Env>): Principal {
  const p = c.get("principal");
  if (!p) throw new Error("route declared public but handler needs a principal");
  return p;
}
