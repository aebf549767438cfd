// The PostgreSQL side of the store's maintenance (docs/operations.md): a real, cheap integrity check,
// and no backup of its own. A consistent copy of a server database that other collectors write to is
// the server's job (pg_dump, or a streaming standby with WAL archiving); the collector says so instead
// of producing a partial one. The retention prune is shared (maintenance-prune.ts).
import type { SqlDb } from "./sql.js";

export const PG_BACKUP_REFUSAL =
  "backup is for the embedded SQLite store; back up a PostgreSQL store with pg_dump (a consistent snapshot while collectors write) or a streaming standby with WAL archiving (docs/operations.md)";

/**
 * Reads through every table of the schema (a count each: the server reads their pages and checks them
 * as it goes) and the schema version. "ok" when all of it answered; otherwise what failed.
 */
export async function pgIntegrityCheck(db: SqlDb): Promise<string> {
  try {
    const tables = await db.all<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    );
    if (!tables.some((t) => t.name === "schema_migrations")) return "schema_migrations is missing";
    for (const t of tables) await db.get(`SELECT count(*) AS n FROM "${t.name.replaceAll('"', '""')}"`);
    return "ok";
  } catch (e) {
    return `PostgreSQL check failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}
