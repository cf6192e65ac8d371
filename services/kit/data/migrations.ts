import type { Logger } from "../telemetry/logger.js";
import { type Pool, withTransaction } from "./database.js";

/** One schema change. Versions only grow; an applied migration is never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// Any constant works, as long as every service uses the same one for its own database.
const migrationLockKey = 0x5e0_3e5;

/**
 * Applies the migrations not yet recorded in `schema_migrations`, all in one transaction (a
 * failed start leaves the schema as it was). An advisory lock makes replicas that start together
 * take turns instead of racing.
 */
export async function migrate(
  pool: Pool,
  migrations: readonly Migration[],
  logger: Logger,
): Promise<void> {
  assertOrdered(migrations);
  await withTransaction(pool, async (client) => {
    // A schema change may take long, and so may a replica's wait for another's migrations: the
    // pool's statement ceiling is for serving calls, not for this.
    await client.query("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0");
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>(
      "SELECT version FROM schema_migrations",
    );
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      logger.info({ version: migration.version, migration: migration.name }, "migration applied");
    }
  });
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (previous && migration.version <= previous.version) {
      throw new Error(`migration ${migration.name}: versions must increase`);
    }
  });
}
