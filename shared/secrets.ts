// Random secrets and their hashes. Secrets (API tokens, agent secrets, enrollment codes) are 256-bit
// random values, so a plain SHA-256 is enough to store them: there is nothing to brute-force, and a
// slow KDF would only make every request slower. Comparison is constant-time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function randomSecret(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}

export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(9).toString("base64url")}`;
}

let lastMs = 0;
let counter = 0;

/**
 * A unique id that sorts (as bytes) in the order this process made them: milliseconds and a counter
 * within the millisecond, both fixed-width base 36, then randomness. For rows read back in creation
 * order by id where two can share a timestamp (webhook events: a consumer must get one ticket's events
 * in order), without an engine's row id or sequence.
 */
export function orderedId(prefix: string): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  }
  // A clock that steps back keeps the last millisecond, so the order holds.
  const c = counter++;
  return `${prefix}${lastMs.toString(36).padStart(9, "0")}${c.toString(36).padStart(4, "0")}${randomBytes(6).toString("base64url")}`;
}

/**
 * A code as a customer typed it → its canonical form "ABCDE-FGHJK": case, spaces, a missing dash or
 * another dash-like character (they hear "dash", type "_" or "–", or nothing) do not matter. Anything
 * that is not 10 characters after that is returned as typed (upper case) and simply does not match.
 */
export function normalizeEnrollmentCode(raw: string): string {
  const s = raw.replace(/[\s_\p{Pd}]/gu, "").toUpperCase();
  return s.length === 10 ? `${s.slice(0, 5)}-${s.slice(5)}` : s;
}

/** Enrollment codes are read out over the phone: short, no look-alike characters, still ~50 bits. */
export function randomEnrollmentCode(): string {
  const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  const buf = randomBytes(10);
  let s = "";
  for (const b of buf) s += alphabet[b % alphabet.length];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function safeEqualHex(a: string, b: string): boolean {
  const ba = Buffer.from(a, "hex");
  const bb = Buffer.from(b, "hex");
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
