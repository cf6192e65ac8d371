import type { Migration } from "../kit/index.js";

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
];
