import type { Pool } from "../kit/index.js";
import { currentTraceContext } from "../kit/messaging/index.js";
import type { OrderListQuery } from "./order-list-query.js";
import { createMicrosColumn, type OrderCursor, orderPageSql } from "./order-list-sql.js";
import { eventTypeOf, recordEventSql } from "./outbox/index.js";

/** Where an order is in its life; 'abandoned' is internal and never shown to callers. */
export type OrderState = "pending" | "confirmed" | "cancelling" | "cancelled" | "abandoned";

/** An order the reconciler has claimed, and the state it found it in. */
export interface ClaimedOrder {
  readonly id: string;
  readonly status: Extract<OrderState, "pending" | "cancelling" | "abandoned">;
}

/** One line of a stored order. */
export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceMinorUnits: bigint;
}

/** An order as stored. */
export interface OrderRow {
  readonly id: string;
  readonly seq: bigint;
  readonly requestId: string;
  readonly requestFingerprint: string;
  readonly userId: string;
  readonly status: OrderState;
  readonly currency: string;
  readonly totalMinorUnits: bigint;
  readonly createTime: Date;
  readonly updateTime: Date;
  /** create_time in microseconds since 1970: PostgreSQL's precision, which Date lacks. */
  readonly createMicros: bigint;
  readonly items: readonly OrderLine[];
}

/** What placing an order stores before it reserves stock. */
export type NewOrder = Omit<
  OrderRow,
  "seq" | "status" | "createTime" | "createMicros" | "updateTime"
>;

/** What {@link OrderStore.insertPending} did: stored the order, or met the request_id's. */
export type PendingInsert =
  | { readonly inserted: true }
  | { readonly inserted: false; readonly existing: OrderRow | undefined };

type RawRow = Omit<OrderRow, "items"> & {
  items: { productId: string; quantity: number; unitPriceMinorUnits: string }[];
};

// An order with its items, as one row: every read and every state change returns this shape.
const orderColumns = `
  o.id, o.seq, o.request_id AS "requestId", o.request_fingerprint AS "requestFingerprint",
  o.user_id AS "userId", o.status, o.currency, o.total_minor_units AS "totalMinorUnits",
  o.create_time AS "createTime", ${createMicrosColumn}, o.update_time AS "updateTime",
  (SELECT json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
      'unitPriceMinorUnits', i.unit_price_minor_units::text) ORDER BY i.position)
   FROM order_items i WHERE i.order_id = o.id) AS items`;
const selectOrders = `SELECT ${orderColumns} FROM orders o`;

/** The orders and order_items tables. */
export class OrderStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Stores a pending order with its items, or finds the order its request_id already names.
   * One statement, so one round trip and atomic without a transaction: the items are inserted
   * only for an order row that was. `existing` is what the statement's snapshot shows of the
   * order that holds the request_id; undefined when that order committed while this statement
   * waited for it (look again with {@link findByRequestId}).
   */
  async insertPending(order: NewOrder): Promise<PendingInsert> {
    const { rows } = await this.pool.query<RawRow & { inserted: boolean }>({
      name: "insert pending order",
      text: `WITH inserted AS (
         INSERT INTO orders (id, request_id, request_fingerprint, user_id, status, currency,
           total_minor_units)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6)
         ON CONFLICT (user_id, request_id) DO NOTHING
         RETURNING id
       ), items AS (
         INSERT INTO order_items (order_id, position, product_id, quantity, unit_price_minor_units)
         SELECT inserted.id, t.position, t.product_id, t.quantity, t.unit_price
         FROM inserted, unnest($7::uuid[], $8::int[], $9::bigint[]) WITH ORDINALITY
           AS t(product_id, quantity, unit_price, position)
       )
       SELECT EXISTS (SELECT FROM inserted) AS inserted, existing.*
       FROM (SELECT) AS one LEFT JOIN LATERAL (
         ${selectOrders} WHERE o.user_id = $4 AND o.request_id = $2
           AND NOT EXISTS (SELECT FROM inserted)
       ) AS existing ON true`,
      values: [
        order.id,
        order.requestId,
        order.requestFingerprint,
        order.userId,
        order.currency,
        order.totalMinorUnits,
        order.items.map((item) => item.productId),
        order.items.map((item) => item.quantity),
        order.items.map((item) => item.unitPriceMinorUnits),
      ],
    });
    const { inserted, ...row } = rows[0] ?? { inserted: false };
    if (inserted) return { inserted: true };
    return {
      inserted: false,
      existing: "id" in row && row.id ? orderOf(row as RawRow) : undefined,
    };
  }

  /**
   * Moves an order from one state to another and returns it as it now is; undefined when it was
   * not in `from`.
   */
  async transition(id: string, from: OrderState, to: OrderState): Promise<OrderRow | undefined> {
    // The event a confirmation or cancellation reports is written by the same statement (the
    // outbox), with the trace context of the call: it exists exactly when the change committed.
    const changed = await this.query(
      "order transition",
      `WITH changed AS (
         UPDATE orders o SET status = $3, update_time = now() WHERE o.id = $1 AND o.status = $2
         RETURNING ${orderColumns}
       ), event AS (${recordEventSql("changed", "$4::text", "$5")})
       SELECT * FROM changed`,
      [id, from, to, eventTypeOf(to) ?? null, JSON.stringify(currentTraceContext())],
    );
    return changed[0];
  }

  /** Deletes an abandoned order whose stock went back, freeing its request_id for a new try. */
  async deleteAbandoned(id: string): Promise<void> {
    await this.pool.query("DELETE FROM orders WHERE id = $1 AND status = 'abandoned'", [id]);
  }

  /** The order with this id, whatever its state. */
  async get(id: string): Promise<OrderRow | undefined> {
    return (await this.query("order by id", `${selectOrders} WHERE o.id = $1`, [id]))[0];
  }

  /** The order this user placed with this request_id, whatever its state. */
  async findByRequestId(userId: string, requestId: string): Promise<OrderRow | undefined> {
    const found = await this.query(
      "order by request id",
      `${selectOrders} WHERE o.user_id = $1 AND o.request_id = $2`,
      [userId, requestId],
    );
    return found[0];
  }

  /** Up to `limit` visible orders of `query` after `after` (each row holds its cursor). */
  async list(
    query: OrderListQuery,
    after: OrderCursor | undefined,
    limit: number,
  ): Promise<OrderRow[]> {
    const { sql, params } = orderPageSql(query, after, limit);
    return this.query(undefined, `SELECT ${orderColumns} FROM orders o ${sql}`, params);
  }

  /**
   * Claims for `leaseMs` one order left unfinished: abandoned, or pending or cancelling for longer
   * than `stalledMs`, and not claimed by another reconciler (of any replica) right now. Orders
   * never tried come first, then the one tried longest ago, so one that keeps failing cannot
   * hold up the others. Undefined when there is none.
   */
  async claimUnsettled(stalledMs: number, leaseMs: number): Promise<ClaimedOrder | undefined> {
    const { rows } = await this.pool.query<ClaimedOrder>(
      `UPDATE orders SET reconcile_lease_until = now() + make_interval(secs => $2 / 1000.0)
       WHERE id = (
         SELECT id FROM orders
         WHERE (status = 'abandoned'
             OR (status IN ('pending', 'cancelling')
                 AND update_time < now() - make_interval(secs => $1 / 1000.0)))
           AND (reconcile_lease_until IS NULL OR reconcile_lease_until < now())
         ORDER BY reconcile_lease_until NULLS FIRST, update_time
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING id, status`,
      [stalledMs, leaseMs],
    );
    return rows[0];
  }

  /** Ends a claim early (the attempt failed): the order waits its turn for the next sweep. */
  async endClaim(id: string): Promise<void> {
    await this.pool.query("UPDATE orders SET reconcile_lease_until = now() WHERE id = $1", [id]);
  }

  /**
   * Orders of a query: prepared under `name`, or unnamed for SQL built per call (a list's
   * filter), since one statement name must always stand for one text.
   */
  private async query(
    name: string | undefined,
    text: string,
    values: unknown[],
  ): Promise<OrderRow[]> {
    const { rows } = await this.pool.query<RawRow>({ ...(name ? { name } : {}), text, values });
    return rows.map(orderOf);
  }
}

function orderOf(row: RawRow): OrderRow {
  return {
    ...row,
    items: (row.items ?? []).map((item) => ({
      ...item,
      unitPriceMinorUnits: BigInt(item.unitPriceMinorUnits),
    })),
  };
}
