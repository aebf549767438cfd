// The configured receivers made ready to send to: each secret and CA file read once at start, with
// clear errors (a collector with a broken webhook config does not start). docs/webhooks.md.
import { readFile, stat } from "node:fs/promises";
import type { Logger } from "../../shared/log.js";
import type { WebhookEventType } from "../../shared/webhooks.js";
import type { WebhookTarget, WebhooksConfig } from "./config.js";

export interface ResolvedTarget {
  name: string;
  url: URL;
  /** undefined = every event type. */
  events: ReadonlySet<WebhookEventType> | undefined;
  tickets: WebhookTarget["tickets"];
  /** The shared HMAC secret (never logged: the logger redacts fields named like secrets). */
  secret: Buffer;
  caPem?: string;
}

/** Shorter secrets are guessable offline from one captured delivery; 32 characters of random text is plenty. */
export const MIN_SECRET_CHARS = 32;

export class WebhookConfigError extends Error {
  override name = "WebhookConfigError";
}

async function readSecret(t: WebhookTarget, log: Logger): Promise<Buffer> {
  let text: string;
  try {
    text = await readFile(t.secretFile, "utf8");
    const mode = (await stat(t.secretFile)).mode;
    if ((mode & 0o077) !== 0) log.warn("webhook secret file is readable by other users; chmod 600 it", { target: t.name, file: t.secretFile, mode: (mode & 0o777).toString(8) });
  } catch (e) {
    throw new WebhookConfigError(`webhook target ${t.name}: cannot read secretFile ${t.secretFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // A trailing newline from `echo ... > file` is not part of the secret.
  const secret = text.replace(/\r?\n$/, "");
  if (secret.length < MIN_SECRET_CHARS) throw new WebhookConfigError(`webhook target ${t.name}: the secret in ${t.secretFile} is shorter than ${MIN_SECRET_CHARS} characters`);
  return Buffer.from(secret, "utf8");
}

export async function resolveTargets(cfg: WebhooksConfig, log: Logger): Promise<ResolvedTarget[]> {
  const out: ResolvedTarget[] = [];
  for (const t of cfg.targets) {
    const secret = await readSecret(t, log);
    let caPem: string | undefined;
    if (t.caFile !== undefined) {
      try {
        caPem = await readFile(t.caFile, "utf8");
      } catch (e) {
        throw new WebhookConfigError(`webhook target ${t.name}: cannot read caFile ${t.caFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    const url = new URL(t.url);
    if (url.protocol === "http:" && t.insecure) log.warn("webhook target uses plain http: ticket data crosses the network unencrypted", { target: t.name, url: url.origin });
    out.push({ name: t.name, url, events: t.events.length ? new Set(t.events) : undefined, tickets: t.tickets, secret, ...(caPem !== undefined ? { caPem } : {}) });
  }
  return out;
}

/** Whether the target gets this event of this ticket. */
export function subscribes(t: ResolvedTarget, type: WebhookEventType, externalId: string | undefined): boolean {
  if (t.events && !t.events.has(type)) return false;
  return t.tickets === "all" || externalId !== undefined;
}
