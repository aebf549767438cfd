// Web console users over the API (admins only): create with a role and password, list, disable, set a
// new password. The same actions as the admin pages (collector/auth/accounts.ts).
import { Id } from "../../shared/protocol.js";
import { z } from "zod";
import { CreateUserBody, SetPasswordBody, UserView } from "../../shared/users.js";
import { createUserAccount, disableUserAccount, setUserPassword, userView, type AccountResult } from "../auth/accounts.js";
import { actorOf } from "../auth/principal.js";
import { conflict, notFound } from "../http-error.js";
import { readBody } from "./body.js";
import { ADMINS, failure, principalOf, type RouteSpec } from "./route-spec.js";

function unwrap<T>(r: AccountResult<T>): T {
  if (r.ok) return r.value;
  throw r.code === "NOT_FOUND" ? notFound("user") : conflict(r.code, r.message);
}

const NO_USER = failure("NOT_FOUND: no such user");

export const userRoutes: RouteSpec[] = [
  {
    method: "POST",
    path: "/api/users",
    access: ADMINS,
    summary: "create a web console user with a role and a password (stored as an scrypt hash)",
    body: CreateUserBody,
    response: { 201: UserView, 409: failure("USERNAME_TAKEN: a user with this name exists") },
    async handler(c, d) {
      const body = await readBody(c, CreateUserBody);
      return c.json(unwrap(await createUserAccount(d.store, body, actorOf(principalOf(c)), d.now())), 201);
    },
  },
  {
    method: "GET",
    path: "/api/users",
    access: ADMINS,
    summary: "list web console users (never their password hashes)",
    response: { 200: z.array(UserView) },
    async handler(c, d) {
      return c.json((await d.store.listUsers()).map(userView));
    },
  },
  {
    method: "POST",
    path: "/api/users/:id/disable",
    access: ADMINS,
    summary: "disable a user for good; their sessions end at once",
    response: { 200: UserView, 404: NO_USER },
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      if (!id.success) throw notFound("user");
      return c.json(unwrap(await disableUserAccount(d.store, id.data, actorOf(principalOf(c)), d.now())));
    },
  },
  {
    method: "POST",
    path: "/api/users/:id/password",
    access: ADMINS,
    summary: "set a user's password; their sessions end at once",
    body: SetPasswordBody,
    response: { 200: UserView, 404: NO_USER },
    async handler(c, d) {
      const id = Id.safeParse(c.req.param("id"));
      if (!id.success) throw notFound("user");
      const body = await readBody(c, SetPasswordBody);
      return c.json(unwrap(await setUserPassword(d.store, id.data, body.password, actorOf(principalOf(c)), d.now())));
    },
  },
];
