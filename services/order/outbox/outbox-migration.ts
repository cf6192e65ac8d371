import type { Migration } from "../../kit/index.js";

/**
 * The outbox table. Version 40 (the events work's number range), so that migrations other
 * branches add in the meantime (3, 4, …) still come first: versions only need to increase.
 */
export const outboxMigration: Migration = {
  version: 40,
  name: "order events outbox",
  sql: `
    -- One row per event, written in the same transaction (the same statement) as the state
    -- change it reports; the relay publishes unsent rows in seq order and then marks them sent.
    CREATE TABLE order_outbox (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      order_id uuid NOT NULL,
      event_type text NOT NULL CHECK (event_type IN ('order.confirmed', 'order.cancelled')),
      event_time timestamptz NOT NULL DEFAULT now(),
      -- the order as the state change left it (bigints as text: exact beyond 2^53)
      snapshot jsonb NOT NULL,
      -- W3C trace context of the call that made the change: traceparent, tracestate
      trace_context jsonb NOT NULL DEFAULT '{}',
      publish_attempts integer NOT NULL DEFAULT 0,
      last_error text,
      sent_at timestamptz
    );
    -- what the relay reads: unsent rows in order, and per order
    CREATE INDEX order_outbox_unsent_idx ON order_outbox (seq) WHERE sent_at IS NULL;
    CREATE INDEX order_outbox_unsent_order_idx ON order_outbox (order_id, seq)
      WHERE sent_at IS NULL;
    -- what pruning reads
    CREATE INDEX order_outbox_sent_idx ON order_outbox (sent_at) WHERE sent_at IS NOT NULL;
  `,
};

/** The NOTIFY channel a commit that wrote outbox rows sends on: the relay listens there. */
export const outboxChannel = "order_outbox";

/**
 * Every statement that inserts outbox rows notifies the relay. PostgreSQL delivers a NOTIFY when
 * its transaction commits (not at all on a rollback), once per transaction however many rows,
 * so a relay woken by it finds the rows committed; between events it need not poll.
 */
export const outboxNotifyMigration: Migration = {
  version: 41,
  name: "order events outbox notifies the relay",
  sql: `
    CREATE FUNCTION order_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${outboxChannel}', '');
      RETURN NULL;
    END $$;
    CREATE TRIGGER order_outbox_notify AFTER INSERT ON order_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION order_outbox_notify();
  `,
};

/** The event an order's move into a state reports, if any. */
export function eventTypeOf(state: string): "order.confirmed" | "order.cancelled" | undefined {
  if (state === "confirmed") return "order.confirmed";
  if (state === "cancelled") return "order.cancelled";
  return undefined;
}

/**
 * The CTE that records the event of a state change, for {@link OrderStore.transition}: `changed`
 * is the CTE of the updated order (its RETURNING columns), `$type` and `$trace` the parameter
 * placeholders of the event type (NULL: no event) and the trace context. Part of the UPDATE's
 * statement, so the event exists exactly when the change committed.
 */
export function recordEventSql(changed: string, type: string, trace: string): string {
  return `INSERT INTO order_outbox (order_id, event_type, snapshot, trace_context)
    SELECT c.id, ${type}, jsonb_build_object(
        'id', c.id, 'userId', c."userId", 'requestId', c."requestId", 'currency', c.currency,
        'totalMinorUnits', c."totalMinorUnits"::text, 'createTime', c."createTime", 'items', c.items),
      ${trace}::jsonb
    FROM ${changed} c WHERE ${type}::text IS NOT NULL`;
}
