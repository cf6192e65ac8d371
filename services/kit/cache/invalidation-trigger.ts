/** The NOTIFY channel of every service's invalidations (one per database, as NOTIFY is). */
export const invalidationChannel = "shopmesh_cache";

/** The cache key of one row: `<table>:<key>`, as the trigger names it. */
export function rowKey(table: string, key: string): string {
  return `${table}:${key}`;
}

/** The key a table's inserts notify: a cached short (last) page may have grown. */
export function insertKey(table: string): string {
  return `${table}:+`;
}

/**
 * Migration SQL that makes every write to `table` notify the caches, whatever code makes it: a
 * row trigger sends `<table>:<key column>` (old and new) for each inserted, updated or deleted
 * row, plus `<table>:+` for an insert, and a TRUNCATE sends `*`. It runs inside the writing
 * transaction, so PostgreSQL delivers the notifications exactly when the write commits, and not
 * at all when it rolls back; identical ones in one transaction are delivered once. A new write
 * path (another store, a migration, psql) cannot forget to invalidate.
 */
export function invalidationTriggerSql(table: string, keyColumn: string): string {
  const channel = `'${invalidationChannel}'`;
  return `
    CREATE OR REPLACE FUNCTION shopmesh_notify_row_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify(${channel}, TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0]));
        RETURN NULL;
      END IF;
      PERFORM pg_notify(${channel}, TG_TABLE_NAME || ':' || (to_jsonb(NEW) ->> TG_ARGV[0]));
      IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify(${channel}, TG_TABLE_NAME || ':+');
      ELSIF (to_jsonb(OLD) ->> TG_ARGV[0]) IS DISTINCT FROM (to_jsonb(NEW) ->> TG_ARGV[0]) THEN
        PERFORM pg_notify(${channel}, TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0]));
      END IF;
      RETURN NULL;
    END $$;
    CREATE OR REPLACE FUNCTION shopmesh_notify_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify(${channel}, '*');
      RETURN NULL;
    END $$;
    CREATE TRIGGER ${table}_notify_caches
      AFTER INSERT OR UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION shopmesh_notify_row_change('${keyColumn}');
    CREATE TRIGGER ${table}_notify_caches_truncate
      AFTER TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION shopmesh_notify_truncate();
  `;
}
