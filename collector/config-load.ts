// Builds the CollectorConfig from its three sources, lowest first: the --config JSON file, NETDIAG_*
// environment variables, flags. Pure (the file reader is passed in), so every rule is unit-tested.
// Anything unknown is an error that names it: a key in the file (at any depth: the schema is strict),
// a flag, or a NETDIAG_* variable that looks like one of the collector's (a typo would otherwise be
// ignored in silence). Every error names where the bad value came from.
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseBoundedJson } from "../shared/bounded-json.js";
import { CONFIG_FILE_FLAG, CONFIG_KEYS, CollectorConfig, LOG_LEVELS, type ConfigKeyDoc } from "./config.js";

export class ConfigError extends Error {}

export interface ConfigSources {
  argv: string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as UTF-8 (throws like fs.readFileSync). */
  readFile: (path: string) => string;
}

/**
 * NETDIAG_* variables of the other programs and of the test tooling: never the collector's, never an
 * error (the engineer CLI's URL/TOKEN/CA, the agent's config path, the lab's and the tests' settings).
 */
const OTHER_PROGRAMS = /^NETDIAG_(URL|TOKEN|CA|INSECURE|AGENT_.*|LAB_.*|TEST_.*|CHROMIUM|BENCH_.*)$/;

const ENV_KEYS = new Map<string, ConfigKeyDoc>(CONFIG_KEYS.filter((k) => k.env).map((k) => [k.env!, k]));
const FLAG_KEYS = new Map<string, ConfigKeyDoc>(CONFIG_KEYS.filter((k) => k.flag).map((k) => [k.flag!, k]));

/** Edit distance, for "did you mean" (names are short: the quadratic table is nothing). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function nearest(name: string, known: readonly string[]): string | undefined {
  let best: { n: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { n: k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.n.length / 3)) ? best.n : undefined;
}

const didYouMean = (s: string | undefined) => (s ? ` (did you mean ${s}?)` : "");

/**
 * Whether an unknown NETDIAG_* variable looks like it was meant for the collector: it shares the first
 * word of a collector variable (NETDIAG_TLS_CA, NETDIAG_LOG_FORMAT) or is a near miss of one
 * (NETDIAG_DATADIR, NETDIAG_PROT). Other NETDIAG_* names belong to the other programs and are left alone.
 */
export function collectorEnvLookalike(name: string): string | undefined {
  if (!name.startsWith("NETDIAG_") || ENV_KEYS.has(name) || name === CONFIG_FILE_FLAG.env || OTHER_PROGRAMS.test(name)) return undefined;
  const known = [...ENV_KEYS.keys(), CONFIG_FILE_FLAG.env];
  const squash = (n: string) => n.slice("NETDIAG_".length).replace(/_/g, "").toLowerCase();
  const firstWord = (n: string) => n.slice("NETDIAG_".length).split("_")[0];
  const sameWord = known.find((k) => firstWord(k) === firstWord(name));
  const close = known.find((k) => editDistance(squash(k), squash(name)) <= 2);
  return close ?? sameWord;
}

/** Text of a flag or variable → the key's value (numbers checked here, so the error names the source). */
function convert(doc: ConfigKeyDoc, text: string, origin: string, readFile: ConfigSources["readFile"]): unknown {
  switch (doc.kind) {
    case "int":
      if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(`${origin}: expected a whole number, got ${JSON.stringify(text)}`);
      return Number(text);
    case "level":
      if (!(LOG_LEVELS as readonly string[]).includes(text)) throw new ConfigError(`${origin}: expected one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(text)}`);
      return text;
    case "json-file":
      return readJsonFile(text, origin, readFile);
    default:
      return text;
  }
}

function readJsonFile(path: string, origin: string, readFile: ConfigSources["readFile"]): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (e) {
    throw new ConfigError(`cannot read ${origin} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const json = parseBoundedJson(text);
  if (!json.ok) throw new ConfigError(`${origin} ${path} is not valid JSON (${json.code}): ${json.message}`);
  return json.value;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    const next = o[p];
    o = o[p] = next && typeof next === "object" && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
  }
  o[parts.at(-1)!] = value;
}

/** One line per problem, each naming the key's full path and where its value came from. */
function describeIssues(error: z.ZodError, originOf: (path: string) => string): string {
  return error.issues
    .flatMap((i) => {
      const at = i.path.map(String).join(".");
      if (i.code === "unrecognized_keys") {
        return i.keys.map((k) => {
          const full = at ? `${at}.${k}` : k;
          const hint = at === "" ? nearest(k, CONFIG_KEYS.map((c) => c.key.split(".")[0]!)) : undefined;
          return `${originOf(full)}: unknown key ${JSON.stringify(full)}${didYouMean(hint)}`;
        });
      }
      return [`${originOf(at)}: ${at || "(config)"}: ${i.message}`];
    })
    .join("\n");
}

export interface LoadedConfig {
  config: CollectorConfig;
  /** Where each key set by something other than the default came from ("--port", "NETDIAG_PORT", the file). */
  origins: ReadonlyMap<string, string>;
}

/** Parses argv (flags only: the command word is already taken off), the environment and the file. */
export function loadCollectorConfig(src: ConfigSources): LoadedConfig {
  const options: Record<string, { type: "string" }> = { [CONFIG_FILE_FLAG.flag]: { type: "string" } };
  for (const f of FLAG_KEYS.keys()) options[f] = { type: "string" };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: src.argv, options, strict: true, allowPositionals: false }));
  } catch (e) {
    const m = /'(-{1,2}[^']+)'/.exec((e as Error).message);
    const flag = m?.[1];
    if (flag && (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const hint = nearest(flag.replace(/^-+/, ""), [...Object.keys(options)]);
      throw new ConfigError(`unknown flag ${flag}${didYouMean(hint && `--${hint}`)}`);
    }
    throw new ConfigError((e as Error).message);
  }

  for (const name of Object.keys(src.env).sort()) {
    const meant = collectorEnvLookalike(name);
    if (meant) throw new ConfigError(`unknown environment variable ${name} (did you mean ${meant}?); unset it or fix its name`);
  }

  const origins = new Map<string, string>();
  let raw: Record<string, unknown> = {};
  const file = (values[CONFIG_FILE_FLAG.flag] as string | undefined) ?? src.env[CONFIG_FILE_FLAG.env];
  const fileOrigin = file === undefined ? undefined : `${values[CONFIG_FILE_FLAG.flag] !== undefined ? "--config" : CONFIG_FILE_FLAG.env} ${file}`;
  if (file !== undefined) {
    const json = readJsonFile(file, values[CONFIG_FILE_FLAG.flag] !== undefined ? "--config" : CONFIG_FILE_FLAG.env, src.readFile);
    if (!json || typeof json !== "object" || Array.isArray(json)) throw new ConfigError(`${fileOrigin}: expected a JSON object of settings`);
    // The file alone must be valid: its unknown keys and bad values are reported against the file.
    const alone = CollectorConfig.safeParse(json);
    if (!alone.success) throw new ConfigError(describeIssues(alone.error, () => fileOrigin!));
    raw = { ...(json as Record<string, unknown>) };
  }
  for (const [env, doc] of ENV_KEYS) {
    const text = src.env[env];
    if (text === undefined || text === "") continue;
    setPath(raw, doc.key, convert(doc, text, env, src.readFile));
    origins.set(doc.key, env);
  }
  for (const [flag, doc] of FLAG_KEYS) {
    const text = values[flag];
    if (typeof text !== "string") continue;
    setPath(raw, doc.key, convert(doc, text, `--${flag}`, src.readFile));
    origins.set(doc.key, `--${flag}`);
  }
  const originOf = (path: string): string => {
    const hit = [...origins.keys()].filter((k) => path === k || path.startsWith(`${k}.`) || k.startsWith(`${path}.`)).sort((a, b) => b.length - a.length)[0];
    return hit ? origins.get(hit)! : (fileOrigin ?? "settings");
  };
  const parsed = CollectorConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, originOf));
  return { config: parsed.data, origins };
}
