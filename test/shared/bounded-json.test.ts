// The bounded JSON guard on raw text: each limit refuses exactly past its bound, strings hide their
// brackets, escapes do not end a string, and malformed text is refused without a throw.
import { describe, expect, test } from "vitest";
import { checkJsonShape, parseBoundedJson, type JsonLimits } from "../../shared/bounded-json.js";

const L: JsonLimits = { maxDepth: 4, maxKeys: 3, maxItems: 5, maxStringLength: 10 };
const nest = (n: number) => "[".repeat(n) + "]".repeat(n);
const obj = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`;
const arr = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(",")}]`;

describe("checkJsonShape", () => {
  test.each([
    ["depth at the limit", nest(4), undefined],
    ["depth past the limit", nest(5), "JSON_TOO_DEEP"],
    ["2,500 nested arrays (the reported attack)", nest(2500), "JSON_TOO_DEEP"],
    ["mixed nesting past the limit", '{"a":[{"b":[{}]}]}', "JSON_TOO_DEEP"],
    ["keys at the limit", obj(3), undefined],
    ["keys past the limit", obj(4), "JSON_TOO_MANY_KEYS"],
    ["items at the limit", arr(5), undefined],
    ["items past the limit", arr(6), "JSON_ARRAY_TOO_LONG"],
    ["commas inside a nested array count there, not in the object", `{"a":${arr(5)},"b":1}`, undefined],
    ["string at the limit", JSON.stringify("x".repeat(10)), undefined],
    ["string past the limit", JSON.stringify("x".repeat(11)), "JSON_STRING_TOO_LONG"],
    ["a key past the limit", `{${JSON.stringify("k".repeat(11))}:1}`, "JSON_STRING_TOO_LONG"],
    ["brackets inside a string are text", JSON.stringify("[[[[[[") , undefined],
    ["an escaped quote does not end the string", JSON.stringify('a"[[[[[[b'), undefined],
    ["a string ending in an escaped backslash ends there", `[${JSON.stringify("a\\")},${nest(4)}]`, "JSON_TOO_DEEP"],
    ["escaped backslashes and quotes inside a string are text", JSON.stringify('\\"[[[\\'), undefined],
    ["unterminated long string", '"' + "x".repeat(20), "JSON_STRING_TOO_LONG"],
    ["stray closers do not underflow", "]]]}}}" + nest(4), undefined],
  ])("%s", (_n, text, code) => {
    expect(checkJsonShape(text, L)?.code).toBe(code);
  });
});

describe("parseBoundedJson", () => {
  test("a document within the limits parses", () => {
    expect(parseBoundedJson('{"a":[1,2],"b":"x"}', L)).toEqual({ ok: true, value: { a: [1, 2], b: "x" } });
  });
  test("a shape violation is refused before parsing, with its code and the limit", () => {
    const r = parseBoundedJson(nest(5), L);
    expect(r).toEqual({ ok: false, code: "JSON_TOO_DEEP", message: "nesting deeper than 4 levels" });
  });
  test.each(["{nope", "", "[1,]", '{"a":1'])("malformed %j is MALFORMED_JSON, never a throw", (text) => {
    expect(parseBoundedJson(text, L)).toMatchObject({ ok: false, code: "MALFORMED_JSON" });
  });
  test("a 100,000-deep document is refused in one pass with the default limits", () => {
    expect(parseBoundedJson(nest(100_000))).toMatchObject({ ok: false, code: "JSON_TOO_DEEP" });
  });
});
