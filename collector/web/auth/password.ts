// Password hashing for web console users: scrypt from node:crypto with a 16-byte random salt, stored as
// "scrypt$N$r$p$saltB64$hashB64" so the cost can be raised later without breaking old hashes.
// N=2^15, r=8 (32 MiB, ~50-100 ms here): OWASP's minimum for scrypt is N=2^17 with r=8 p=1 or an
// equivalent; 2^15 keeps a sign-in burst on a small 2-core collector from starving agents, and the
// failure limiter (collector/auth/failure-limiter.ts) bounds online guessing anyway.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLen: 32, saltLen: 16 } as const;
/** 128 * N * r bytes are needed; scrypt's default maxmem (32 MiB) is exactly that, so give headroom. */
const MAX_MEM = 64 * 1024 * 1024;
/** Longer passwords are refused where they are set (a multi-megabyte "password" costs nothing to send). */
export const MAX_PASSWORD_LENGTH = 200;
export const MIN_PASSWORD_LENGTH = 10;

function scrypt(password: string, salt: Buffer, keyLen: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize("NFC"), salt, keyLen, o, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLen);
  const key = await scrypt(password, salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: MAX_MEM });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** A hash of nothing anybody knows: verifying an unknown username costs one scrypt too. */
let dummyHash: Promise<string> | undefined;

/**
 * true when `password` matches `stored`. `stored` undefined (no such user) still runs one scrypt, so
 * the answer time does not tell which usernames exist. A malformed stored hash never matches.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  const target = stored ?? (await dummyHash);
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(target);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4]!, "base64");
  const want = Buffer.from(m[5]!, "base64");
  if (password.length > MAX_PASSWORD_LENGTH || want.length === 0) {
    await scrypt("", salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: MAX_MEM });
    return false;
  }
  const got = await scrypt(password, salt, want.length, { N, r, p, maxmem: MAX_MEM });
  return timingSafeEqual(got, want) && stored !== undefined;
}
