import { defineConfig } from "vitest/config";
import { SlowFilesFirst } from "./test/support/slow-files-first.js";

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
    // Two files at a time on the 2-core CI machine (vitest's default there is one): most files
    // wait on child processes, PostgreSQL and sockets more than they compute. Files share
    // nothing fixed: they take free ports and databases of their own; the benchmark's smoke run
    // keeps to its own block of ports (bench/ports.ts), the simulation to 127.0.1-3.
    maxWorkers: 2,
    sequence: { sequencer: SlowFilesFirst },
    env: {
      OTEL_METRICS_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_TRACES_EXPORTER: "none",
    },
  },
});
