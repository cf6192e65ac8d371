import pg from "pg";

/** A pool of connections to one service's database. */
export type Pool = pg.Pool;
/** One connection, checked out of the pool (e.g. inside a transaction). */
export type PoolClient = pg.PoolClient;
/** What both a pool and a transaction's client can do: run a query. */
export type Queryable = Pick<pg.Pool, "query">;

// int8 (bigint) would come back as a string; money amounts and counts need exact integers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => BigInt(value));

/** Options of {@link createPool}. */
export interface PoolOptions {
  readonly url: string;
  readonly max: number;
  /** Reported to PostgreSQL, visible in pg_stat_activity. */
  readonly applicationName: string;
}

/** A connection pool that fails fast when the database can't be reached. */
export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection dropped by the server emits here; without a listener the process would die.
  pool.on("error", () => {});
  return pool;
}

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
