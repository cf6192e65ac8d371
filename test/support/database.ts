import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import {
  createLogger,
  createPool,
  type Migration,
  migrate,
  type Pool,
} from "../../services/kit/index.js";

/** A fresh database on the run's PostgreSQL server. */
export interface TestDatabase {
  readonly url: string;
  /** Drops the database, closing whatever still connects to it. */
  drop(): Promise<void>;
}

/** Creates an empty database named after `label`, unique to this call. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const adminUrl = inject("postgresAdminUrl");
  const name = `test_${label}_${randomBytes(4).toString("hex")}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A fresh database with `migrations` applied, and a pool on it; `close` drops it. */
export async function migratedPool(
  label: string,
  migrations: readonly Migration[],
): Promise<{ pool: Pool; close(): Promise<void> }> {
  const database = await createTestDatabase(label);
  const pool = createPool({ url: database.url, max: 10, applicationName: `test-${label}` });
  await migrate(pool, migrations, createLogger("test", "silent"));
  return {
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
