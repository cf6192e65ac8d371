import type { Migration } from "../../kit/index.js";

/**
 * What the user service keeps from the order events. Version 40 (the events work's number
 * range), so migrations other branches add meanwhile (3, 4, …) still come first.
 */
export const purchaseMigration: Migration = {
  version: 40,
  name: "purchases from order events",
  sql: `
    -- One row per order the events told us about: 'confirmed' (it stands) or 'cancelled'. An
    -- order's state only moves forward (a cancellation is final), so applying its events in any
    -- order, or one twice, ends the same: the summary is an aggregate over these rows.
    CREATE TABLE purchases (
      order_id uuid PRIMARY KEY,
      user_id uuid NOT NULL,
      state text NOT NULL CHECK (state IN ('confirmed', 'cancelled')),
      currency char(3) NOT NULL,
      total_minor_units bigint NOT NULL CHECK (total_minor_units >= 0),
      update_time timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX purchases_user_id_idx ON purchases (user_id);
    -- Every event applied, by id, recorded in the transaction of its effect: a redelivery finds
    -- its id here and changes nothing.
    CREATE TABLE processed_events (
      event_id uuid PRIMARY KEY,
      subject text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
  `,
};
