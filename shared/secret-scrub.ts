// Keeping equipment secrets (SNMP communities and v3 keys, router passwords, Wi-Fi keys, API keys) out
// of what is sent, stored, shown and logged. One walker and one set of rules for every place that
// scrubs: the agent before anything leaves it (it also knows its configured secret values), the
// collector before it stores a run event and again in every response, and the log.
//
// Three rules: a value under a key that names a secret is replaced whole (`isSecretKey`); text that has
// the shape of a credential is replaced where it appears (`scrubKnownPatterns`: PEM private keys,
// netdiag API tokens, Bearer/Basic credentials, a URL's password, `password=...` in free text); and
// any caller-given secret value is replaced wherever it appears, keys included.

export const REDACTED = "[redacted]";
/** What stands for a subtree deeper than the walker goes (nothing below it is kept unchecked). */
export const TOO_DEEP = "[redacted: nested too deep]";

/** Whole words of a key name that name a secret ("snmp_community", "RouterPassword", "wifi-psk"). */
const SECRET_WORDS = new Set([
  "pass", "passwd", "password", "passwords", "passphrase", "pwd", "secret", "secrets", "psk", "community",
  "communities", "token", "tokens", "credential", "credentials", "cookie", "cookies", "authorization",
  "bearer", "apikey", "authkey", "privkey", "privatekey", "secretkey", "accesskey",
]);
/** "key" names a secret as a key's last word (apiKey, authKey, wpa_key), not as in keyId or keyboard. */
const KEY_WORDS = new Set(["key", "keys"]);
/** ... except where the key is a public one. */
const PUBLIC_KEY_QUALIFIERS = new Set(["public", "host", "pub"]);
/** Run-together names in any case ("ADMINPASSWORD", "wpa2psk"): these endings name a secret. */
const SECRET_SUFFIXES = ["password", "passwd", "passphrase", "pwd", "secret", "apikey", "authkey", "privkey", "privatekey", "psk", "community", "token"];

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])/)
    .filter(Boolean);
}

/** Key names repeat across every row of a table: each is judged once. Bounded, so hostile keys cannot grow it. */
const keyVerdicts = new Map<string, boolean>();
const MAX_CACHED_KEYS = 10_000;

/** Does this key name say its value is a secret? */
export function isSecretKey(name: string): boolean {
  let v = keyVerdicts.get(name);
  if (v === undefined) {
    v = judgeKey(name);
    if (keyVerdicts.size >= MAX_CACHED_KEYS) keyVerdicts.clear();
    keyVerdicts.set(name, v);
  }
  return v;
}

function judgeKey(name: string): boolean {
  const w = words(name);
  if (w.some((x) => SECRET_WORDS.has(x))) return true;
  const last = w.at(-1);
  if (last !== undefined && KEY_WORDS.has(last)) return !(w.length > 1 && PUBLIC_KEY_QUALIFIERS.has(w.at(-2)!));
  const compact = w.join("");
  return SECRET_SUFFIXES.some((s) => compact.endsWith(s)) && !compact.startsWith("public");
}

/** Credential shapes found inside free text (a device banner, an error message, a log line). */
const PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, REDACTED],
  // netdiag API tokens (collector/auth/principal.ts TOKEN_PREFIX).
  [/\bndt_[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // scheme://user:PASSWORD@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]+@/gi, `$1:${REDACTED}@`],
  // password=..., community: "...", wpa-psk = ..., api_key=... in text or query strings.
  [/\b((?:[a-z0-9]+[_-]?)?(?:pass(?:word|wd|phrase)?|pwd|secret|community|psk|api[_-]?key|auth[_-]?key|priv[_-]?key|token))(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/gi, `$1$2${REDACTED}`],
];

/** Cheap first look: a string without any of these cannot match a pattern (almost every string). */
const MAYBE = /-----BEGIN|ndt_|bearer|basic|:\/\/|pass|pwd|secret|community|psk|key|token/i;

export function scrubKnownPatterns(s: string): string {
  if (!MAYBE.test(s)) return s;
  let out = s;
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

export interface ScrubOptions {
  /** Secret values to replace wherever they appear (the agent's configured secrets). */
  secrets?: readonly string[];
  /** Keys whose string values are protocol structure (ids, enums), left as they are. */
  structuralKeys?: ReadonlySet<string>;
  /** Deeper subtrees are replaced by TOO_DEEP (the walk is iterative: no depth can overflow the stack). */
  maxDepth: number;
}

function put(o: Record<string | number, unknown>, k: string | number, v: unknown): void {
  // A "__proto__" key from JSON.parse must stay a plain own property, not become the prototype.
  if (k === "__proto__") Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * A deep copy of `value` with the three rules applied. Iterative with an explicit stack and bounded in
 * depth, so a hostile document nested thousands deep costs a loop, never a RangeError.
 */
export function scrubDeep<T>(value: T, o: ScrubOptions): T {
  const secrets = [...new Set((o.secrets ?? []).filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  const scrubString = (s: string): string => {
    let r = s;
    // Longest first, so a secret containing another one is replaced whole.
    for (const secret of secrets) if (r.includes(secret)) r = r.split(secret).join(REDACTED);
    return scrubKnownPatterns(r);
  };
  const root: Record<string, unknown> = {};
  // Each frame: the source value, where its copy goes (container and slot), its depth and its key name.
  const stack: { src: unknown; into: Record<string | number, unknown>; slot: string | number; depth: number; key: string | undefined }[] = [
    { src: value, into: root, slot: "v", depth: 0, key: undefined },
  ];
  while (stack.length) {
    const { src, into, slot, depth, key } = stack.pop()!;
    if (typeof src === "string") {
      put(into, slot, key !== undefined && o.structuralKeys?.has(key) ? src : scrubString(src));
    } else if (src === null || typeof src !== "object") {
      put(into, slot, src);
    } else if (depth >= o.maxDepth) {
      put(into, slot, TOO_DEEP);
    } else if (Array.isArray(src)) {
      const arr: unknown[] = new Array(src.length);
      put(into, slot, arr);
      for (let i = 0; i < src.length; i++) stack.push({ src: src[i], into: arr as unknown as Record<number, unknown>, slot: i, depth: depth + 1, key: undefined });
    } else {
      const out: Record<string, unknown> = {};
      put(into, slot, out);
      for (const k of Object.keys(src)) {
        const nk = scrubString(k);
        if (isSecretKey(k)) {
          put(out, nk, REDACTED);
          continue;
        }
        put(out, nk, undefined); // keeps the key order of the source
        stack.push({ src: (src as Record<string, unknown>)[k], into: out, slot: nk, depth: depth + 1, key: k });
      }
    }
  }
  return root.v as T;
}
