// Enrollment codes as credentials. A plain code (read out over the phone) creates a new agent; a code
// bound to an existing agent (re-enrollment) is written `<agentId>.<CODE>` and its stored hash covers
// the agent id too, so editing the id part turns it into an unknown code. The binding therefore needs
// no extra storage and survives restarts; the store's atomic one-time claim works for both kinds.
import { hashSecret, normalizeEnrollmentCode } from "../../shared/secrets.js";

export interface ParsedEnrollmentCode {
  /** Set for a re-enrollment code: the only agent this code can re-key. */
  agentId?: string;
  /** The hash to claim in the store. */
  hash: string;
}

/** Agent ids never contain "."; the code part is normalized like a plain code (shared/secrets.ts). */
const BOUND = /^([A-Za-z0-9_-]{6,64})\.(.{8,40})$/;

export function boundEnrollmentCode(agentId: string, code: string): string {
  return `${agentId}.${code}`;
}

/**
 * Codes are typed by customers: case, spaces and a missing or different dash are forgiven in the code
 * part (normalizeEnrollmentCode); a re-enrollment code's agent id is taken as typed.
 */
export function parseEnrollmentCode(raw: string): ParsedEnrollmentCode {
  const s = raw.trim();
  const m = BOUND.exec(s);
  if (m) {
    const agentId = m[1]!;
    return { agentId, hash: hashSecret(boundEnrollmentCode(agentId, normalizeEnrollmentCode(m[2]!))) };
  }
  return { hash: hashSecret(normalizeEnrollmentCode(s)) };
}
