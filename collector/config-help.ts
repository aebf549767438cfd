// `netdiag-collector --help` and the README's configuration table, both generated from CONFIG_KEYS so
// a key is documented exactly once (test/docs/readme.test.ts checks the README holds the same table).
import { CONFIG_FILE_FLAG, CONFIG_KEYS, CollectorConfig, valueAt, type ConfigKeyDoc } from "./config.js";

const DEFAULTS = CollectorConfig.parse({});

/** The default as text: the doc's own words, else the schema's default value. */
export function defaultOf(k: ConfigKeyDoc): string {
  if (k.defaultText) return k.defaultText;
  const v = valueAt(DEFAULTS, k.key);
  return v === undefined ? "none" : typeof v === "string" ? v : JSON.stringify(v);
}

/** Words into lines of at most `width` characters (a longer word keeps its own line). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  return [...out, line];
}

/** The options block of --help: one entry per flag, then the keys only the --config file can set. */
export function optionsHelp(): string {
  const lines: string[] = [];
  const indent = " ".repeat(32);
  const entry = (left: string, text: string) => {
    const wrapped = wrap(text, 100 - indent.length);
    const first = left.length < 30 ? `  ${left.padEnd(30)}${wrapped[0]}` : `  ${left}\n${indent}${wrapped[0]}`;
    lines.push(first, ...wrapped.slice(1).map((l) => indent + l));
  };
  entry(`--${CONFIG_FILE_FLAG.flag} ${CONFIG_FILE_FLAG.value}`, `${CONFIG_FILE_FLAG.doc} (env ${CONFIG_FILE_FLAG.env})`);
  for (const k of CONFIG_KEYS.filter((c) => c.flag)) {
    entry(`--${k.flag} ${k.value}`, `${k.doc} (default ${defaultOf(k)}; env ${k.env}; file key ${k.key})`);
  }
  const fileOnly = CONFIG_KEYS.filter((c) => !c.flag && !c.env);
  if (fileOnly.length) {
    lines.push("", "Only in the --config file:");
    for (const k of fileOnly) entry(k.key, `${k.doc} (default ${defaultOf(k)})`);
  }
  return lines.join("\n");
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The README's table of every key (generated: paste this output when a key changes). */
export function configTableMarkdown(): string {
  const rows = CONFIG_KEYS.map((k) =>
    `| \`${k.key}\` | ${k.flag ? `\`--${k.flag} ${k.value}\`` : "file only"} | ${k.env ? `\`${k.env}\`` : ""} | ${cell(defaultOf(k))} | ${cell(k.doc)} |`,
  );
  return ["| key (`--config` file) | flag | environment | default | what |", "|---|---|---|---|---|", ...rows].join("\n");
}
