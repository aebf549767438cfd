// Secrets for the customer's equipment never leave the agent: every outgoing run event passes through
// this scrubber, which replaces any configured secret value found anywhere in it, the value of any key
// named like a secret, and text shaped like a credential (shared/secret-scrub.ts), with "[redacted]".
// Key names alone are not enough: a check may echo a secret inside a value (an error message quoting a
// community string, a device banner or log line echoing a password). The event's schema guides the
// walk, so the protocol's own vocabulary (enums, field names) is never touched: a weak secret that is
// also a common word (an SNMP community "public") cannot break a step's shape.
import { RunEvent } from "../../shared/protocol.js";
import { isSecretKey, REDACTED, scrubDeep, scrubKnownPatterns } from "../../shared/secret-scrub.js";
import type { AgentConfig } from "../config.js";

export { REDACTED };

/** Fields that carry protocol structure (enums, ids), never device output: left as they are. */
const STRUCTURAL_KEYS = new Set(["type", "runId", "ticketId", "check", "status", "severity", "outcome"]);

/**
 * Every secret value in the config, found by the config schema's own key names (community, authKey,
 * privKey, password, the agent secret...): a secret field added to the schema later is covered as long
 * as its name says what it is (test/agent/consent/scrub.test.ts walks the schema to hold that).
 */
export function secretsOf(config: AgentConfig): string[] {
  const out: string[] = [];
  const stack: unknown[] = [config.identity ?? {}, config.targets];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === "string" && isSecretKey(k)) out.push(x);
        else if (typeof x === "object") stack.push(x);
      }
    }
  }
  // Longest first, so a secret containing another one is replaced whole.
  return [...new Set(out.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
}

export type Scrubber = <T>(value: T) => T;

/** The parts of a zod 4 schema definition the walk below reads (zod's own `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  element?: Schema;
  innerType?: Schema;
  options?: Schema[];
  valueType?: Schema;
}
interface Schema {
  _zod: { def: Def; propValues?: Record<string, Set<unknown>> };
  /** ZodString's bound (null when unbounded). */
  maxLength?: number | null;
  safeParse(v: unknown): { success: boolean };
}

/** The union option `v` belongs to: by its discriminator values when the option has them, else by parsing. */
function optionFor(options: readonly Schema[], v: unknown): Schema | undefined {
  const rec = (v ?? {}) as Record<string, unknown>;
  const byProps = options.find((o) => {
    const pv = o._zod.propValues;
    return pv !== undefined && Object.keys(pv).length > 0 && Object.entries(pv).every(([k, vals]) => vals.has(rec[k]));
  });
  return byProps ?? options.find((o) => o.safeParse(v).success);
}

/**
 * `schema` (the event's zod schema) tells free text from structure: enum and literal values and the
 * field names of an object are the protocol's own vocabulary and stay as they are, so a weak secret
 * that is also a common word (an SNMP community "public") cannot break a step's shape; every other
 * string, and every key of a free-form record, is scrubbed. Where the value does not match the
 * schema, everything is scrubbed, keys included.
 */
export function makeScrubber(secrets: readonly string[], schema?: unknown): Scrubber {
  const scrubString = (s: string): string => {
    let r = scrubKnownPatterns(s);
    for (const secret of secrets) if (r.includes(secret)) r = r.split(secret).join(REDACTED);
    return r;
  };
  const walk = (v: unknown, key: string | undefined, depth: number): unknown => {
    if (typeof v === "string") return key !== undefined && STRUCTURAL_KEYS.has(key) ? v : scrubString(v);
    // Free-form or off-schema: every rule (secret-named keys included), to the depth left; deeper than
    // any step result nests, the value is dropped rather than sent unchecked.
    return scrubDeep(v, { secrets, structuralKeys: STRUCTURAL_KEYS, maxDepth: Math.max(1, 32 - depth) });
  };
  const guided = (s: Schema | undefined, v: unknown, key: string | undefined, depth: number): unknown => {
    if (!s || depth > 32) return walk(v, key, depth);
    const d = s._zod.def;
    switch (d.type) {
      case "enum":
      case "literal":
        return v;
      case "string": {
        if (typeof v !== "string") return walk(v, key, depth);
        const out = walk(v, key, depth) as string;
        // "[redacted]" may be longer than the secret it replaces: stay within the field's bound.
        const max = s.maxLength;
        return typeof max === "number" && out.length > max ? out.slice(0, max) : out;
      }
      case "optional":
      case "nullable":
      case "default":
        return v === undefined || v === null ? v : guided(d.innerType, v, key, depth);
      case "array":
        return Array.isArray(v) ? v.map((x) => guided(d.element, x, undefined, depth + 1)) : walk(v, key, depth);
      case "union":
        return guided(optionFor(d.options ?? [], v), v, key, depth);
      case "object": {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return walk(v, key, depth);
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          const field = d.shape?.[k];
          if (field && !isSecretKey(k)) o[k] = guided(field, x, k, depth + 1);
          else o[scrubString(k)] = walk(x, k, depth + 1);
        }
        return o;
      }
      case "record": {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return walk(v, key, depth);
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) o[scrubString(k)] = guided(d.valueType, x, k, depth + 1);
        return o;
      }
      default:
        return walk(v, key, depth);
    }
  };
  const root = schema as Schema | undefined;
  return <T>(value: T) => (root ? guided(root, value, undefined, 0) : walk(value, undefined, 0)) as T;
}

export function scrubberFor(config: AgentConfig): (ev: RunEvent) => RunEvent {
  return makeScrubber(secretsOf(config), RunEvent);
}
