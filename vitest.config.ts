import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-report.json" },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: ["test/lab/**"], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        // The lab files build network namespaces with dnsmasq, snmpd, Python web/TLS servers and the
        // real agent: two labs on a 2-core machine made the lab's own servers miss their timeouts, so
        // the lab files run one at a time, after the unit group.
        extends: true,
        test: { name: "lab", include: ["test/lab/**/*.test.ts"], maxWorkers: 1, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
