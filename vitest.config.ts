import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Lab tests build network namespaces and run dnsmasq/snmpd; two cores here, so keep it modest.
    maxWorkers: 4,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
