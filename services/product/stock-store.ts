import {
  alreadyExists,
  failedPrecondition,
  type Pool,
  type Queryable,
  withTransaction,
} from "../kit/index.js";
import { shortage } from "./stock-shortage.js";

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
  async reserve(orderId: string, lines: readonly StockLine[]): Promise<StockLine[]> {
    const { rows } = await this.pool.query<LockedLine & { claimed: boolean }>({
      name: "reserve stock",
      text: reserveAll,
      values: [orderId, lines.map((line) => line.productId), lines.map((line) => line.quantity)],
    });
    if (rows[0]?.claimed) return [...lines];
    // Nothing was taken: the order id is known already (a replay, or released), or a line is short.
    const replayed = await replayedReservation(this.pool, orderId, lines);
    if (replayed) return replayed;
    throw shortage(orderId, lines, rows);
  }

  /**
   * Gives back the stock reserved for `orderId`, once: returns what this call gave back (empty
   * if an earlier call did, or nothing was reserved; then a later reserve is refused).
   */
  async release(orderId: string): Promise<StockLine[]> {
    for (;;) {
      try {
        return await withTransaction(this.pool, (tx) => releaseOnce(tx, orderId));
      } catch (error) {
        // The reservation was committed after we looked for its products: look again, now
        // that it is visible, so the products are locked before the reservation row.
        if (!(error instanceof ReservationAppeared)) throw error;
      }
    }
  }

  /**
   * Deletes up to `limit` released reservations (tombstones included) released more than
   * `olderThanMs` ago, oldest first; returns how many. Reserved ones are kept whatever their
   * age: a cancel may still give their stock back.
   */
  async deleteReleased(olderThanMs: number, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `WITH doomed AS (
         SELECT order_id FROM reservations
         WHERE state = 'released' AND release_time < now() - make_interval(secs => $1 / 1000.0)
         ORDER BY release_time LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), items AS (
         DELETE FROM reservation_items i USING doomed d WHERE i.order_id = d.order_id
       )
       DELETE FROM reservations r USING doomed d WHERE r.order_id = d.order_id`,
      [olderThanMs, limit],
    );
    return rowCount ?? 0;
  }
}

/** Thrown (to roll back) when a release finds products it had not locked first. */
class ReservationAppeared extends Error {}

/**
 * One try of {@link StockStore.release}. Locks in the order {@link reserveAll} does, products
 * (by id) before the reservation row, so a replayed reservation racing its release cannot
 * deadlock: the reversed order could (40P01).
 */
async function releaseOnce(tx: Queryable, orderId: string): Promise<StockLine[]> {
  // Reservation items never change once written, so they name the products to lock.
  const { rows: locked } = await tx.query<{ id: string }>(
    `SELECT p.id FROM products p
     WHERE p.id IN (SELECT product_id FROM reservation_items WHERE order_id = $1)
     ORDER BY p.id FOR UPDATE OF p`,
    [orderId],
  );
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
  const lockedIds = new Set(locked.map((row) => row.id));
  if (lines.some((line) => !lockedIds.has(line.productId))) throw new ReservationAppeared();
  await tx.query(
    `UPDATE products p SET stock = p.stock + l.quantity
     FROM unnest($1::uuid[], $2::int[]) AS l(id, quantity) WHERE p.id = l.id`,
    [lines.map((line) => line.productId), lines.map((line) => line.quantity)],
  );
  return lines;
}

/** Where {@link reserveAll} found a wanted product, and its stock then. */
interface LockedLine {
  readonly productId: string;
  readonly stock: number;
}

/**
 * Reserves all lines of an order or none, in one statement: one round trip and atomic without
 * an explicit transaction ($1 order id, $2 product ids, $3 quantities).
 * - `locked` takes the wanted products' row locks in one global order (by id), so concurrent
 *   orders cannot deadlock, and reads their latest committed stock (FOR UPDATE does).
 * - `claimed` records the reservation only if every line is found and has enough stock, and
 *   only once per order id (the primary key; a concurrent call for the same order waits here).
 * - `taken` and the items follow only a claimed reservation; the CHECK (stock >= 0) on products
 *   stays the last line of defence against overselling.
 * Returns the locked lines, each with `claimed`; no rows when no product was found.
 */
const reserveAll = `
  WITH wanted AS (
    SELECT * FROM unnest($2::uuid[], $3::int[]) AS w(product_id, quantity)
  ), locked AS (
    SELECT p.id, p.stock, w.quantity
    FROM products p JOIN wanted w ON w.product_id = p.id
    ORDER BY p.id
    FOR UPDATE OF p
  ), claimed AS (
    INSERT INTO reservations (order_id, state)
    SELECT $1::uuid, 'reserved'
    WHERE (SELECT count(*) FROM locked WHERE stock >= quantity) = cardinality($2::uuid[])
    ON CONFLICT (order_id) DO NOTHING
    RETURNING order_id
  ), taken AS (
    UPDATE products p SET stock = p.stock - l.quantity
    FROM locked l, claimed
    WHERE p.id = l.id
    RETURNING p.id, l.quantity
  ), recorded AS (
    INSERT INTO reservation_items (order_id, product_id, quantity)
    SELECT $1::uuid, id, quantity FROM taken
  )
  SELECT l.id AS "productId", l.stock, EXISTS (SELECT FROM claimed) AS claimed FROM locked l`;

/**
 * The reservation already made for `orderId`, when this is a replay of the same one; undefined
 * when the order id is unknown. Throws when it was released or holds different lines.
 */
async function replayedReservation(
  db: Queryable,
  orderId: string,
  requested: readonly StockLine[],
): Promise<StockLine[] | undefined> {
  const { rows } = await db.query<{ state: string }>(
    "SELECT state FROM reservations WHERE order_id = $1",
    [orderId],
  );
  const state = rows[0]?.state;
  if (state === undefined) return undefined;
  if (state === "released") {
    throw failedPrecondition(`stock of order ${orderId} was already released`, {
      reason: "RESERVATION_RELEASED",
      metadata: { order: orderId },
    });
  }
  const existing = await reservedLines(db, orderId);
  if (!sameLines(existing, requested)) {
    throw alreadyExists(`order ${orderId} already holds a different reservation`, {
      reason: "RESERVATION_MISMATCH",
      metadata: { order: orderId },
    });
  }
  return existing;
}

async function reservedLines(db: Queryable, orderId: string): Promise<StockLine[]> {
  const { rows } = await db.query<StockLine>(
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
