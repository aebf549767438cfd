// The OpenAPI 3.1 document of the collector's HTTP API, built from the route table (collector/app.ts,
// apiRoutes) and the zod schemas the routes declare: pure, route table in, document out. Served as
// GET /openapi.json and rendered as GET /api-docs (collector/routes/openapi.ts); docs/openapi.md
// explains the conventions (access, credentials, errors, Server-Sent Events).
import { z } from "zod";
import type { Role } from "../../shared/api.js";
import { ApiError } from "../../shared/api.js";
import { MAX_BODY_BYTES } from "../routes/body.js";
import type { Access, ResponseDoc, RouteResponse, RouteSpec } from "../routes/route-spec.js";
import { SESSION_COOKIE } from "../web/auth/session.js";
import { NAMED_SCHEMAS, RETYPING_SCHEMAS } from "./components.js";
import { createSchemaConverter, type JsonSchema, type SchemaConverter } from "./json-schema.js";

/** The API's version: the package's (package.json; a test keeps them equal). */
export const API_VERSION = "0.1.0";
export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

/** The part of a route the document reads (everything but the handler). */
export type RouteDoc = Pick<RouteSpec, "method" | "path" | "access" | "summary" | "body" | "query" | "response">;

export interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface MediaType {
  schema: JsonSchema;
  /** Server-Sent Events only: event name -> the schema of its `data` (JSON). */
  "x-sse-events"?: Record<string, JsonSchema>;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaType>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  /** Who may call it: "public", or the roles whose token (or session) is accepted. */
  "x-roles": "public" | readonly Role[];
  security: Record<string, string[]>[];
  parameters: Parameter[];
  requestBody?: { required: boolean; content: { "application/json": MediaType } };
  responses: Record<string, ResponseObject>;
}

export type Method = "get" | "post" | "delete";

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  servers?: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string; description: string }>;
  };
}

export interface DocumentOptions {
  /** The collector's public URL (--public-url), when configured: the document's server. */
  serverUrl?: string;
}

const DESCRIPTION = [
  "The HTTP API of the netdiag collector: tickets, diagnosis runs, agents, tokens, users and the audit trail.",
  "",
  "Credentials: an API token as `Authorization: Bearer ndt_...` (`netdiag token create`, or POST /api/tokens).",
  `A GET may instead carry the web console's session cookie (\`${SESSION_COOKIE}\`); a cookie never authorizes a POST or DELETE.`,
  "Each operation names the roles that may call it (`x-roles`); `public` needs no credential.",
  "",
  "Every error is `{\"error\": {\"code\", \"message\"}}` (ApiError) with a stable SCREAMING code.",
  `Request bodies are JSON, at most ${MAX_BODY_BYTES / 1024} KiB; unknown fields are refused.`,
  "Times are epoch milliseconds. Agents connect separately, over a WebSocket at /agent/ws (not described here).",
].join("\n");

const STATUS_TEXT: Record<number, string> = { 200: "OK", 201: "Created", 202: "Accepted", 204: "No content" };

/** hono's `/api/tickets/:id` (optionally `:id{regex}`) as OpenAPI's `/api/tickets/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
}

function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/** `getTicketsByIdEvents` from GET /api/tickets/:id/events. */
export function operationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((s) => s !== "" && s !== "api")
    .map((s) => (s.startsWith(":") ? `by-${s.slice(1).replace(/\{.*$/, "")}` : s))
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

/** /api/<tag>/..., everything else (health, metrics, this document, downloads) under "collector". */
export function tagOf(path: string): string {
  const m = /^\/api\/([^/]+)/.exec(path);
  return m ? m[1]! : "collector";
}

/** The roles an access admits: the metrics scrape token's routes admit admins besides that token. */
export function rolesOf(access: Access): "public" | readonly Role[] {
  return access === "metrics" ? ["admin"] : access;
}

function accessText(access: Access, method: string): string {
  if (access === "public") return "Access: public (no credentials).";
  if (access === "metrics") return "Access: the scrape token of `metricsTokenFile`, or an admin API token.";
  const how = method === "GET" ? "an API token, or the web console's session" : "an API token (a session cookie is not enough)";
  return `Access: ${(access as readonly Role[]).join(", ")}, with ${how}.`;
}

function security(access: Access, method: string): Record<string, string[]>[] {
  if (access === "public") return [];
  if (access === "metrics") return [{ bearerToken: [] }];
  return method === "GET" ? [{ bearerToken: [] }, { sessionCookie: [] }] : [{ bearerToken: [] }];
}

const isZod = (r: RouteResponse): r is z.ZodType => r instanceof z.ZodType;

function responseDoc(status: number, r: RouteResponse): ResponseDoc {
  return isZod(r) ? { description: STATUS_TEXT[status] ?? `status ${status}`, json: r } : r;
}

/** Each event of a stream: the union's options, named by their `type` literal. */
function sseEvents(union: z.ZodType, conv: SchemaConverter, where: string): Record<string, JsonSchema> {
  const options = (union._zod.def as { options?: z.ZodType[] }).options;
  if (!options) throw new Error(`${where}: an SSE schema must be a union discriminated by "type"`);
  const events: Record<string, JsonSchema> = {};
  for (const o of options) {
    const type = (o as z.ZodObject).shape?.type;
    const name = type instanceof z.ZodLiteral ? type.value : undefined;
    if (typeof name !== "string") throw new Error(`${where}: every event needs a string literal "type" (its event name)`);
    events[name] = conv.convert(o, "output");
  }
  return events;
}

function responseObject(doc: ResponseDoc, conv: SchemaConverter, where: string): ResponseObject {
  const content: Record<string, MediaType> = {};
  if (doc.json) content["application/json"] = { schema: conv.convert(doc.json, "output") };
  if (doc.text !== undefined) content["text/plain"] = { schema: { type: "string", description: doc.text } };
  if (doc.html !== undefined) content["text/html"] = { schema: { type: "string", description: doc.html } };
  if (doc.file !== undefined) content[doc.file.contentType] = { schema: { type: "string", description: doc.file.description } };
  if (doc.sse) {
    content["text/event-stream"] = {
      schema: { type: "string", description: "Server-Sent Events: `event: <name>` and `data: <JSON>` per event (x-sse-events)" },
      "x-sse-events": sseEvents(doc.sse, conv, where),
    };
  }
  return { description: doc.description, ...(Object.keys(content).length > 0 ? { content } : {}) };
}

/** The errors every route of its kind can give, from its access, body and query (docs/openapi.md). */
function commonErrors(r: RouteDoc): Record<number, string[]> {
  const e: Record<number, string[]> = {};
  const add = (status: number, text: string) => (e[status] ??= []).push(text);
  if (r.body) {
    add(400, "INVALID_BODY, MALFORMED_JSON or JSON_*: the body is not JSON, breaks the JSON limits, or does not match the schema (every problem is listed)");
    add(413, `BODY_TOO_LARGE: the body is over ${MAX_BODY_BYTES / 1024} KiB`);
  }
  if (r.query) add(400, "INVALID_QUERY: a query parameter is unknown or out of range");
  if (r.access !== "public") {
    add(401, "UNAUTHORIZED: no credential, or one that is unknown, expired or revoked");
    add(403, "FORBIDDEN: the caller's role may not call this route");
    add(429, "TOO_MANY_FAILURES: too many failed authentications; Retry-After says when to come back");
  }
  return e;
}

function operation(r: RouteDoc, conv: SchemaConverter): Operation {
  const where = `${r.method} ${r.path}`;
  const parameters: Parameter[] = pathParams(r.path).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
  if (r.query) {
    const q = conv.convert(r.query, "input");
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: "query", required: required.has(name), ...(typeof description === "string" ? { description } : {}), schema: rest });
    }
  }
  const responses: Record<string, ResponseObject> = {};
  const own = Object.entries(r.response ?? {}) as [string, RouteResponse][];
  for (const [status, spec] of own) responses[status] = responseObject(responseDoc(Number(status), spec), conv, where);
  for (const [status, texts] of Object.entries(commonErrors(r))) {
    const mine = responses[status];
    const described = texts.join("; ");
    if (!mine) responses[status] = responseObject({ description: described, json: ApiError }, conv, where);
    else mine.description = `${mine.description}; ${described}`;
  }
  return {
    operationId: operationId(r.method, r.path),
    summary: r.summary,
    description: accessText(r.access, r.method),
    tags: [tagOf(r.path)],
    "x-roles": rolesOf(r.access),
    security: security(r.access, r.method),
    parameters,
    // readBody reads an empty body as {}: the body is required only when {} is not a valid one.
    ...(r.body ? { requestBody: { required: !r.body.safeParse({}).success, content: { "application/json": { schema: conv.convert(r.body, "input") } } } } : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
  };
}

export function buildOpenApiDocument(routes: readonly RouteDoc[], o: DocumentOptions = {}): OpenApiDocument {
  const conv = createSchemaConverter(NAMED_SCHEMAS, RETYPING_SCHEMAS);
  const paths: OpenApiDocument["paths"] = {};
  const ids = new Set<string>();
  for (const r of routes) {
    const p = openApiPath(r.path);
    const m = r.method.toLowerCase() as Method;
    const item = (paths[p] ??= {});
    if (item[m]) throw new Error(`${r.method} ${r.path} is in the route table twice`);
    const op = operation(r, conv);
    if (ids.has(op.operationId)) throw new Error(`two routes make the operationId ${op.operationId}`);
    ids.add(op.operationId);
    item[m] = op;
  }
  const tags = [...new Set(routes.map((r) => tagOf(r.path)))].map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    info: { title: "netdiag collector API", version: API_VERSION, description: DESCRIPTION },
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    ...(o.serverUrl ? { servers: [{ url: o.serverUrl }] } : {}),
    tags,
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(conv.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "An API token (ndt_...): `netdiag token create` or POST /api/tokens. Shown once; the collector keeps only its hash. GET /metrics also takes the scrape token of `metricsTokenFile`." },
        sessionCookie: { type: "apiKey", in: "cookie", name: SESSION_COOKIE, description: "The web console's session (sign in at /login). Accepted on GET routes only." },
      },
    },
  };
}
