// Tests run against the real Redis + PostgreSQL that `npm test` (devstack/test.ts) starts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Suites share one database; each works on its own rows (fresh users, spaces) so they may run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
    outputFile: { junit: "test-output/junit.xml" },
    reporters: ["default"],
  },
});
