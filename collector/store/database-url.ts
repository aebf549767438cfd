// The `database` setting (collector/config.ts): which store the collector opens. A postgres:// or
// postgresql:// URL selects PostgreSQL (several collectors may share it); absent means the embedded
// SQLite file under dataDir. The URL usually carries a password: it is shown only masked (start
// banner, logs), and a bad value is refused without echoing it.
import { z } from "zod";

/** true for the URLs that select PostgreSQL. */
export const isPostgresUrl = (s: string): boolean => /^postgres(ql)?:\/\//i.test(s);

export const DatabaseUrl = z.string().check((ctx) => {
  if (!isPostgresUrl(ctx.value)) {
    ctx.issues.push({ code: "custom", input: "(hidden)", message: "database must be a postgres:// or postgresql:// URL (leave it out for the SQLite file under dataDir)" });
    return;
  }
  let u: URL;
  try {
    u = new URL(ctx.value);
  } catch {
    ctx.issues.push({ code: "custom", input: "(hidden)", message: "database is not a valid URL (percent-encode special characters in the password)" });
    return;
  }
  if (!u.hostname && !u.searchParams.get("host")) ctx.issues.push({ code: "custom", input: "(hidden)", message: "database URL names no host" });
});

/** The URL with its password replaced by "***" (for the banner and logs); never throws. */
export function maskDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    for (const k of [...u.searchParams.keys()]) if (/pass/i.test(k)) u.searchParams.set(k, "***");
    return u.toString();
  } catch {
    return "(unparsable database URL)";
  }
}
