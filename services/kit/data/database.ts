import pg from "pg";
import { currentCall } from "../call-scope.js";
import { RpcError } from "../rpc-error.js";
import { bindToCall, cleanUp, timeoutsFor } from "./query-bounds.js";

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
  /**
   * Ceiling of every statement and lock wait (PostgreSQL's statement_timeout and lock_timeout),
   * also for work done outside any call (the reconciler). A call's nearer deadline bounds its
   * queries further. 0 = no ceiling.
   */
  readonly statementTimeoutMs?: number;
}

/**
 * A connection pool that fails fast when the database can't be reached, and bounds every query
 * by the call it is made for (see {@link runForCall}): a query is not started for a caller that
 * has gone, a running one is cancelled on the server when the caller cancels or its deadline
 * passes, and waiting for a connection ends then too.
 */
export function createPool(options: PoolOptions): Pool {
  const ceiling = options.statementTimeoutMs ?? 0;
  const pool = new BoundedPool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(ceiling > 0 ? { statement_timeout: ceiling, lock_timeout: ceiling } : {}),
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
  // Read before the checkout: the time spent waiting for a connection counts too.
  const call = currentCall();
  const client = await pool.connect();
  let broken: unknown;
  try {
    // One round trip: the transaction's lock waits and statements end by themselves at the
    // caller's deadline, even if a cancel cannot reach the server.
    await client.query(`BEGIN;${timeoutsFor(call, pool.options.statement_timeout || 0)}`);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await cleanUp(client, "ROLLBACK").catch((rollbackFailed: unknown) => {
      broken = rollbackFailed;
    });
    throw error;
  } finally {
    // A connection that could not even roll back is closed, not handed to the next caller.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/** pg's callback form of `Pool.connect` (pg-pool's own `query` checks out this way). */
type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: Error | boolean) => void,
) => void;

/** A pg Pool whose connections are bound to the call they serve (see {@link createPool}). */
class BoundedPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    if (callback) {
      super.connect(callback);
      return undefined;
    }
    return bindToCall(super.connect(), currentCall());
  }

  // pg's query overloads (text, config, callbacks, Submittable) all end in the client's query,
  // which the bound client wraps; here only the checkout and the release are ours.
  // Why `any` stays: an override must be assignable to each of pg's seven generic overloads
  // (returning `T`, `Promise<QueryResult<R>>` or `void` by argument shape); restating all seven
  // here would copy @types/pg, and any one signature without `any` (`unknown` in, `unknown`
  // out) is assignable to none of them. The arguments are passed on untouched to the client.
  // biome-ignore lint/suspicious/noExplicitAny: see above, pg's overloads cannot be restated.
  override query(...args: any[]): any {
    const callback = typeof args.at(-1) === "function" ? args.pop() : undefined;
    const done = this.boundQuery(args);
    if (!callback) return done;
    done.then(
      (result) => callback(undefined, result),
      (error: unknown) => callback(error),
    );
    return undefined;
  }

  private async boundQuery(args: unknown[]): Promise<pg.QueryResult> {
    const client = await this.connect();
    let failure: unknown;
    try {
      return await (client.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // A database error (it has a SQLSTATE) leaves the connection usable, and so does a query
      // refused or cancelled for a caller that gave up; anything else may not.
      client.release(isConnectionFailure(failure) ? (failure as Error) : undefined);
    }
  }
}

function isConnectionFailure(error: unknown): boolean {
  if (error === undefined || error instanceof RpcError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === "string" && /^[0-9A-Z]{5}$/.test(code));
}
