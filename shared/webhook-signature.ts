// Signing and verifying webhook deliveries (docs/webhooks.md, "Verifying a delivery"). The collector
// signs every attempt; a receiver verifies with verifyWebhook (or the same few lines in its own
// language): HMAC-SHA256 with the target's shared secret over the bytes `${timestamp}.${body}`, sent as
// `X-Netdiag-Signature: sha256=<hex>`. The timestamp (Unix seconds, `X-Netdiag-Timestamp`) is inside
// the MAC, so a captured delivery cannot be replayed later with a fresh one; the receiver refuses a
// timestamp outside its tolerance and, within it, a delivery id it has already seen.
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_HEADERS = {
  event: "x-netdiag-event",
  delivery: "x-netdiag-delivery",
  timestamp: "x-netdiag-timestamp",
  signature: "x-netdiag-signature",
} as const;

/** Five minutes either way: enough for clock skew and a slow proxy, short enough to bound replays. */
export const DEFAULT_TOLERANCE_S = 300;

/** `sha256=` + hex HMAC-SHA256(secret, `${timestampS}.${body}`). */
export function signWebhook(secret: string | Buffer, timestampS: number, body: string | Buffer): string {
  const mac = createHmac("sha256", secret);
  mac.update(`${timestampS}.`, "utf8");
  mac.update(typeof body === "string" ? Buffer.from(body, "utf8") : body);
  return `sha256=${mac.digest("hex")}`;
}

export type WebhookVerifyCode = "MISSING_HEADER" | "BAD_TIMESTAMP" | "STALE_TIMESTAMP" | "BAD_SIGNATURE";
export type WebhookVerifyResult = { ok: true; timestampS: number } | { ok: false; code: WebhookVerifyCode; message: string };

export interface WebhookVerifyInput {
  secret: string | Buffer;
  /** The raw request body, exactly as received (before any JSON parsing). */
  body: string | Buffer;
  /** The X-Netdiag-Timestamp and X-Netdiag-Signature header values. */
  timestamp: string | undefined;
  signature: string | undefined;
  /** The receiver's clock, Unix seconds. */
  nowS: number;
  toleranceS?: number;
}

/**
 * A receiver's check, in this order: both headers present; the timestamp a whole number of seconds
 * within `toleranceS` of now (either way: clock skew); the signature equal, compared in constant time.
 * What it cannot do alone: refuse the same delivery twice within the tolerance. Keep the
 * X-Netdiag-Delivery ids seen for that long and refuse a repeat (docs/webhooks.md).
 */
export function verifyWebhook(i: WebhookVerifyInput): WebhookVerifyResult {
  if (i.timestamp === undefined || i.signature === undefined) return { ok: false, code: "MISSING_HEADER", message: "X-Netdiag-Timestamp and X-Netdiag-Signature are required" };
  if (!/^\d{1,12}$/.test(i.timestamp)) return { ok: false, code: "BAD_TIMESTAMP", message: "X-Netdiag-Timestamp must be Unix seconds" };
  const ts = Number(i.timestamp);
  const tolerance = i.toleranceS ?? DEFAULT_TOLERANCE_S;
  if (Math.abs(i.nowS - ts) > tolerance) return { ok: false, code: "STALE_TIMESTAMP", message: `timestamp ${ts} is more than ${tolerance} s from now (${i.nowS})` };
  const want = Buffer.from(signWebhook(i.secret, ts, i.body), "utf8");
  const got = Buffer.from(i.signature.trim(), "utf8");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, code: "BAD_SIGNATURE", message: "signature does not match the body and timestamp" };
  return { ok: true, timestampS: ts };
}
