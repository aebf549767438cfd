// Text for a terminal built from data netdiag did not write itself: agent names (chosen at enroll),
// ticket fields, step data and verdict texts (sent by an agent), engineer names (sent by the collector).
// Control characters would act instead of showing: ESC starts ANSI/OSC sequences that move the cursor,
// erase or overwrite lines, retitle the window or set the clipboard; CR and LF forge whole lines; bidi
// overrides reorder what is shown. They are made visible and inert here (`\u001b`, `\n`), in one place.
//
// `term` is the one way to build printed text: its literal parts are the program's own, every
// interpolated value is escaped unless it is already a TerminalText. Printers take a TerminalText,
// so a field that skipped escaping does not compile.

/** C0, DEL and C1 controls (\p{Cc}), the Unicode line/paragraph separators and the bidi controls. */
const UNSAFE = /[\p{Cc}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;
const UNSAFE_ONE = new RegExp(UNSAFE.source, "u");
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const hex = (ch: string) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, "0")}`;

/** The string with every control character shown as an escape (`\n`, `\u001b`, `\u202e`). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (ch) => NAMED[ch] ?? hex(ch));
}

/** Like escapeControls, but line breaks stay (a multi-line error message); CR and the rest are escaped. */
export function escapeControlsKeepLines(s: string): string {
  return s.split("\n").map(escapeControls).join("\n");
}

/** For schemas: does `s` hold a control character (newline and tab allowed when `multiline`)? */
export function hasControlChars(s: string, multiline = false): boolean {
  return UNSAFE_ONE.test(multiline ? s.replace(/[\n\t]/g, "") : s);
}

/** Text that is safe to write to a terminal as it is. Only this module makes one. */
export class TerminalText {
  private constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  /** @internal */
  static of(text: string): TerminalText {
    return new TerminalText(text);
  }
}

/** Tag for every printed line: literals are kept, interpolated values escaped (TerminalTexts kept). */
export function term(strings: TemplateStringsArray, ...values: unknown[]): TerminalText {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out += (v instanceof TerminalText ? v.text : escapeControls(String(v))) + strings[i + 1]!;
  }
  return TerminalText.of(out);
}

export function joinTerm(parts: readonly TerminalText[], sep: "\n" | " " | ", " | "; " = "\n"): TerminalText {
  return TerminalText.of(parts.map((p) => p.text).join(sep));
}

/** Every line of `t` prefixed (nesting a run under its ticket). */
export function indentTerm(t: TerminalText, prefix = "  "): TerminalText {
  return TerminalText.of(t.text.replace(/^/gm, escapeControls(prefix)));
}

/**
 * A value as JSON for a terminal: JSON.stringify already escapes C0 controls inside strings; C1 and
 * bidi characters are escaped too (`\u009b`), which is still valid JSON for the same value. Raw
 * newlines in the output can only be the indentation's own.
 */
export function termJson(value: unknown, indent?: number): TerminalText {
  const s = JSON.stringify(value, null, indent) ?? "null";
  return TerminalText.of(s.replace(UNSAFE, (ch) => (ch === "\n" ? ch : hex(ch))));
}
