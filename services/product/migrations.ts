import { invalidationTriggerSql } from "../kit/cache/index.js";
import type { Migration } from "../kit/index.js";
import { versionMigrationSql } from "../kit/writes/index.js";

/** The product service's schema, oldest first. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "create products",
    sql: `
      CREATE TABLE products (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- insertion order, for stable keyset pagination
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        sku text NOT NULL UNIQUE,
        name text NOT NULL,
        price_currency char(3) NOT NULL,
        price_minor_units bigint NOT NULL CHECK (price_minor_units >= 0),
        -- the last line of defence against overselling
        stock integer NOT NULL CHECK (stock >= 0),
        create_time timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: "create reservations",
    sql: `
      -- One row per order that ever reserved or released stock: the idempotency record.
      -- 'released' without items is a tombstone: a ReserveStock arriving after its order's
      -- ReleaseStock is refused instead of taking stock nobody will give back.
      CREATE TABLE reservations (
        order_id uuid PRIMARY KEY,
        state text NOT NULL CHECK (state IN ('reserved', 'released')),
        create_time timestamptz NOT NULL DEFAULT now(),
        release_time timestamptz
      );
      CREATE TABLE reservation_items (
        order_id uuid NOT NULL REFERENCES reservations (order_id),
        product_id uuid NOT NULL REFERENCES products (id),
        quantity integer NOT NULL CHECK (quantity > 0),
        PRIMARY KEY (order_id, product_id)
      );
    `,
  },
  {
    version: 3,
    name: "index released reservations by age",
    sql: `
      -- Released reservations are deleted once older than RESERVATION_RETENTION_MS.
      CREATE INDEX reservations_released_idx ON reservations (release_time)
        WHERE state = 'released';
    `,
  },
  {
    version: 4,
    name: "notify the read caches of every product change",
    // In the writing transaction, whoever writes: delivered on commit (see kit/cache).
    sql: invalidationTriggerSql("products", "id"),
  }, // 20 and on: the API methods' work (#19 item 3), a number range of its own.
  {
    version: 20,
    name: "product versions and update times",
    // Every change moves them on, a reservation's stock included.
    sql: versionMigrationSql("products"),
  },
  {
    version: 21,
    name: "idempotent product creation",
    sql: `
      -- CreateProduct's optional request_id, unique per scope: the signed-in admin's subject
      -- through the edge, '' for the mesh's own workloads (the operator). The fingerprint tells a
      -- retry from a reuse of the key for another product.
      ALTER TABLE products ADD COLUMN request_scope text, ADD COLUMN request_id text,
        ADD COLUMN request_fingerprint text;
      CREATE UNIQUE INDEX products_request_key ON products (request_scope, request_id)
        WHERE request_id IS NOT NULL;
    `,
  },
  {
    version: 22,
    name: "stock adjustments",
    sql: `
      -- One row per AdjustStock that changed the stock: the record of why stock moved, and the
      -- idempotency record of its request_id (a retry returns this row, and changes nothing).
      CREATE TABLE stock_adjustments (
        request_id text PRIMARY KEY,
        request_fingerprint text NOT NULL,
        product_id uuid NOT NULL REFERENCES products (id),
        delta integer NOT NULL CHECK (delta <> 0),
        reason text NOT NULL,
        -- the product's stock right after this adjustment: what a retry answers
        stock_after integer NOT NULL CHECK (stock_after >= 0),
        create_time timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX stock_adjustments_product_idx ON stock_adjustments (product_id, create_time);
    `,
  },
];
