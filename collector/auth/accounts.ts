// The account actions both the API (collector/routes/users.ts, admin.ts) and the admin pages run:
// one code path each, audited, and every change that must end sessions ends them at once.
import type { CreateTokenBody, Role } from "../../shared/api.js";
import { hashSecret, randomId, randomSecret } from "../../shared/secrets.js";
import type { CreateUserBody, UserView } from "../../shared/users.js";
import type { z } from "zod";
import { hashPassword } from "../web/auth/password.js";
import type { Store, UserRecord } from "../store/types.js";
import { TOKEN_PREFIX } from "./principal.js";

export const userView = (u: UserRecord): UserView => ({
  id: u.id,
  username: u.username,
  role: u.role,
  createdAt: u.createdAt,
  ...(u.disabledAt !== undefined ? { disabledAt: u.disabledAt } : {}),
});

export type AccountResult<T> = { ok: true; value: T } | { ok: false; code: "NOT_FOUND" | "USERNAME_TAKEN"; message: string };

export async function createUserAccount(store: Store, body: CreateUserBody, actor: string, now: number): Promise<AccountResult<UserView>> {
  if (await store.findUserByName(body.username)) return { ok: false, code: "USERNAME_TAKEN", message: `username '${body.username}' is taken` };
  const u: UserRecord = { id: randomId("usr_"), username: body.username, role: body.role, passwordHash: await hashPassword(body.password), createdAt: now };
  try {
    await store.createUser(u);
  } catch (e) {
    // Two admins creating the same name at once: the UNIQUE constraint decides.
    if (/UNIQUE/.test(String(e))) return { ok: false, code: "USERNAME_TAKEN", message: `username '${body.username}' is taken` };
    throw e;
  }
  await store.appendAudit({ at: now, actor, action: "user.create", outcome: "ok", detail: { id: u.id, username: u.username, role: u.role } });
  return { ok: true, value: userView(u) };
}

/** Disabling is final and signs the user out everywhere at once. */
export async function disableUserAccount(store: Store, id: string, actor: string, now: number): Promise<AccountResult<UserView>> {
  if (!(await store.updateUser(id, { disabledAt: now }))) return { ok: false, code: "NOT_FOUND", message: "user not found" };
  const ended = await store.revokeSessionsOf("user", id, now);
  await store.appendAudit({ at: now, actor, action: "user.disable", outcome: "ok", detail: { id, sessionsEnded: ended } });
  return { ok: true, value: userView((await store.getUser(id))!) };
}

/** A new password ends the user's sessions (whoever knew the old one is signed out). */
export async function setUserPassword(store: Store, id: string, password: string, actor: string, now: number): Promise<AccountResult<UserView>> {
  const hash = await hashPassword(password);
  if (!(await store.updateUser(id, { passwordHash: hash }))) return { ok: false, code: "NOT_FOUND", message: "user not found" };
  const ended = await store.revokeSessionsOf("user", id, now);
  await store.appendAudit({ at: now, actor, action: "user.password", outcome: "ok", detail: { id, sessionsEnded: ended } });
  return { ok: true, value: userView((await store.getUser(id))!) };
}

export interface IssuedToken {
  id: string;
  /** The token itself: shown once, only its hash is stored. */
  token: string;
  role: Role;
  expiresAt?: number;
}

export async function issueToken(store: Store, body: z.infer<typeof CreateTokenBody>, actor: string, now: number): Promise<IssuedToken> {
  const token = randomSecret(TOKEN_PREFIX);
  const id = randomId("tok_");
  const expiresAt = body.ttlS !== undefined ? now + body.ttlS * 1000 : undefined;
  await store.createToken({ id, name: body.name, role: body.role, hash: hashSecret(token), createdAt: now, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  await store.appendAudit({ at: now, actor, action: "token.create", outcome: "ok", detail: { id, name: body.name, role: body.role } });
  return { id, token, role: body.role, ...(expiresAt !== undefined ? { expiresAt } : {}) };
}

/** Revokes the token and ends every web console session signed in with it. false: no such token. */
export async function revokeTokenAndSessions(store: Store, id: string, actor: string, now: number): Promise<boolean> {
  if (!(await store.revokeToken(id, now))) return false;
  const ended = await store.revokeSessionsOf("token", id, now);
  await store.appendAudit({ at: now, actor, action: "token.revoke", outcome: "ok", detail: { id, sessionsEnded: ended } });
  return true;
}
