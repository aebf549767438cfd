// A JSON Schema (as collector/openapi/json-schema.ts makes them) rendered for people: one line per
// field with its type, limits and whether it is required, nested fields indented below, named schemas
// as links to their section of the reference page. Pure; hono's `html` escapes every value.
import { html } from "hono/html";
import type { Html } from "../web/page-spec.js";
import type { JsonSchema } from "./json-schema.js";

const REF = "#/components/schemas/";
/** A schema nested deeper than this is shown as its type only (the named sections hold the rest). */
const MAX_DEPTH = 8;

export const schemaAnchor = (name: string) => `schema-${name}`;

/** Text with `code` spans (as route summaries write them) as HTML. */
export function inlineCode(text: string): Html {
  return html`${text.split("`").map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

const str = (v: unknown) => JSON.stringify(v);
const isObj = (v: unknown): v is JsonSchema => v !== null && typeof v === "object" && !Array.isArray(v);

function range(min: unknown, max: unknown, unit: string): string {
  const lo = typeof min === "number" ? min : undefined;
  const hi = typeof max === "number" ? max : undefined;
  if (lo !== undefined && hi !== undefined) return lo === hi ? `${lo}${unit}` : `${lo}–${hi}${unit}`;
  if (lo !== undefined) return `≥ ${lo}${unit}`;
  if (hi !== undefined) return `≤ ${hi}${unit}`;
  return "";
}

/** The alternatives of a union: oneOf / anyOf. */
const alternatives = (s: JsonSchema): JsonSchema[] | undefined => ((s.oneOf ?? s.anyOf) as JsonSchema[] | undefined)?.filter(isObj);

/** One line: what kind of value, with its limits. Nested fields are rendered by `schemaBody`. */
export function typeLine(s: JsonSchema): Html {
  if (typeof s.$ref === "string") {
    const name = s.$ref.startsWith(REF) ? s.$ref.slice(REF.length) : s.$ref;
    return html`<a href="#${schemaAnchor(name)}">${name}</a>`;
  }
  const bits: (Html | string)[] = [];
  if ("const" in s) bits.push(html`<code>${str(s.const)}</code>`);
  else if (Array.isArray(s.enum)) bits.push(html`one of ${s.enum.map((v, i) => html`${i > 0 ? " | " : ""}<code>${str(v)}</code>`)}`);
  else if (s.type === "array") {
    const items = isObj(s.items) ? s.items : {};
    const n = range(s.minItems, s.maxItems, " items");
    bits.push(html`array of ${typeLine(items)}${n ? ` (${n})` : ""}`);
  } else if (s.type === "object" || isObj(s.properties)) {
    const extra = s.additionalProperties;
    // A union's alternative says what tells it apart: the field whose value is fixed (type, check).
    const tag = isObj(s.properties) ? Object.entries(s.properties).find(([, p]) => isObj(p) && "const" in p) : undefined;
    if (!isObj(s.properties) && isObj(extra) && Object.keys(extra).length > 0) bits.push(html`map of string to ${typeLine(extra)}`);
    else if (tag) bits.push(html`object with <code>${tag[0]}</code> = <code>${str((tag[1] as JsonSchema).const)}</code>`);
    else bits.push("object");
  } else if (alternatives(s)) bits.push(`one of ${alternatives(s)!.length}:`);
  else if (typeof s.type === "string") {
    bits.push(s.type);
    if (s.type === "string") {
      const n = range(s.minLength, s.maxLength, " chars");
      if (n) bits.push(n);
    } else if (s.type === "integer" || s.type === "number") {
      const n = range(s.minimum ?? s.exclusiveMinimum, s.maximum ?? s.exclusiveMaximum, "");
      if (n) bits.push(n);
    }
    if (typeof s.format === "string") bits.push(`format ${s.format}`);
    if (typeof s.pattern === "string") bits.push(html`matching <code>${s.pattern}</code>`);
  } else if (Array.isArray(s.type)) bits.push(s.type.join(" or "));
  else bits.push("any JSON value");
  if ("default" in s) bits.push(html`default <code>${str(s.default)}</code>`);
  return html`${bits.map((b, i) => html`${i > 0 ? ", " : ""}${b}`)}`;
}

function children(s: JsonSchema): JsonSchema | undefined {
  if (typeof s.$ref === "string") return undefined;
  if (s.type === "array" && isObj(s.items) && typeof s.items.$ref !== "string") return children(s.items) ? s.items : undefined;
  if (isObj(s.properties) || alternatives(s)) return s;
  return undefined;
}

/** The nested part: an object's fields, an array's item fields, a union's alternatives. */
export function schemaBody(s: JsonSchema, depth = 0): Html {
  const inner = children(s);
  if (!inner || depth > MAX_DEPTH) return html``;
  if (inner !== s) return schemaBody(inner, depth);
  const alts = alternatives(s);
  if (alts) {
    const key = discriminator(alts);
    return html`<ol class="schema">${alts.map((a) => html`<li>${key ? altLine(a, key) : typeLine(a)}${note(a)}${schemaBody(a, depth + 1)}</li>`)}</ol>`;
  }
  const props = s.properties as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const extra = s.additionalProperties;
  const closing = extra === false ? "no other fields" : extra === undefined || (isObj(extra) && Object.keys(extra).length === 0) || extra === true ? "other fields allowed" : undefined;
  return html`<ul class="schema">${Object.entries(props).map(
    ([name, p]) =>
      html`<li><code>${name}</code>${required.has(name) ? html` <span class="badge warn">required</span>` : ""} ${typeLine(p)}${note(p)}${schemaBody(p, depth + 1)}</li>`,
  )}${closing ? html`<li class="muted small">${closing}</li>` : ""}</ul>`;
}

const fixedValues = (p: unknown): unknown[] | undefined => (isObj(p) ? ("const" in p ? [p.const] : Array.isArray(p.enum) ? p.enum : undefined) : undefined);

/** The field that tells a union's object alternatives apart: fixed in each, with values no two share. */
function discriminator(alts: JsonSchema[]): string | undefined {
  const first = alts[0]?.properties;
  if (!isObj(first)) return undefined;
  return Object.keys(first).find((key) => {
    const seen = new Set<string>();
    for (const a of alts) {
      const values = fixedValues(isObj(a.properties) ? a.properties[key] : undefined);
      if (!values) return false;
      for (const v of values) {
        if (seen.has(str(v))) return false;
        seen.add(str(v));
      }
    }
    return true;
  });
}

function altLine(a: JsonSchema, key: string): Html {
  const values = fixedValues((a.properties as Record<string, unknown>)[key]) ?? [];
  return html`object with <code>${key}</code> ${values.length === 1 ? "=" : "one of"} ${values.map((v, i) => html`${i > 0 ? " | " : ""}<code>${str(v)}</code>`)}`;
}

function note(s: JsonSchema): Html {
  return typeof s.description === "string" ? html` <span class="muted">— ${s.description}</span>` : html``;
}

/** A schema in full: its type line, then its fields. */
export function schemaHtml(s: JsonSchema): Html {
  return html`<div class="schema-top">${typeLine(s)}${note(s)}</div>${schemaBody(s)}`;
}
