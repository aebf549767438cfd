// Every API route declares who may call it. The table is data, so a test can walk every route with
// every role and assert allow/deny (test/collector/roles.test.ts).
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { Role } from "../../shared/api.js";
import type { Principal } from "../auth/principal.js";
import type { AppDeps } from "../app.js";

export type Access = "public" | readonly Role[];

/** Bindings are optional: in-process tests (app.request) have no Node request behind them. */
export type Env = { Variables: { principal: Principal | undefined }; Bindings: Partial<HttpBindings> };

export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  path: string;
  access: Access;
  /** One line for the API section of the README. */
  summary: string;
  handler: (c: Context<Env>, deps: AppDeps) => Response | Promise<Response>;
}

/** Engineers and admins act on tickets; technicians only read. */
export const READERS: readonly Role[] = ["admin", "engineer", "technician"];
export const ACTORS: readonly Role[] = ["admin", "engineer"];
export const ADMINS: readonly Role[] = ["admin"];
/**
 * A ticket system's token (role integration, docs/webhooks.md "Inbound") is added only where it may:
 * opening tickets and requesting runs (with the actors), reading its tickets and their hand-overs
 * (with the readers). Which tickets and agents: collector/routes/integration-scope.ts.
 */
export const ACTORS_AND_INTEGRATION: readonly Role[] = [...ACTORS, "integration"];
export const READERS_AND_INTEGRATION: readonly Role[] = [...READERS, "integration"];

export function principalOf(c: Context<Env>): Principal {
  const p = c.get("principal");
  if (!p) throw new Error("route declared public but handler needs a principal");
  return p;
}
