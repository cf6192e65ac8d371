import { type Pool, withTransaction } from "../../kit/index.js";
import type { Outcome } from "../../kit/messaging/index.js";

/** What one order event says about a purchase. */
export interface PurchaseChange {
  readonly eventId: string;
  readonly subject: string;
  readonly orderId: string;
  readonly userId: string;
  readonly currency: string;
  readonly totalMinorUnits: bigint;
  readonly state: "confirmed" | "cancelled";
}

/** A user's purchases, summed. */
export interface PurchaseSummaryRow {
  readonly confirmedOrders: number;
  readonly cancelledOrders: number;
  /** Spent on standing orders, per currency, by currency code. */
  readonly spent: readonly { currency: string; minorUnits: bigint }[];
}

/** The purchases and processed_events tables. */
export class PurchaseStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Applies one event and records its id, in one transaction: a duplicate (its id already
   * recorded) changes nothing. A confirmation never undoes a cancellation of the same order,
   * whichever arrived first.
   */
  apply(change: PurchaseChange): Promise<Outcome> {
    return withTransaction(this.pool, async (client) => {
      const fresh = await client.query(
        `INSERT INTO processed_events (event_id, subject) VALUES ($1, $2)
         ON CONFLICT DO NOTHING`,
        [change.eventId, change.subject],
      );
      if (fresh.rowCount === 0) return "duplicate";
      await client.query(
        `INSERT INTO purchases (order_id, user_id, state, currency, total_minor_units)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (order_id) DO UPDATE SET state = 'cancelled', update_time = now()
           WHERE EXCLUDED.state = 'cancelled'`,
        [change.orderId, change.userId, change.state, change.currency, change.totalMinorUnits],
      );
      return "applied";
    });
  }

  /** The user's purchase summary (zeros for a user who bought nothing). */
  async summaryOf(userId: string): Promise<PurchaseSummaryRow> {
    const { rows } = await this.pool.query<{
      currency: string;
      confirmed: number;
      cancelled: number;
      spent: bigint;
    }>(
      `SELECT currency,
         count(*) FILTER (WHERE state = 'confirmed')::int AS confirmed,
         count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled,
         coalesce(sum(total_minor_units) FILTER (WHERE state = 'confirmed'), 0)::bigint AS spent
       FROM purchases WHERE user_id = $1 GROUP BY currency ORDER BY currency`,
      [userId],
    );
    return {
      confirmedOrders: rows.reduce((sum, row) => sum + row.confirmed, 0),
      cancelledOrders: rows.reduce((sum, row) => sum + row.cancelled, 0),
      spent: rows
        .filter((row) => row.spent > 0n)
        .map((row) => ({ currency: row.currency, minorUnits: row.spent })),
    };
  }

  /** Forgets applied event ids older than `retentionMs` (far beyond any redelivery). */
  async pruneProcessed(retentionMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM processed_events
       WHERE processed_at < now() - make_interval(secs => $1 / 1000.0)`,
      [retentionMs],
    );
    return rowCount ?? 0;
  }
}
