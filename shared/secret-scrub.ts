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

/** Does this key name say its value is a secret? */
export function isSecretKey(name: string): boolean {
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

export function scrubKnownPatterns(s: string): string {
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

function put(o: Record<string, unknown>, k: string, v: unknown): void {
  // defineProperty: a "__proto__" key from JSON.parse stays a plain own property.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
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
  const root: { v?: unknown } = {};
  const stack: { src: unknown; set: (v: unknown) => void; depth: number; key: string | undefined }[] = [
    { src: value, set: (v) => (root.v = v), depth: 0, key: undefined },
  ];
  while (stack.length) {
    const { src, set, depth, key } = stack.pop()!;
    if (typeof src === "string") {
      set(key !== undefined && o.structuralKeys?.has(key) ? src : scrubString(src));
      continue;
    }
    if (src === null || typeof src !== "object") {
      set(src);
      continue;
    }
    if (depth >= o.maxDepth) {
      set(TOO_DEEP);
      continue;
    }
    if (Array.isArray(src)) {
      const arr: unknown[] = new Array(src.length);
      set(arr);
      src.forEach((x, i) => stack.push({ src: x, set: (v) => (arr[i] = v), depth: depth + 1, key: undefined }));
      continue;
    }
    const out: Record<string, unknown> = {};
    set(out);
    for (const [k, x] of Object.entries(src)) {
      const nk = scrubString(k);
      if (isSecretKey(k)) {
        put(out, nk, REDACTED);
        continue;
      }
      put(out, nk, undefined);
      stack.push({ src: x, set: (v) => put(out, nk, v), depth: depth + 1, key: k });
    }
  }
  return root.v as T;
}
