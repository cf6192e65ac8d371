import type { Migration } from "../kit/index.js";
import { outboxMigration, outboxNotifyMigration } from "./outbox/index.js";

/** The order service's schema, oldest first. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "create orders",
    sql: `
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        -- insertion order, for stable keyset pagination
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        -- the client's idempotency key; a replay finds its order here
        request_id text NOT NULL UNIQUE,
        -- hash of the request body, to refuse a reused request_id with a different order
        request_fingerprint text NOT NULL,
        user_id uuid NOT NULL,
        -- 'abandoned': placement failed; its stock release is pending or done, never shown
        status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'abandoned')),
        currency char(3) NOT NULL,
        total_minor_units bigint NOT NULL CHECK (total_minor_units >= 0),
        create_time timestamptz NOT NULL DEFAULT now(),
        update_time timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_user_id_seq_idx ON orders (user_id, seq);
      CREATE INDEX orders_unsettled_idx ON orders (update_time)
        WHERE status IN ('pending', 'abandoned');
      CREATE TABLE order_items (
        order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        position integer NOT NULL,
        product_id uuid NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price_minor_units bigint NOT NULL CHECK (unit_price_minor_units >= 0),
        PRIMARY KEY (order_id, position)
      );
    `,
  },
  {
    version: 2,
    name: "request_id unique per user",
    sql: `
      -- Two users may pick the same idempotency key. Existing rows were unique by request_id
      -- alone, so they are unique per (user_id, request_id) too: nothing to rewrite.
      ALTER TABLE orders DROP CONSTRAINT orders_request_id_key;
      ALTER TABLE orders ADD CONSTRAINT orders_user_id_request_id_key
        UNIQUE (user_id, request_id);
    `,
  },
  {
    version: 3,
    name: "cancelling state and reconciler claims",
    sql: `
      -- 'cancelling': CancelOrder's intent is recorded, its stock release may not have happened
      -- yet; the reconciler finishes it if the call does not.
      ALTER TABLE orders DROP CONSTRAINT orders_status_check;
      ALTER TABLE orders ADD CONSTRAINT orders_status_check
        CHECK (status IN ('pending', 'confirmed', 'cancelling', 'cancelled', 'abandoned'));
      -- Until when one reconciler (of any replica) holds the order; also when it was last tried,
      -- so an order that keeps failing goes to the back of the queue.
      ALTER TABLE orders ADD COLUMN reconcile_lease_until timestamptz;
      DROP INDEX orders_unsettled_idx;
      CREATE INDEX orders_unsettled_idx ON orders (reconcile_lease_until NULLS FIRST, update_time)
        WHERE status IN ('pending', 'cancelling', 'abandoned');
    `,
  },
  {
    // 30: this change's own range, so versions other branches add meanwhile cannot collide.
    version: 30,
    name: "list orders by create_time",
    sql: `
      -- ListOrders pages by (create_time, seq), either way, for everyone or one user.
      CREATE INDEX orders_create_time_seq_idx ON orders (create_time, seq);
      CREATE INDEX orders_user_id_create_time_seq_idx ON orders (user_id, create_time, seq);
      DROP INDEX orders_user_id_seq_idx;
    `,
  },
  outboxMigration,
  outboxNotifyMigration,
];
