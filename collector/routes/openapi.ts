// The API describing itself: GET /openapi.json (OpenAPI 3.1, generated from the route table and its zod
// schemas by collector/openapi/) and GET /api-docs (the same document as a page for people). Public,
// like most API documentation: it holds the routes, their roles and their schemas, never data or secrets.
import { z } from "zod";
import { buildOpenApiDocument, type OpenApiDocument } from "../openapi/document.js";
import { referencePage } from "../openapi/reference-page.js";
import { CONTENT_SECURITY_POLICY } from "../web/web-app.js";
import type { RouteSpec } from "./route-spec.js";

/** Built once per public URL: the route table does not change while the collector runs. */
const built = new Map<string, OpenApiDocument>();

async function documentFor(publicUrl: string | undefined): Promise<OpenApiDocument> {
  const key = publicUrl ?? "";
  const have = built.get(key);
  if (have) return have;
  // app.ts imports this file to build apiRoutes: importing it back when a request comes (not at load)
  // keeps the import order free of cycles.
  const { apiRoutes } = await import("../app.js");
  const doc = buildOpenApiDocument(apiRoutes, publicUrl ? { serverUrl: publicUrl } : {});
  built.set(key, doc);
  return doc;
}

export const openapiRoutes: RouteSpec[] = [
  {
    method: "GET",
    path: "/openapi.json",
    access: "public",
    summary: "this API as an OpenAPI 3.1 document (every route, its roles, parameters, bodies and responses)",
    response: { 200: { description: "the OpenAPI 3.1 document", json: z.record(z.string(), z.unknown()) } },
    async handler(c, d) {
      return c.json(await documentFor(d.publicUrl));
    },
  },
  {
    method: "GET",
    path: "/api-docs",
    access: "public",
    summary: "the API reference page: the OpenAPI document rendered for people",
    response: { 200: { description: "the reference page", html: "every operation with its access, parameters, request body and responses; the named schemas" } },
    async handler(c, d) {
      // The web console's headers: the same strict CSP (the page uses only /static/console.css).
      c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      c.header("X-Content-Type-Options", "nosniff");
      c.header("X-Frame-Options", "DENY");
      c.header("Referrer-Policy", "no-referrer");
      return c.html(await referencePage(await documentFor(d.publicUrl)));
    },
  },
];
