// Builds dist/ once before the tests, so tests that spawn the real binaries (agent, collector, CLI)
// run the current code even when vitest is started directly rather than through `npm test`. Also the
// one-file agent (dist/bundle/netdiag-agent.js, well under a second with esbuild), which the bundle
// tests run and the collector serves for download. And one PostgreSQL server for the whole run
// (test/helpers/postgres.ts), when this machine has one: tests take a fresh database on it.
import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { PG_SKIP, startPgServer, type PgServer } from "./helpers/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's PostgreSQL server ("" when PG_SKIP says why there is none). */
    pgUrl: string;
  }
}

let pgServer: PgServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "pipe" });
  } catch (e) {
    // tsc still emits on type errors; `npm test` type-checks separately and fails there.
    const out = String((e as { stdout?: Buffer }).stdout ?? "");
    if (!/error TS/.test(out)) throw e;
  }
  execFileSync(process.execPath, ["scripts/build-agent.mjs"], { stdio: "pipe" });
  if (!PG_SKIP && process.env.NETDIAG_TEST_PG !== "off") pgServer = await startPgServer({ fsync: false });
  project.provide("pgUrl", pgServer?.url ?? "");
  return async () => {
    await pgServer?.stop();
    pgServer = undefined;
  };
}
