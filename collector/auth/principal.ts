// Who is calling: resolved from the bearer token once per request, then checked against the role
// each route declares. Tokens are stored as SHA-256 hashes only.
import type { Role } from "../../shared/api.js";
import { hashSecret } from "../../shared/secrets.js";
import type { Store } from "../store/types.js";

export interface Principal {
  /** The API token's id; for a web console user signed in with a password, the user's id. */
  tokenId: string;
  name: string;
  role: Role;
  /** "user": a web console user (password sign-in); absent: an API token (bearer or token sign-in). */
  kind?: "user";
}

export const TOKEN_PREFIX = "ndt_";

export type AuthResult =
  | { ok: true; principal: Principal }
  /** `tokenId`: set when the token exists (revoked or expired), so its failures can be charged to it. */
  | { ok: false; reason: "missing" | "malformed" | "unknown" | "expired" | "revoked"; tokenId?: string };

export async function authenticateToken(store: Store, header: string | undefined, now: number): Promise<AuthResult> {
  if (!header) return { ok: false, reason: "missing" };
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m?.[1] || !m[1].startsWith(TOKEN_PREFIX) || m[1].length > 200) return { ok: false, reason: "malformed" };
  const rec = await store.findTokenByHash(hashSecret(m[1]));
  if (!rec) return { ok: false, reason: "unknown" };
  if (rec.revokedAt !== undefined) return { ok: false, reason: "revoked", tokenId: rec.id };
  if (rec.expiresAt !== undefined && rec.expiresAt <= now) return { ok: false, reason: "expired", tokenId: rec.id };
  return { ok: true, principal: { tokenId: rec.id, name: rec.name, role: rec.role } };
}

/** "token:<id>:<name>" for API tokens, "user:<id>:<name>" for web console users (the audit's actor). */
export function actorOf(p: Principal): string {
  return `${p.kind === "user" ? "user" : "token"}:${p.tokenId}:${p.name}`;
}
