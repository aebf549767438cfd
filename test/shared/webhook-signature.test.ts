// The receiver's check (shared/webhook-signature.ts, docs/webhooks.md "Verifying a delivery"): a known
// answer computed with `openssl dgst -sha256 -hmac`, a tampered body, another secret, a replayed old
// timestamp and one from the future, malformed headers.
import { describe, expect, test } from "vitest";
import { signWebhook, verifyWebhook } from "../../shared/webhook-signature.js";

const SECRET = "whsec-example-0123456789abcdef0123456789";
const BODY = '{"id":"evt_abc123","type":"ticket.closed"}';
const TS = 1_700_000_000;
// printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac "$SECRET"  (the shell check in docs/webhooks.md)
const OPENSSL = "sha256=70f0e8b9b2c9ec2130157cd49f9747f82ed05b0e727cc8cf768d3ed3d0ae0300";

const check = (o: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
  verifyWebhook({ secret: SECRET, body: BODY, timestamp: String(TS), signature: OPENSSL, nowS: TS + 10, ...o });

describe("webhook signatures", () => {
  test("sha256= HMAC-SHA256 over `${timestamp}.${body}`: the same as openssl computes", () => {
    expect(signWebhook(SECRET, TS, BODY)).toBe(OPENSSL);
    expect(signWebhook(Buffer.from(SECRET), TS, Buffer.from(BODY))).toBe(OPENSSL);
    expect(check()).toEqual({ ok: true, timestampS: TS });
  });

  test("a tampered body, another timestamp or another secret is refused", () => {
    expect(check({ body: BODY.replace("closed", "resolved") })).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
    expect(check({ body: `${BODY} ` })).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
    // The timestamp is inside the MAC: a captured signature does not fit a fresh timestamp.
    expect(check({ timestamp: String(TS + 1) })).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
    expect(check({ secret: `${SECRET}x` })).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
    expect(check({ signature: OPENSSL.slice(0, -1) })).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
    expect(check({ signature: OPENSSL.replace("sha256=", "sha1=") })).toMatchObject({ ok: false, code: "BAD_SIGNATURE" });
  });

  test("replay: a timestamp older (or newer) than the tolerance is refused even with a valid signature", () => {
    expect(check({ nowS: TS + 300 }).ok).toBe(true);
    expect(check({ nowS: TS + 301 })).toMatchObject({ ok: false, code: "STALE_TIMESTAMP" });
    expect(check({ nowS: TS - 301 })).toMatchObject({ ok: false, code: "STALE_TIMESTAMP" });
    expect(check({ nowS: TS + 3600, toleranceS: 3600 }).ok).toBe(true);
  });

  test("missing or malformed headers", () => {
    expect(check({ timestamp: undefined })).toMatchObject({ ok: false, code: "MISSING_HEADER" });
    expect(check({ signature: undefined })).toMatchObject({ ok: false, code: "MISSING_HEADER" });
    for (const ts of ["", "17e8", "-1", "1700000000.5", " 1700000000"]) expect(check({ timestamp: ts }), ts).toMatchObject({ ok: false, code: "BAD_TIMESTAMP" });
  });
});
