#!/bin/bash
# Makes the bundled PostgreSQL right at every start (the container's postStart hook): per service
# a role that owns its own database and nothing else, and the passwords of the mounted Secret.
# Idempotent, so it is safe on a restart, an upgrade and a password change. It also moves a release
# of chart 0.1.0, where every service connected as the superuser, to the per-service roles: the
# objects the superuser created in a service's database pass to that service's role.
#
# Environment: POSTGRES_USER and POSTGRES_PASSWORD_FILE (the superuser), POSTGRES_DB (its own
# database), SHOPMESH_ROLES_DIR (files USER_PASSWORD, PRODUCT_PASSWORD, ORDER_PASSWORD);
# PGHOST/PGPORT to reach a server elsewhere and PGPASSWORD to log in there before the superuser's
# password changes (tests; in the container the socket needs none).
set -euo pipefail

export PGHOST="${PGHOST:-/var/run/postgresql}" PGPORT="${PGPORT:-5432}"
export PGUSER="${POSTGRES_USER}" PGDATABASE="${POSTGRES_DB}" PGCONNECT_TIMEOUT=5
SUPERUSER_PASSWORD="$(cat "${POSTGRES_PASSWORD_FILE}")"
export SUPERUSER_PASSWORD PGPASSWORD="${PGPASSWORD:-${SUPERUSER_PASSWORD}}"
passwords="${SHOPMESH_ROLES_DIR}"
tcp_host="${PGHOST}"
[[ "${tcp_host}" == /* ]] && tcp_host=127.0.0.1

# Wait for the real server: during the first initialisation the entrypoint runs a temporary one
# that listens on the socket only, and stops it again.
for _ in $(seq 1 "${SHOPMESH_INIT_WAIT_SECONDS:-300}"); do
  pg_isready -q -h "${tcp_host}" -p "${PGPORT}" && break
  sleep 1
done
if ! pg_isready -q -h "${tcp_host}" -p "${PGPORT}"; then
  echo "postgresql-init: the server did not accept TCP connections in time" >&2
  exit 1
fi

psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# The superuser's password follows the Secret (connecting over the socket needs none).
psql <<'SQL'
\getenv password SUPERUSER_PASSWORD
ALTER ROLE CURRENT_USER PASSWORD :'password';
SQL
export PGPASSWORD="${SUPERUSER_PASSWORD}"

for service in user product order; do
  role="shopmesh_${service}"
  ROLE_PASSWORD="$(cat "${passwords}/${service^^}_PASSWORD")" ROLE="${role}" psql <<'SQL'
\getenv role ROLE
\getenv password ROLE_PASSWORD
SELECT format('CREATE ROLE %I', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \gexec
ALTER DATABASE :"role" OWNER TO :"role";
-- Only its owner (and the superuser) may connect: no other service's role.
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
  # Objects the superuser made here (chart 0.1.0's services connected as it) pass to the owner.
  # Sequences of identity and serial columns and extension members follow their owners.
  psql -d "${role}" <<'SQL'
DO $do$
DECLARE
  target regrole := current_database()::text::regrole;
  statement text;
BEGIN
  FOR statement IN
    SELECT format('ALTER %s %s OWNER TO %I',
             CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                            WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                            ELSE 'TABLE' END,
             c.oid::regclass, current_database())
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
       AND c.relowner <> target
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
    UNION ALL
    SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, current_database())
      FROM pg_namespace n
     WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
       AND n.nspowner NOT IN (target, 'pg_database_owner'::regrole)
    UNION ALL
    SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, current_database())
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
       AND p.proowner <> target
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, current_database())
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typtype IN ('e', 'd', 'r')
       AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
       AND t.typowner <> target
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE statement;
  END LOOP;
END
$do$;
SQL
done

# The maintenance databases are the superuser's alone.
SUPERUSER_DB="${POSTGRES_DB}" psql <<'SQL'
\getenv superuser_db SUPERUSER_DB
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE :"superuser_db" FROM PUBLIC;
SQL
echo "postgresql-init: roles shopmesh_user, shopmesh_product, shopmesh_order own their databases"
