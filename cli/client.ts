// The engineer CLI's connection to the collector: the global flags (URL, token, CA, --insecure), the
// plain-http rule, and one API call helper that names the id a "not found" answer is about.
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { HttpClientError, httpJson, type HttpJsonOptions } from "../shared/http-client.js";
import { Id } from "../shared/protocol.js";
import { term } from "../shared/terminal-text.js";
import { isLoopbackHost } from "../shared/transport.js";
import { checkBody, UsageError } from "./usage.js";

/** The flags every command takes (parseArgs options): where the collector is, how to trust it, --json. */
export const GLOBAL_OPTS = {
  url: { type: "string" },
  token: { type: "string" },
  ca: { type: "string" },
  insecure: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
} as const;

export interface Global {
  url: string;
  token: string;
  /** PEM of the collector's certificate/CA when it is not in the system trust store. */
  caPem?: string;
}

export function globals(v: { url?: string | undefined; token?: string | undefined; ca?: string | undefined; insecure?: boolean | undefined }): Global {
  const url = v.url ?? process.env.NETDIAG_URL;
  const token = v.token ?? process.env.NETDIAG_TOKEN;
  const ca = v.ca ?? process.env.NETDIAG_CA;
  if (!url) throw new UsageError("no collector URL: pass --url or set NETDIAG_URL");
  if (!token) throw new UsageError("no API token: pass --token or set NETDIAG_TOKEN");
  checkTransport(url, v.insecure === true);
  return { url: url.replace(/\/$/, ""), token, ...(ca ? { caPem: readFileSync(ca, "utf8") } : {}) };
}

/**
 * Every request carries the bearer token: over plain http it is readable by anyone on the path. So
 * http:// only to this machine, unless --insecure says so deliberately (and then a warning each time).
 */
function checkTransport(raw: string, insecure: boolean): void {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`collector URL '${raw}' (--url / NETDIAG_URL) is not a URL: use e.g. https://support.example-isp.cn`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new UsageError(`collector URL '${raw}' (--url / NETDIAG_URL) must start with https:// (or http:// on this machine)`);
  if (u.protocol === "https:" || isLoopbackHost(u.hostname)) return;
  if (!insecure) {
    throw new UsageError(`refusing to send the API token in clear over http:// to ${u.hostname}: use https:// (with --ca FILE for a private CA), or --insecure deliberately`);
  }
  process.stderr.write(term`netdiag: WARNING: --insecure: the API token and customer data go in clear over http:// to ${u.hostname}`.text + "\n");
}

/** Which ids a call names, so a "ticket not found" answer can say which ticket. */
export type Named = Partial<Record<"ticket" | "agent" | "run" | "token", string>>;

/** Calls the collector API with the engineer's token (and pinned CA). */
export async function api<S extends z.ZodType>(g: Global, path: string, schema: S, o: HttpJsonOptions = {}, named: Named = {}): Promise<z.infer<S>> {
  try {
    return await httpJson(`${g.url}${path}`, schema, { token: g.token, ...(g.caPem ? { caPem: g.caPem } : {}), ...o });
  } catch (e) {
    // The collector says "ticket not found"; the engineer wants to see the id they typed.
    const what = e instanceof HttpClientError && e.status === 404 ? /^(ticket|agent|run|token) not found$/.exec(e.message)?.[1] : undefined;
    const id = what ? named[what as keyof Named] : undefined;
    if (e instanceof HttpClientError && id !== undefined) throw new HttpClientError(e.status, e.code, `${what} ${id} not found`);
    throw e;
  }
}

/** An id given on the command line (--ticket, --agent, a positional RUN_ID...), checked before use. */
export function idArg(flag: string, raw: string): string {
  return checkBody(Id, raw, { "": { flag } });
}
