import {
  alreadyExists,
  failedPrecondition,
  notFound,
  type Pool,
  type PoolClient,
  withTransaction,
} from "../kit/index.js";

/** A quantity of one product. */
export interface StockLine {
  readonly productId: string;
  readonly quantity: number;
}

/**
 * Stock reservations: all of an order's items are taken in one transaction or none, and each
 * order id reserves and releases at most once, so callers may retry both freely.
 */
export class StockStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Takes stock for `orderId`. Replaying the same reservation returns it unchanged; throws
   * FAILED_PRECONDITION naming the product that is short, or when the order was released.
   */
  reserve(orderId: string, lines: readonly StockLine[]): Promise<StockLine[]> {
    return withTransaction(this.pool, async (tx) => {
      // The primary key serialises concurrent calls for one order: the second waits here.
      const { rowCount } = await tx.query(
        `INSERT INTO reservations (order_id, state) VALUES ($1, 'reserved')
         ON CONFLICT (order_id) DO NOTHING`,
        [orderId],
      );
      if (rowCount === 0) return replayedReservation(tx, orderId, lines);
      // Lock rows in one global order (by id) so that concurrent orders cannot deadlock.
      const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
      for (const line of sorted) {
        const taken = await tx.query(
          "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2",
          [line.productId, line.quantity],
        );
        if (taken.rowCount === 0) await explainShortage(tx, line);
        await tx.query(
          "INSERT INTO reservation_items (order_id, product_id, quantity) VALUES ($1, $2, $3)",
          [orderId, line.productId, line.quantity],
        );
      }
      return [...lines];
    });
  }

  /**
   * Gives back the stock reserved for `orderId`, once: returns what this call gave back (empty
   * if an earlier call did, or nothing was reserved; then a later reserve is refused).
   */
  release(orderId: string): Promise<StockLine[]> {
    return withTransaction(this.pool, async (tx) => {
      const tombstone = await tx.query(
        `INSERT INTO reservations (order_id, state, release_time) VALUES ($1, 'released', now())
         ON CONFLICT (order_id) DO NOTHING`,
        [orderId],
      );
      if (tombstone.rowCount === 1) return [];
      // The row lock taken here makes a concurrent release wait, then find 'released'.
      const released = await tx.query(
        `UPDATE reservations SET state = 'released', release_time = now()
         WHERE order_id = $1 AND state = 'reserved'`,
        [orderId],
      );
      if (released.rowCount === 0) return [];
      const lines = await reservedLines(tx, orderId);
      for (const line of lines) {
        await tx.query("UPDATE products SET stock = stock + $2 WHERE id = $1", [
          line.productId,
          line.quantity,
        ]);
      }
      return lines;
    });
  }
}

async function replayedReservation(
  tx: PoolClient,
  orderId: string,
  requested: readonly StockLine[],
): Promise<StockLine[]> {
  const { rows } = await tx.query<{ state: string }>(
    "SELECT state FROM reservations WHERE order_id = $1",
    [orderId],
  );
  if (rows[0]?.state === "released") {
    throw failedPrecondition(`stock of order ${orderId} was already released`);
  }
  const existing = await reservedLines(tx, orderId);
  if (!sameLines(existing, requested)) {
    throw alreadyExists(`order ${orderId} already holds a different reservation`);
  }
  return existing;
}

async function explainShortage(tx: PoolClient, line: StockLine): Promise<never> {
  const { rows } = await tx.query<{ stock: number }>("SELECT stock FROM products WHERE id = $1", [
    line.productId,
  ]);
  const product = rows[0];
  if (!product) throw notFound(`product ${line.productId}`);
  throw failedPrecondition(
    `insufficient stock for product ${line.productId}: ${line.quantity} requested, ${product.stock} available`,
  );
}

async function reservedLines(tx: PoolClient, orderId: string): Promise<StockLine[]> {
  const { rows } = await tx.query<StockLine>(
    `SELECT product_id AS "productId", quantity FROM reservation_items
     WHERE order_id = $1 ORDER BY product_id`,
    [orderId],
  );
  return rows;
}

function sameLines(a: readonly StockLine[], b: readonly StockLine[]): boolean {
  if (a.length !== b.length) return false;
  const quantities = new Map(a.map((line) => [line.productId, line.quantity]));
  return b.every((line) => quantities.get(line.productId) === line.quantity);
}
