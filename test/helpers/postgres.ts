// A real PostgreSQL for the tests (the server itself: bench/pg-server.ts). test/global-setup.ts starts
// ONE server per test run and provides its address; each test takes a fresh database on it
// (createTestDatabase), so tests never see each other's rows. Without the server's programs the
// PostgreSQL tests skip with PG_SKIP as their reason.
import pg from "pg";

export { findPgBin, PG_SKIP, startPgServer, type PgServer } from "../../bench/pg-server.js";

let counter = 0;

/**
 * A new, empty database on the run's server (`serverUrl`, from inject("pgUrl") in a test), and its
 * URL. Names are unique per process and run, so parallel test files never share one.
 */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
