import { failedPrecondition, type Pool, type Queryable, withTransaction } from "../kit/index.js";
import { requestFingerprint, requestIdReused } from "../kit/writes/index.js";
import { productNotFound } from "./product-errors.js";

/** An AdjustStock request that passed validation. */
export interface AdjustmentRequest {
  readonly productId: string;
  readonly delta: number;
  readonly reason: string;
  readonly requestId: string;
}

/** A recorded adjustment: the request, and the product's stock right after it. */
export interface AdjustmentRow extends AdjustmentRequest {
  readonly stock: number;
  readonly createTime: Date;
}

const columns = `product_id AS "productId", delta, reason, request_id AS "requestId",
  stock_after AS stock, create_time AS "createTime", request_fingerprint AS "fingerprint"`;

// PostgreSQL's unique_violation: a concurrent call with the same request_id committed first.
const uniqueViolation = "23505";
const maxStock = 2 ** 31 - 1;

/**
 * Stock changes by operators (deliveries, counts, breakage), each recorded with its reason and
 * idempotent per request_id: a retry returns the first result and changes the stock once.
 */
export class StockAdjustments {
  constructor(private readonly pool: Pool) {}

  /**
   * Adds `delta` to the product's stock, never taking it below 0 (what orders reserved is not
   * in `stock`, so it stays untouched): FAILED_PRECONDITION STOCK_BELOW_RESERVED otherwise.
   */
  async adjust(request: AdjustmentRequest): Promise<AdjustmentRow> {
    const fingerprint = requestFingerprint([request.productId, request.delta, request.reason]);
    for (let attempt = 1; ; attempt++) {
      try {
        return await withTransaction(this.pool, (tx) => adjustOnce(tx, request, fingerprint));
      } catch (error) {
        // The racing call's record is visible now: the next attempt replays it.
        if (attempt >= 3 || (error as { code?: unknown }).code !== uniqueViolation) throw error;
      }
    }
  }
}

/** One try of {@link StockAdjustments.adjust}, in one transaction. */
async function adjustOnce(
  tx: Queryable,
  request: AdjustmentRequest,
  fingerprint: string,
): Promise<AdjustmentRow> {
  const first = await recorded(tx, request.requestId);
  if (first) {
    if (first.fingerprint !== fingerprint) throw requestIdReused(request.requestId, "adjustment");
    return first;
  }
  // The row lock orders this against reservations and other adjustments of the product.
  const { rows } = await tx.query<{ stock: number }>(
    "SELECT stock FROM products WHERE id = $1 FOR UPDATE",
    [request.productId],
  );
  const available = rows[0]?.stock;
  if (available === undefined) throw productNotFound(request.productId);
  const after = available + request.delta;
  if (after < 0) throw await belowReserved(tx, request, available);
  if (after > maxStock) {
    throw failedPrecondition(
      `stock of product ${request.productId} would exceed ${maxStock} (${available} available)`,
      {
        reason: "STOCK_LIMIT",
        metadata: {
          product: request.productId,
          delta: String(request.delta),
          available: String(available),
        },
      },
    );
  }
  await tx.query("UPDATE products SET stock = $2 WHERE id = $1", [request.productId, after]);
  const inserted = await tx.query<AdjustmentRow & { fingerprint: string }>(
    `INSERT INTO stock_adjustments (request_id, request_fingerprint, product_id, delta, reason,
       stock_after)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
    [request.requestId, fingerprint, request.productId, request.delta, request.reason, after],
  );
  const [row] = inserted.rows;
  if (!row) throw new Error("INSERT … RETURNING returned no row");
  return row;
}

async function recorded(
  db: Queryable,
  requestId: string,
): Promise<(AdjustmentRow & { fingerprint: string }) | undefined> {
  const { rows } = await db.query<AdjustmentRow & { fingerprint: string }>(
    `SELECT ${columns} FROM stock_adjustments WHERE request_id = $1`,
    [requestId],
  );
  return rows[0];
}

/**
 * FAILED_PRECONDITION STOCK_BELOW_RESERVED: the adjustment would take away units that are not
 * available (orders hold them), with the numbers as ErrorInfo metadata and a PreconditionFailure.
 */
async function belowReserved(
  db: Queryable,
  request: AdjustmentRequest,
  available: number,
): Promise<Error> {
  const { rows } = await db.query<{ reserved: number }>(
    `SELECT coalesce(sum(i.quantity), 0)::int AS reserved
     FROM reservation_items i JOIN reservations r USING (order_id)
     WHERE i.product_id = $1 AND r.state = 'reserved'`,
    [request.productId],
  );
  const reserved = rows[0]?.reserved ?? 0;
  const text =
    `stock of product ${request.productId} cannot change by ${request.delta}: ` +
    `${available} available, ${reserved} reserved by orders`;
  return failedPrecondition(text, {
    reason: "STOCK_BELOW_RESERVED",
    metadata: {
      product: request.productId,
      delta: String(request.delta),
      available: String(available),
      reserved: String(reserved),
    },
    preconditionViolations: [
      { type: "STOCK", subject: `products/${request.productId}`, description: text },
    ],
  });
}
