// Secrets for the customer's equipment never leave the agent: every outgoing run event passes through
// this scrubber (shared/secret-scrub.ts), which replaces any configured secret value found anywhere in
// it, the value of any key named like a secret, and text shaped like a credential, with "[redacted]".
// Key names alone are not enough: a check may echo a secret inside a value (an error message quoting a
// community string, a device banner or log line echoing a password).
import type { RunEvent } from "../../shared/protocol.js";
import { isSecretKey, REDACTED, scrubDeep } from "../../shared/secret-scrub.js";
import type { AgentConfig } from "../config.js";

export { REDACTED };

/** Fields that carry protocol structure (enums, ids), never device output: left as they are. */
const STRUCTURAL_KEYS = new Set(["type", "runId", "ticketId", "check", "status", "severity", "outcome"]);

/** Deeper than any step result nests; past it the value is dropped rather than sent unchecked. */
const MAX_DEPTH = 32;

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

export function makeScrubber(secrets: readonly string[]): Scrubber {
  return <T>(value: T) => scrubDeep(value, { secrets, structuralKeys: STRUCTURAL_KEYS, maxDepth: MAX_DEPTH });
}

export function scrubberFor(config: AgentConfig): (ev: RunEvent) => RunEvent {
  return makeScrubber(secretsOf(config));
}
