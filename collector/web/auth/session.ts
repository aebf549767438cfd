// Web console sessions (SECURITY.md, "Web console"): the cookie holds 32 random bytes (base64url), the
// store only their SHA-256, so a copy of the database signs nobody in. A session ends at its absolute
// expiry, after an idle gap, when signed out, or the moment its subject (a user or an API token) is no
// longer valid: a disabled user or a revoked/expired token kills its sessions on the next request.
import { randomBytes } from "node:crypto";
import type { Role } from "../../../shared/api.js";
import { hashSecret } from "../../../shared/secrets.js";
import type { Principal } from "../../auth/principal.js";
import type { SessionRecord, Store } from "../../store/types.js";

export const SESSION_COOKIE = "nd_session";
/** 12 h: one working day signed in, then a fresh sign-in (a shared or stolen laptop stops working overnight). */
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;
/** 2 h idle: a console left open over lunch stays signed in, one forgotten for the afternoon does not. */
export const SESSION_IDLE_MS = 2 * 3600_000;
/** last_seen_at is written at most this often: a page load is a read, not a write, most of the time. */
export const SESSION_TOUCH_MS = 60_000;

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export interface SessionSubject {
  kind: SessionRecord["kind"];
  subjectId: string;
  name: string;
  role: Role;
}

export interface NewSession {
  /** The cookie value: shown to the browser once, never stored. */
  cookie: string;
  record: SessionRecord;
}

export async function createSession(store: Store, s: SessionSubject, now: number): Promise<NewSession> {
  const cookie = randomBytes(32).toString("base64url");
  const record: SessionRecord = {
    idHash: hashSecret(cookie),
    ...s,
    csrfToken: randomBytes(32).toString("base64url"),
    createdAt: now,
    expiresAt: now + SESSION_ABSOLUTE_MS,
    lastSeenAt: now,
  };
  await store.createSession(record);
  return { cookie, record };
}

export type SessionResult =
  | { ok: true; session: SessionRecord; principal: Principal }
  | { ok: false; reason: "missing" | "malformed" | "unknown" | "expired" | "idle" | "revoked" | "subject_invalid"; session?: SessionRecord };

/** The session behind a cookie value, checked against its subject as it is NOW (role changes apply at once). */
export async function resolveSession(store: Store, cookie: string | undefined, now: number): Promise<SessionResult> {
  if (!cookie) return { ok: false, reason: "missing" };
  if (!COOKIE_VALUE.test(cookie)) return { ok: false, reason: "malformed" };
  const session = await store.findSession(hashSecret(cookie));
  if (!session) return { ok: false, reason: "unknown" };
  if (session.revokedAt !== undefined) return { ok: false, reason: "revoked", session };
  if (session.expiresAt <= now) return { ok: false, reason: "expired", session };
  if (session.lastSeenAt + SESSION_IDLE_MS <= now) return { ok: false, reason: "idle", session };
  const principal = await subjectPrincipal(store, session, now);
  if (!principal) {
    // The user was disabled or the token revoked/expired: end every session it has, not just this one.
    await store.revokeSessionsOf(session.kind, session.subjectId, now);
    return { ok: false, reason: "subject_invalid", session };
  }
  if (now - session.lastSeenAt >= SESSION_TOUCH_MS) await store.touchSession(session.idHash, now);
  return { ok: true, session, principal };
}

async function subjectPrincipal(store: Store, s: SessionRecord, now: number): Promise<Principal | undefined> {
  if (s.kind === "user") {
    const u = await store.getUser(s.subjectId);
    if (!u || u.disabledAt !== undefined) return undefined;
    return { tokenId: u.id, name: u.username, role: u.role, kind: "user" };
  }
  const t = await store.getTokenById(s.subjectId);
  if (!t || t.revokedAt !== undefined || (t.expiresAt !== undefined && t.expiresAt <= now)) return undefined;
  return { tokenId: t.id, name: t.name, role: t.role };
}

export async function endSession(store: Store, cookie: string, now: number): Promise<boolean> {
  if (!COOKIE_VALUE.test(cookie)) return false;
  return store.revokeSession(hashSecret(cookie), now);
}
