// Every API route declares who may call it. The table is data, so a test can walk every route with
// every role and assert allow/deny (test/collector/roles.test.ts).
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import type { Role } from "../../shared/api.js";
import type { Principal } from "../auth/principal.js";
import type { AppDeps } from "../app.js";

/**
 * "metrics": the scrape token of the collector's `metricsTokenFile`, or an admin API token (a Prometheus
 * scraper should not hold a token that can do anything else; docs/running.md, "Metrics").
 */
export type Access = "public" | readonly Role[] | "metrics";

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

export function principalOf(c: Context<Env>): Principal {
  const p = c.get("principal");
  if (!p) throw new Error("route declared public but handler needs a principal");
  return p;
}
