// The one escaping rule for terminal output (shared/terminal-text.ts), table-tested.
import { describe, expect, test } from "vitest";
import { escapeControls, hasControlChars, indentTerm, joinTerm, term, termJson } from "../../shared/terminal-text.js";

describe("terminal text", () => {
  test.each([
    ["plain text and Unicode stay", "Wang Fang 王芳 ✔ — ok", "Wang Fang 王芳 ✔ — ok"],
    ["CSI erase line", "a\x1b[2Kb", "a\\u001b[2Kb"],
    ["OSC window title ended by BEL", "\x1b]0;t\x07", "\\u001b]0;t\\u0007"],
    ["8-bit CSI (C1)", "\u009b2K", "\\u009b2K"],
    ["DEL", "\x7f", "\\u007f"],
    ["line breaks and tab", "a\r\nb\tc", "a\\r\\nb\\tc"],
    ["bidi override and isolate", "\u202eabc\u2066", "\\u202eabc\\u2066"],
    ["line separator", "a\u2028b", "a\\u2028b"],
  ])("%s", (_name, input, want) => expect(escapeControls(input)).toBe(want));

  test("term keeps its literals and nested TerminalTexts, escapes every value", () => {
    const inner = term`x${"\x1b"}`;
    const t = term`a\n${"b\nc"} ${inner} ${42}`;
    expect(t.text).toBe("a\nb\\nc x\\u001b 42");
    expect(joinTerm([t, term`z`]).text).toBe("a\nb\\nc x\\u001b 42\nz");
    expect(indentTerm(joinTerm([term`1`, term`2`]), "  ").text).toBe("  1\n  2");
  });

  test("termJson stays valid JSON with the same value", () => {
    const v = { s: "a\x1b[2K\u009b\u202e\nb", n: [1, { k: "\u2028" }] };
    for (const indent of [undefined, 2]) {
      const out = termJson(v, indent).text;
      expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2028]/);
      expect(JSON.parse(out)).toEqual(v);
    }
  });

  test("hasControlChars: newline and tab allowed only for multi-line fields", () => {
    expect(hasControlChars("Wang Fang")).toBe(false);
    expect(hasControlChars("a\nb")).toBe(true);
    expect(hasControlChars("a\n\tb", true)).toBe(false);
    expect(hasControlChars("a\x1bb", true)).toBe(true);
    expect(hasControlChars("a\rb", true)).toBe(true);
  });
});
