// Web console accounts in the SQLite store: users (scrypt password hashes) and sessions (stored as the
// SHA-256 of the cookie value). SqliteStore delegates to these.
import type { Role } from "../../shared/api.js";
import type { SqliteDb } from "./sqlite-db.js";
import type { SessionRecord, TokenRecord, UserRecord } from "./types.js";

const todo = (what: string): never => {
  throw new Error(`${what}: not implemented yet`);
};

export const createUser = async (_db: SqliteDb, _u: UserRecord): Promise<void> => todo("createUser");
export const getUser = async (_db: SqliteDb, _id: string): Promise<UserRecord | undefined> => todo("getUser");
export const findUserByName = async (_db: SqliteDb, _username: string): Promise<UserRecord | undefined> => todo("findUserByName");
export const listUsers = async (_db: SqliteDb): Promise<UserRecord[]> => todo("listUsers");
export const updateUser = async (_db: SqliteDb, _id: string, _patch: { passwordHash?: string; role?: Role; disabledAt?: number }): Promise<boolean> => todo("updateUser");
export const getTokenById = async (_db: SqliteDb, _id: string): Promise<TokenRecord | undefined> => todo("getTokenById");
export const createSession = async (_db: SqliteDb, _s: SessionRecord): Promise<void> => todo("createSession");
export const findSession = async (_db: SqliteDb, _idHash: string): Promise<SessionRecord | undefined> => todo("findSession");
export const touchSession = async (_db: SqliteDb, _idHash: string, _now: number): Promise<void> => todo("touchSession");
export const revokeSession = async (_db: SqliteDb, _idHash: string, _now: number): Promise<boolean> => todo("revokeSession");
export const revokeSessionsOf = async (_db: SqliteDb, _kind: SessionRecord["kind"], _subjectId: string, _now: number): Promise<number> => todo("revokeSessionsOf");
