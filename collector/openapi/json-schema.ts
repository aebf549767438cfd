// zod -> JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) with zod's own z.toJSONSchema, and the few
// rules the API needs on top (docs/openapi.md says what each means for a reader):
// - Requests are converted from zod's INPUT side (a `.default()` field is optional, a coerced query
//   number is a number, a comma list is the string a client sends); responses from the OUTPUT side
//   (what the server sends: a defaulted field is always there).
// - Refinements (`.refine`, e.g. "no control characters") have no JSON Schema form and are left out:
//   the server still enforces them, with a 400 that says which.
// - A transform that only retypes (shared/steps/stored.ts: a stored step read back as a StepResult),
//   named as such by the caller, is documented by what travels: its input. A transform in a response
//   that is not named so is an error here (nothing could say what it sends).
// - Named shared schemas (collector/openapi/components.ts) become components/schemas and $refs, so
//   Run or Verdict is written once, not in every response that holds one.
// - The bounds zod puts on every int (±2^53-1) say nothing beyond "integer" and are dropped.
import { z } from "zod";

export type JsonSchema = Record<string, unknown>;
export type Io = "input" | "output";

const COMPONENT_REF = "#/components/schemas/";
/** Put where a transform was; the pipe around it replaces it, so one left over is an unexpected transform. */
const TRANSFORM_MARK = "x-netdiag-transform";


/** Every "#/$defs/X" becomes "#/components/schemas/X" (in place). */
function rewriteRefs(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(rewriteRefs);
  if (node === null || typeof node !== "object") return;
  const o = node as Record<string, unknown>;
  if (typeof o.$ref === "string" && o.$ref.startsWith("#/$defs/")) o.$ref = COMPONENT_REF + o.$ref.slice("#/$defs/".length);
  for (const v of Object.values(o)) rewriteRefs(v);
}

function findMark(node: unknown, path: string): string | undefined {
  if (node === null || typeof node !== "object") return undefined;
  if (!Array.isArray(node) && TRANSFORM_MARK in node) return path || "/";
  for (const [k, v] of Object.entries(node)) {
    const p = findMark(v, `${path}/${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

export interface SchemaConverter {
  /** The JSON Schema of `schema` as requests (input) or responses (output) carry it; named parts are $refs. */
  convert(schema: z.ZodType, io: Io): JsonSchema;
  /** The named schemas met so far (output side), for components/schemas. */
  readonly components: Record<string, JsonSchema>;
}

/**
 * `named`: shared schemas written once under components/schemas and referenced by name. Only responses
 * use them: a request body is written out in full, so what a client may send is read in one place
 * (and a name never stands for two different schemas, input and output). `retyping`: schemas of the
 * form `X.transform(cast)` whose value travels as X.
 */
export function createSchemaConverter(named: ReadonlyMap<z.ZodType, string>, retyping: ReadonlySet<z.ZodType> = new Set()): SchemaConverter {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const components: Record<string, JsonSchema> = {};

  const addComponent = (id: string, s: JsonSchema) => {
    const have = components[id];
    if (have !== undefined && JSON.stringify(have) !== JSON.stringify(s)) throw new Error(`component ${id}: two different schemas under one name`);
    components[id] = s;
  };

  function convert(schema: z.ZodType, io: Io): JsonSchema {
    const out = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io,
      // Requests: an empty registry, so nothing is extracted (see above).
      metadata: io === "output" ? registry : z.registry<{ id: string }>(),
      unrepresentable: () => ({ [TRANSFORM_MARK]: true }),
      override(ctx) {
        const js = ctx.jsonSchema as JsonSchema;
        if ((retyping as ReadonlySet<unknown>).has(ctx.zodSchema)) {
          const def = ctx.zodSchema._zod.def;
          if (def.type !== "pipe") throw new Error("a retyping schema must be X.transform(cast)");
          for (const k of Object.keys(js)) delete js[k];
          Object.assign(js, convert(def.in as unknown as z.ZodType, io));
        }
        // Our own registry replaces the global one, where `.describe()` puts its text: keep that text.
        const description = z.globalRegistry.get(ctx.zodSchema)?.description;
        if (description !== undefined && js.description === undefined) js.description = description;
        if (js.minimum === Number.MIN_SAFE_INTEGER) delete js.minimum;
        if (js.maximum === Number.MAX_SAFE_INTEGER) delete js.maximum;
      },
    }) as JsonSchema;
    const mark = findMark(out, "");
    if (mark !== undefined) throw new Error(`a transform at ${mark} has no JSON Schema form: document what travels instead`);
    delete out.$schema;
    rewriteRefs(out);
    const defs = out.$defs as Record<string, JsonSchema> | undefined;
    delete out.$defs;
    for (const [id, s] of Object.entries(defs ?? {})) addComponent(id, s);
    return out;
  }

  return { convert, components };
}
