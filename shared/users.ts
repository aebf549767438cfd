// Web console users (API bodies and responses): an admin creates them with a role and a password,
// disables them, sets a new password. Passwords are stored only as scrypt hashes on the collector.
import { z } from "zod";
import { ConsoleRole, Role } from "./api.js";
import { Id } from "./protocol.js";

/** 10..200 characters: long enough that the failure limiter makes online guessing hopeless, short enough to hash cheaply. */
export const Password = z.string().min(10, "password must be at least 10 characters").max(200);

/** Lower-case letters, digits, . _ - (2-64): shown in the audit's actor, so nothing that needs escaping. */
export const Username = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, "username: 2-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");

/** A user is a person: one of the console roles (an integration has an API token, never a user). */
export const CreateUserBody = z.strictObject({ username: Username, role: ConsoleRole, password: Password });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const SetPasswordBody = z.strictObject({ password: Password });
export type SetPasswordBody = z.infer<typeof SetPasswordBody>;

export const UserView = z.object({
  id: Id,
  username: z.string(),
  role: Role,
  createdAt: z.number().int(),
  /** Set once the user is disabled (final: a disabled user never signs in again). */
  disabledAt: z.number().int().optional(),
});
export type UserView = z.infer<typeof UserView>;
