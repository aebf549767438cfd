// The one bounded JSON parser for everything that arrives from outside (agent frames, HTTP bodies) and
// for JSON read back from the store. A linear scan of the text checks its shape (nesting depth, keys
// per object, items per array, string length) BEFORE JSON.parse, so a hostile document never becomes
// a deep or huge object that a recursive walker (zod, a scrubber, JSON.stringify) could choke on.
// The scan allocates nothing and never throws; JSON.parse then only ever sees a bounded shape.

export interface JsonLimits {
  /** Containers nested inside each other (the top-level object is depth 1). */
  maxDepth: number;
  /** Keys in one object. */
  maxKeys: number;
  /** Items in one array. */
  maxItems: number;
  /** UTF-16 code units in one string (keys included), escapes counted as written. */
  maxStringLength: number;
}

/**
 * Far above what a check produces and far below what hurts. A `path` step frame (the deepest common
 * one, hop list inside route inside data inside result) nests 7 containers; the RouterOS check keeps
 * 20 log lines; finding messages are at most 2,000 characters (shared/checks.ts). V8's recursion
 * overflows at a few thousand levels, which is what a 5 KB document of nested arrays reaches.
 */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxKeys: 512, maxItems: 5_000, maxStringLength: 64 * 1024 };

export type JsonShapeCode = "JSON_TOO_DEEP" | "JSON_TOO_MANY_KEYS" | "JSON_ARRAY_TOO_LONG" | "JSON_STRING_TOO_LONG";
export type BoundedJsonCode = JsonShapeCode | "MALFORMED_JSON";

export type BoundedJsonResult = { ok: true; value: unknown } | { ok: false; code: BoundedJsonCode; message: string };

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Index of the quote that closes the string whose first character is at `from`; -1 if none. */
function closingQuote(text: string, from: number): number {
  for (let j = text.indexOf('"', from); j !== -1; j = text.indexOf('"', j + 1)) {
    // Escaped only when an odd number of backslashes precede it.
    let k = j - 1;
    while (k >= from && text.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
  return -1;
}

/**
 * The first limit `text` breaks, if any. Counts are upper bounds (an empty container counts one
 * member), so a document within the limits is never refused for an off-by-one. Malformed text is
 * scanned as far as it goes; JSON.parse rejects it afterwards. One pass; string contents are
 * skipped with indexOf (measured: about twice as fast as looking at each character, and faster
 * than the JSON.parse that follows, on a path step frame).
 */
export function checkJsonShape(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): { code: JsonShapeCode; message: string } | undefined {
  // Per open container: its kind and how many members it has so far. Bounded by maxDepth.
  const kinds: number[] = [];
  const counts: number[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      const end = closingQuote(text, i + 1);
      // An unterminated string is malformed (JSON.parse says so); its length still must not pass.
      if ((end === -1 ? n : end) - (i + 1) > limits.maxStringLength) {
        return { code: "JSON_STRING_TOO_LONG", message: `a string is longer than ${limits.maxStringLength} characters` };
      }
      if (end === -1) break;
      i = end;
    } else if (ch === OPEN_OBJECT || ch === OPEN_ARRAY) {
      if (kinds.length >= limits.maxDepth) return { code: "JSON_TOO_DEEP", message: `nesting deeper than ${limits.maxDepth} levels` };
      kinds.push(ch);
      counts.push(1);
    } else if (ch === CLOSE_OBJECT || ch === CLOSE_ARRAY) {
      kinds.pop();
      counts.pop();
    } else if (ch === COMMA) {
      const top = counts.length - 1;
      if (top < 0) continue;
      const count = ++counts[top]!;
      if (kinds[top] === OPEN_OBJECT && count > limits.maxKeys) return { code: "JSON_TOO_MANY_KEYS", message: `an object has more than ${limits.maxKeys} keys` };
      if (kinds[top] === OPEN_ARRAY && count > limits.maxItems) return { code: "JSON_ARRAY_TOO_LONG", message: `an array has more than ${limits.maxItems} items` };
    }
  }
  return undefined;
}

/** Shape check, then JSON.parse; never throws. */
export function parseBoundedJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): BoundedJsonResult {
  const bad = checkJsonShape(text, limits);
  if (bad) return { ok: false, ...bad };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, code: "MALFORMED_JSON", message: "not valid JSON" };
  }
}
