// The one-file agent for customers to download, and its checksum. Public: a customer has no token, and
// the file holds no secret (the enrollment code is the credential). The checksum the customer verifies
// against comes with the enrollment code from the engineer, not from this download (shared/onboarding.ts).
import type { Context } from "hono";
import { AGENT_BUNDLE_NAME, agentBundle, type AgentBundle, type AgentBundleSource } from "../agent-bundle.js";
import type { AppDeps } from "../app.js";
import { HttpError } from "../http-error.js";
import { failure, type Env, type RouteSpec } from "./route-spec.js";

export const AGENT_DOWNLOAD_PATH = `/download/${AGENT_BUNDLE_NAME}`;

/** The routes over a given bundle source (tests pass one over a file of their own). */
export function downloadRoutesFor(source: AgentBundleSource): RouteSpec[] {
  const load = async (c: Context<Env>, d: AppDeps): Promise<AgentBundle> => {
    const r = await source.get();
    if (r.ok) return r.bundle;
    d.log.warn("agent bundle not available for download", { path: c.req.path, reason: r.reason, detail: r.detail });
    // The server's file system layout stays in the log; the caller learns what the operator must do.
    throw new HttpError(404, "AGENT_BUNDLE_MISSING", r.reason === "MISSING"
      ? `this collector has no agent bundle to serve: its operator builds it with 'npm run build:agent' (it is then found at dist/bundle/${AGENT_BUNDLE_NAME})`
      : `this collector cannot read its agent bundle (dist/bundle/${AGENT_BUNDLE_NAME}); its operator should check the file's permissions`);
  };
  return [
    {
      method: "GET",
      path: AGENT_DOWNLOAD_PATH,
      access: "public",
      summary: "the one-file agent (run with `node netdiag-agent.js`); `npm run build:agent` makes it",
      response: {
        200: { description: "the agent as one JavaScript file (an attachment; its SHA-256 is the ETag)", file: { contentType: "application/javascript", description: "netdiag-agent.js" } },
        404: failure("AGENT_BUNDLE_MISSING: the collector has no agent bundle to serve"),
      },
      async handler(c, d) {
        const b = await load(c, d);
        return c.body(new Uint8Array(b.bytes), 200, {
          "content-type": "application/javascript; charset=utf-8",
          "content-disposition": `attachment; filename="${AGENT_BUNDLE_NAME}"`,
          "x-content-type-options": "nosniff",
          // A rebuild changes the file behind the same URL: revalidate, and the ETag says which build.
          "cache-control": "no-cache",
          etag: `"${b.sha256}"`,
        });
      },
    },
    {
      method: "GET",
      path: `${AGENT_DOWNLOAD_PATH}.sha256`,
      access: "public",
      summary: "the agent file's SHA-256 as `sha256sum` prints it (`HEX  netdiag-agent.js`), for `sha256sum -c`",
      response: {
        200: { description: "the checksum line", text: "`<64 hex digits>  netdiag-agent.js` and a newline" },
        404: failure("AGENT_BUNDLE_MISSING: the collector has no agent bundle to serve"),
      },
      async handler(c, d) {
        const b = await load(c, d);
        return c.body(`${b.sha256}  ${AGENT_BUNDLE_NAME}\n`, 200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
      },
    },
  ];
}

export const downloadRoutes: RouteSpec[] = downloadRoutesFor(agentBundle);
