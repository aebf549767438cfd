// Secrets for the customer's equipment never leave the agent: every outgoing run event passes through
// this scrubber, which replaces any configured secret value found anywhere in it with "[redacted]".
// Key-name redaction (shared/log.ts) is not enough here: a check may echo a secret inside a value
// (an error message quoting a community string, a device banner echoing a password).
import type { RunEvent } from "../../shared/protocol.js";
import type { AgentConfig } from "../config.js";

export const REDACTED = "[redacted]";

/** Fields that carry protocol structure (enums, ids), never device output: left as they are. */
const STRUCTURAL_KEYS = new Set(["type", "runId", "ticketId", "check", "status", "severity", "outcome"]);

/** Every secret value in the config: SNMP communities and v3 keys, RouterOS passwords, the agent secret. */
export function secretsOf(config: AgentConfig): string[] {
  const out: string[] = [];
  if (config.identity?.secret) out.push(config.identity.secret);
  for (const d of config.targets.snmp) {
    if (d.version === "2c") out.push(d.community);
    else out.push(d.authKey, d.privKey);
  }
  for (const d of config.targets.routeros) out.push(d.password);
  // Longest first, so a secret containing another one is replaced whole.
  return [...new Set(out.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
}

export type Scrubber = <T>(value: T) => T;

export function makeScrubber(secrets: readonly string[]): Scrubber {
  if (secrets.length === 0) return (v) => v;
  const scrubString = (s: string): string => {
    let r = s;
    for (const secret of secrets) if (r.includes(secret)) r = r.split(secret).join(REDACTED);
    return r;
  };
  const walk = (v: unknown, key: string | undefined, depth: number): unknown => {
    if (typeof v === "string") return key !== undefined && STRUCTURAL_KEYS.has(key) ? v : scrubString(v);
    // Deeper than any step result nests; past it the value is dropped rather than sent unchecked.
    if (depth > 32) return REDACTED;
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined, depth + 1));
    if (v !== null && typeof v === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[scrubString(k)] = walk(x, k, depth + 1);
      return o;
    }
    return v;
  };
  return <T>(value: T) => walk(value, undefined, 0) as T;
}

export function scrubberFor(config: AgentConfig): (ev: RunEvent) => RunEvent {
  return makeScrubber(secretsOf(config));
}
