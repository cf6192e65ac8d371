import type { Queryable } from "../data/index.js";
import { RpcError, Status } from "../rpc-error.js";

/**
 * SQL of a row's etag (AIP-154): a digest of its id and version, so opaque to clients (nothing
 * to parse or count on) and new whenever the version is. Computed by PostgreSQL, so a read and
 * a conditional write compare the very same expression.
 */
export function etagSql(idColumn = "id", versionColumn = "version"): string {
  return `left(encode(sha256(convert_to(${idColumn}::text || ':' || ${versionColumn}::text, 'UTF8')), 'hex'), 32)`;
}

/** SQL that holds when the etag parameter (e.g. `$4`) is null (unconditional) or current. */
export function etagMatchesSql(parameter: string): string {
  return `(${parameter}::text IS NULL OR ${etagSql()} = ${parameter}::text)`;
}

/**
 * Migration SQL giving `table` a `version` and an `update_time` that a BEFORE UPDATE trigger
 * moves on whenever a row really changes, whatever code writes it (a reservation, an update,
 * psql): no write path can forget, so an etag read before any change goes stale. Existing rows
 * start at version 1, updated when they were created.
 */
export function versionMigrationSql(table: string): string {
  return `
    ALTER TABLE ${table} ADD COLUMN version bigint NOT NULL DEFAULT 1,
      ADD COLUMN update_time timestamptz;
    UPDATE ${table} SET update_time = create_time;
    ALTER TABLE ${table} ALTER COLUMN update_time SET NOT NULL,
      ALTER COLUMN update_time SET DEFAULT now();
    CREATE OR REPLACE FUNCTION shopmesh_next_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW IS DISTINCT FROM OLD THEN
        NEW.version := OLD.version + 1;
        NEW.update_time := now();
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${table}_next_version
      BEFORE UPDATE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION shopmesh_next_version();
  `;
}

/** How a conditional update of one row ended: the row as it now is, or why not. */
export type ConditionalUpdate<Row> = Row | "missing" | "stale";

/**
 * One row's conditional update: `set` (SQL whose parameters are `values`, from `$3` on) applied
 * to row `id` of `table` only if `etag` is current or undefined; returns its `returning` columns.
 */
export interface RowUpdate {
  readonly table: string;
  readonly id: string;
  readonly etag: string | undefined;
  readonly set: string;
  readonly values: readonly unknown[];
  readonly returning: string;
}

/**
 * Runs `update` (an UPDATE … WHERE id = $1 AND {@link etagMatchesSql}($2) … RETURNING); when
 * it changed nothing, tells a missing row from a stale etag. Two updates with the same etag: the
 * second waits for the first's row lock, then PostgreSQL re-checks its WHERE against the new
 * version and finds it stale, so exactly one wins.
 */
export async function updateIfCurrent<Row extends object>(
  db: Queryable,
  update: RowUpdate,
): Promise<ConditionalUpdate<Row>> {
  const { table, id, etag, set, values, returning } = update;
  const { rows } = await db.query<Row>(
    `UPDATE ${table} SET ${set} WHERE id = $1 AND ${etagMatchesSql("$2")} RETURNING ${returning}`,
    [id, etag ?? null, ...values],
  );
  if (rows[0]) return rows[0];
  const found = await db.query(`SELECT FROM ${table} WHERE id = $1`, [id]);
  return found.rowCount ? "stale" : "missing";
}

/** ABORTED ETAG_MISMATCH: the resource changed since the caller read the etag it sent. */
export function etagMismatch(resourceType: string, id: string): RpcError {
  return new RpcError(
    Status.ABORTED,
    `${resourceType} ${id} changed since its etag was read: get it again and reapply the change`,
    { details: { reason: "ETAG_MISMATCH", metadata: { resourceType, resourceName: id } } },
  );
}
