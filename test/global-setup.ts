// Builds dist/ once before the tests, so tests that spawn the real binaries (agent, collector, CLI)
// run the current code even when vitest is started directly rather than through `npm test`. Also the
// one-file agent (dist/bundle/netdiag-agent.js, well under a second with esbuild), which the bundle
// tests run and the collector serves for download.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "pipe" });
  } catch (e) {
    // tsc still emits on type errors; `npm test` type-checks separately and fails there.
    const out = String((e as { stdout?: Buffer }).stdout ?? "");
    if (!/error TS/.test(out)) throw e;
  }
  execFileSync(process.execPath, ["scripts/build-agent.mjs"], { stdio: "pipe" });
}
