// Child process for the durability test: opens the BUILT store, appends step events with 20 callers in
// flight, and prints each seq only after appendRunEvent resolved (i.e. after its COMMIT). The parent
// SIGKILLs it mid-stream. Args: DB_PATH_OR_POSTGRES_URL SYNCHRONOUS(SQLite; "-" for PostgreSQL) AGENT_ID RUN_ID
import { openPgStore, openSqliteStore } from "../../../dist/collector/store/sql-store.js";

const [where, synchronous, agentId, runId] = process.argv.slice(2);
const store = where.startsWith("postgres://") ? await openPgStore(where) : await openSqliteStore(where, { synchronous });
const IN_FLIGHT = 20;
const MAX_SEQ = 100_000; // the protocol's seq bound; the parent kills us long before
let next = 1;

async function caller() {
  for (let seq = next++; seq <= MAX_SEQ; seq = next++) {
    const result = { check: "ping", status: "ok", startedAt: Date.now(), durationMs: 1, findings: [], data: { seq } };
    const r = await store.appendRunEvent(agentId, { type: "step", runId, seq, at: Date.now(), result }, Date.now());
    if (r.outcome !== "stored") throw new Error(`seq ${seq}: ${JSON.stringify(r)}`);
    // stdout to a pipe is synchronous on Linux: once this returns the parent will get the line.
    process.stdout.write(`${seq}\n`);
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, caller));
await store.close();
