import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "services/**/*.test.ts",
      "deploy/**/*.test.ts",
      "test/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    // One embedded PostgreSQL server for the whole run; each test file creates its own databases.
    globalSetup: ["test/support/global-setup.ts"],
    // Services are child processes and PostgreSQL is shared: generous, not tight, bounds.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    env: {
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_TRACES_EXPORTER: "none",
    },
  },
});
