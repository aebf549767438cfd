// Web console accounts in the store: users (scrypt password hashes) and sessions (stored as the
// SHA-256 of the cookie value). SqlStore delegates to these.
import type { Role } from "../../shared/api.js";
import type { SqlDb, SqlValue } from "./sql.js";
import type { SessionRecord, TokenRecord, UserRecord } from "./types.js";

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  created_at: number;
  disabled_at: number | null;
}

interface SessionRow {
  id_hash: string;
  kind: SessionRecord["kind"];
  subject_id: string;
  name: string;
  role: Role;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  revoked_at: number | null;
}

export interface TokenRow {
  id: string;
  name: string;
  role: Role;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const nul = <T extends SqlValue>(v: T | undefined): T | null => (v === undefined ? null : v);

function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    createdAt: r.created_at,
    ...(r.disabled_at !== null ? { disabledAt: r.disabled_at } : {}),
  };
}

function toSession(r: SessionRow): SessionRecord {
  return {
    idHash: r.id_hash,
    kind: r.kind,
    subjectId: r.subject_id,
    name: r.name,
    role: r.role,
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastSeenAt: r.last_seen_at,
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  };
}

export function toToken(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    hash: r.hash,
    createdAt: r.created_at,
    ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  };
}

/** Throws on a duplicate username (UNIQUE): the caller checks first and reports it clearly. */
export async function createUser(db: SqlDb, u: UserRecord): Promise<void> {
  await db.write((tx) =>
    tx.run("INSERT INTO users (id, username, password_hash, role, created_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?)", [
      u.id,
      u.username,
      u.passwordHash,
      u.role,
      u.createdAt,
      nul(u.disabledAt),
    ]),
  );
}

export async function getUser(db: SqlDb, id: string): Promise<UserRecord | undefined> {
  const r = await db.get<UserRow>("SELECT * FROM users WHERE id = ?", [id]);
  return r && toUser(r);
}

export async function findUserByName(db: SqlDb, username: string): Promise<UserRecord | undefined> {
  const r = await db.get<UserRow>("SELECT * FROM users WHERE username = ?", [username]);
  return r && toUser(r);
}

export async function listUsers(db: SqlDb): Promise<UserRecord[]> {
  return (await db.all<UserRow>("SELECT * FROM users ORDER BY created_at, id")).map(toUser);
}

/** A disabled user stays disabled: the first disable time is kept (like a token's revocation). */
export async function updateUser(db: SqlDb, id: string, patch: { passwordHash?: string; role?: Role; disabledAt?: number }): Promise<boolean> {
  const sets: string[] = [];
  const params: SqlValue[] = [];
  if (patch.passwordHash !== undefined) {
    sets.push("password_hash = ?");
    params.push(patch.passwordHash);
  }
  if (patch.role !== undefined) {
    sets.push("role = ?");
    params.push(patch.role);
  }
  if (patch.disabledAt !== undefined) {
    sets.push("disabled_at = coalesce(disabled_at, ?)");
    params.push(patch.disabledAt);
  }
  if (sets.length === 0) return (await getUser(db, id)) !== undefined;
  const r = await db.write((tx) => tx.run(`UPDATE users SET ${sets.join(", ")} WHERE id = ?`, [...params, id]));
  return r.changes > 0;
}

export async function getTokenById(db: SqlDb, id: string): Promise<TokenRecord | undefined> {
  const r = await db.get<TokenRow>("SELECT * FROM tokens WHERE id = ?", [id]);
  return r && toToken(r);
}

/**
 * Also deletes sessions past their absolute expiry (nothing can revive them, and the table would
 * otherwise grow by one row per sign-in forever); the audit keeps who signed in when.
 */
export async function createSession(db: SqlDb, s: SessionRecord): Promise<void> {
  await db.write(async (tx) => {
    await tx.run("DELETE FROM sessions WHERE expires_at < ?", [s.createdAt]);
    await tx.run(
      `INSERT INTO sessions (id_hash, kind, subject_id, name, role, csrf_token, created_at, expires_at, last_seen_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [s.idHash, s.kind, s.subjectId, s.name, s.role, s.csrfToken, s.createdAt, s.expiresAt, s.lastSeenAt, nul(s.revokedAt)],
    );
  });
}

/** Returns revoked and expired sessions too: the caller decides (and says why it signs out). */
export async function findSession(db: SqlDb, idHash: string): Promise<SessionRecord | undefined> {
  const r = await db.get<SessionRow>("SELECT * FROM sessions WHERE id_hash = ?", [idHash]);
  return r && toSession(r);
}

/** Moves the idle deadline; never touches a revoked session. */
export async function touchSession(db: SqlDb, idHash: string, now: number): Promise<void> {
  await db.write((tx) => tx.run(`UPDATE sessions SET last_seen_at = ${db.dialect.greatest("last_seen_at", "?")} WHERE id_hash = ? AND revoked_at IS NULL`, [now, idHash]));
}

/** true when this call revoked it (false: unknown or already revoked). */
export async function revokeSession(db: SqlDb, idHash: string, now: number): Promise<boolean> {
  const r = await db.write((tx) => tx.run("UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL", [now, idHash]));
  return r.changes > 0;
}

export async function revokeSessionsOf(db: SqlDb, kind: SessionRecord["kind"], subjectId: string, now: number): Promise<number> {
  const r = await db.write((tx) =>
    tx.run("UPDATE sessions SET revoked_at = ? WHERE kind = ? AND subject_id = ? AND revoked_at IS NULL", [now, kind, subjectId]),
  );
  return r.changes;
}
