import { invalidationTriggerSql } from "../kit/cache/index.js";
import type { Migration } from "../kit/index.js";
import { versionMigrationSql } from "../kit/writes/index.js";
import { purchaseMigration } from "./events/index.js";

/** The user service's schema, oldest first. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "create users",
    sql: `
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- insertion order, for stable keyset pagination
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        email text NOT NULL,
        display_name text NOT NULL,
        create_time timestamptz NOT NULL DEFAULT now()
      );
      -- one account per address, whatever its case
      CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
    `,
  },
  {
    version: 2,
    name: "link users to their sign-in subject",
    sql: `
      -- the identity provider's subject (JWT "sub") of a user who signed up through the edge;
      -- NULL for users created by operators. One profile per subject.
      ALTER TABLE users ADD COLUMN subject text;
      CREATE UNIQUE INDEX users_subject_key ON users (subject);
    `,
  },
  {
    version: 3,
    name: "notify the read caches of every user change",
    // In the writing transaction, whoever writes: delivered on commit (see kit/cache).
    sql: invalidationTriggerSql("users", "id"),
  },
  // 20 and on: the API methods' work (#19 item 3), a number range of its own.
  {
    version: 20,
    name: "user versions and update times",
    sql: versionMigrationSql("users"),
  },
  {
    version: 21,
    name: "idempotent user creation",
    sql: `
      -- CreateUser's optional request_id, unique per scope: the signed-in end user's subject
      -- through the edge, '' for the mesh's own workloads. The fingerprint tells a retry from a
      -- reuse of the key for another user.
      ALTER TABLE users ADD COLUMN request_scope text, ADD COLUMN request_id text,
        ADD COLUMN request_fingerprint text;
      CREATE UNIQUE INDEX users_request_key ON users (request_scope, request_id)
        WHERE request_id IS NOT NULL;
    `,
  },
  purchaseMigration,
];
