import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Lab tests build network namespaces and run dnsmasq, snmpd, Python web/TLS servers and the real
    // agent; with more labs at once than cores, their own timing (a TLS handshake through the lab's
    // proxy) starts to fail on a 2-core machine. Two files at a time.
    maxWorkers: 2,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
  },
});
