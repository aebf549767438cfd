// Checks real requests and responses against the OpenAPI document (GET /openapi.json): the operation a
// URL belongs to, the request body against its documented JSON Schema, the status against the documented
// ones, a JSON body or each Server-Sent Event against its schema. Ajv (draft 2020-12, strict) compiles
// the document's own schemas: no zod here, so a schema the document got wrong fails the check.
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import type { MediaType, OpenApiDocument, Operation } from "../../collector/openapi/document.js";
import type { JsonSchema } from "../../collector/openapi/json-schema.js";

/** Where each named schema lives for ajv (nothing is fetched: ajv resolves ids from what it was given). */
const BASE = "https://schemas.netdiag.invalid/";

function withAbsoluteRefs<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withAbsoluteRefs) as T;
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/") ? BASE + v.slice("#/components/schemas/".length) : withAbsoluteRefs(v);
  }
  return out as T;
}

export interface MatchedOperation {
  template: string;
  method: string;
  op: Operation;
}

export interface OpenApiChecker {
  /** A new ajv with every component added; throws on a schema that is not valid JSON Schema 2020-12. */
  compile(schema: JsonSchema): ValidateFunction;
  /** The documented operation of a request (literal path segments win over parameters). */
  match(method: string, pathname: string): MatchedOperation | undefined;
  /** What is wrong with a request (empty: nothing). */
  checkRequest(method: string, url: string, body: string): string[];
  /** What is wrong with a response (empty: nothing). `complete` false: a stream cut off by its reader. */
  checkResponse(method: string, url: string, status: number, contentType: string, body: string, complete?: boolean): string[];
}

const errorsOf = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`).join("; ");

/** Server-Sent Events as [event name, data] pairs; a last event without its blank line is left out when cut off. */
export function parseSse(text: string, complete: boolean): [string, string][] {
  const blocks = text.split(/\n\n/);
  if (!complete || !text.endsWith("\n\n")) blocks.pop();
  const out: [string, string][] = [];
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":") || line === "") continue;
      const [field, ...rest] = line.split(":");
      const value = rest.join(":").replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) out.push([event, data.join("\n")]);
  }
  return out;
}

export function openApiChecker(doc: OpenApiDocument): OpenApiChecker {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const [name, s] of Object.entries(doc.components.schemas)) ajv.addSchema(withAbsoluteRefs({ ...s, $id: BASE + name }));
  const compiled = new Map<object, ValidateFunction>();
  const compile = (schema: JsonSchema): ValidateFunction => {
    let v = compiled.get(schema);
    if (!v) compiled.set(schema, (v = ajv.compile(withAbsoluteRefs(schema))));
    return v;
  };

  const templates = Object.keys(doc.paths)
    .map((t) => ({ t, re: new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "[^/]+")}$`), params: (t.match(/\{/g) ?? []).length }))
    .sort((a, b) => a.params - b.params);

  const match = (method: string, pathname: string): MatchedOperation | undefined => {
    const m = method.toLowerCase() as "get" | "post" | "delete";
    for (const { t, re } of templates) {
      const op = doc.paths[t]?.[m];
      if (op && re.test(pathname)) return { template: t, method: m, op };
    }
    return undefined;
  };

  const json = (text: string): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  };

  return {
    compile,
    match,
    checkRequest(method, url, body) {
      const u = new URL(url, "http://x");
      const m = match(method, u.pathname);
      if (!m) return [`${method} ${u.pathname}: no such operation in the document`];
      const where = `${method} ${m.template}`;
      const problems: string[] = [];
      const known = new Map(m.op.parameters.filter((p) => p.in === "query").map((p) => [p.name, p]));
      for (const [name, value] of u.searchParams) {
        const p = known.get(name);
        if (!p) {
          problems.push(`${where}: query parameter ${name} is not documented`);
          continue;
        }
        // A query value is text; the documented schema may say integer (the server coerces it).
        const typed = p.schema.type === "integer" || p.schema.type === "number" ? Number(value) : value;
        const v = compile(p.schema);
        if (!v(typed)) problems.push(`${where}: query ${name}=${value}: ${errorsOf(v)}`);
      }
      const rb = m.op.requestBody;
      if (body.trim() === "" || body.trim() === "{}") {
        if (rb?.required) problems.push(`${where}: sent no body, but the document says one is required`);
        return problems;
      }
      if (!rb) return [...problems, `${where}: sent a body ${body.slice(0, 200)}, but the document describes none`];
      const parsed = json(body);
      if (!parsed.ok) return [...problems, `${where}: the body is not JSON`];
      const v = compile(rb.content["application/json"].schema);
      if (!v(parsed.value)) problems.push(`${where}: the body ${body.slice(0, 300)} does not match the documented schema: ${errorsOf(v)}`);
      return problems;
    },
    checkResponse(method, url, status, contentType, body, complete = true) {
      const u = new URL(url, "http://x");
      const m = match(method, u.pathname);
      if (!m) return [`${method} ${u.pathname}: no such operation in the document`];
      const where = `${method} ${m.template} -> ${status}`;
      const r = m.op.responses[String(status)];
      if (!r) return [`${where}: status not documented (documented: ${Object.keys(m.op.responses).join(", ")})`];
      const type = contentType.split(";")[0]!.trim();
      const media: MediaType | undefined = r.content?.[type];
      if (!media) return [`${where}: content type ${type} not documented (documented: ${Object.keys(r.content ?? {}).join(", ") || "none"})`];
      if (type === "application/json") {
        const parsed = json(body);
        if (!parsed.ok) return [`${where}: the body is not JSON`];
        const v = compile(media.schema);
        return v(parsed.value) ? [] : [`${where}: the body does not match the documented schema: ${errorsOf(v)}`];
      }
      if (type === "text/event-stream") {
        const events = media["x-sse-events"] ?? {};
        const problems: string[] = [];
        for (const [name, data] of parseSse(body, complete)) {
          const s = events[name];
          if (!s) {
            problems.push(`${where}: event ${name} is not documented`);
            continue;
          }
          const parsed = json(data);
          const v = compile(s);
          if (!parsed.ok || !v(parsed.value)) problems.push(`${where}: event ${name} ${data.slice(0, 200)}: ${parsed.ok ? errorsOf(v) : "not JSON"}`);
        }
        return problems;
      }
      return [];
    },
  };
}
