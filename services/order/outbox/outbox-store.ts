import { type Pool, type PoolClient, withTransaction } from "../../kit/index.js";
import type { TraceCarrier } from "../../kit/messaging/index.js";

/** The order as the outbox stored it (bigints as text, exact). */
export interface OrderSnapshotRow {
  readonly id: string;
  readonly userId: string;
  readonly requestId: string;
  readonly currency: string;
  readonly totalMinorUnits: string;
  readonly createTime: string;
  readonly items: { productId: string; quantity: number; unitPriceMinorUnits: string }[] | null;
}

/** One unsent event. */
export interface OutboxRow {
  readonly seq: bigint;
  readonly eventId: string;
  readonly orderId: string;
  readonly eventType: "order.confirmed" | "order.cancelled";
  readonly eventTime: Date;
  readonly snapshot: OrderSnapshotRow;
  readonly traceContext: TraceCarrier;
}

/** How much is waiting: unsent rows and the age of the oldest. */
export interface Backlog {
  readonly unsent: number;
  readonly oldestAgeSeconds: number;
}

/** What one publishing round achieved: the rows the broker acknowledged, the failures. */
export interface PublishResult {
  readonly sent: readonly bigint[];
  readonly failed: readonly { seq: bigint; error: string }[];
}

/** The order_outbox table, as the relay uses it. */
export class OutboxStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Takes up to `limit` unsent events in one transaction and marks those `publish` reports
   * acknowledged as sent before it commits. Rows locked by another replica's relay are skipped,
   * and so is any event whose order has an earlier unsent event: an order's events leave in the
   * order they were written, whichever replica sends them. Returns how many were taken.
   */
  async publishBatch(
    limit: number,
    publish: (rows: readonly OutboxRow[]) => Promise<PublishResult>,
  ): Promise<PublishResult & { taken: number }> {
    return withTransaction(this.pool, async (client) => {
      const rows = await this.claim(client, limit);
      if (rows.length === 0) return { sent: [], failed: [], taken: 0 };
      const result = await publish(rows);
      await this.record(client, result);
      return { ...result, taken: rows.length };
    });
  }

  /** Unsent rows and the age of the oldest. */
  async backlog(): Promise<Backlog> {
    const { rows } = await this.pool.query<{ unsent: bigint; age: number | null }>(
      `SELECT count(*) AS unsent,
         extract(epoch FROM now() - min(event_time))::float8 AS age
       FROM order_outbox WHERE sent_at IS NULL`,
    );
    return { unsent: Number(rows[0]?.unsent ?? 0n), oldestAgeSeconds: rows[0]?.age ?? 0 };
  }

  /** Deletes up to `limit` rows sent longer than `retentionMs` ago; returns how many. */
  async prune(retentionMs: number, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM order_outbox WHERE seq IN (
         SELECT seq FROM order_outbox
         WHERE sent_at < now() - make_interval(secs => $1 / 1000.0)
         ORDER BY sent_at LIMIT $2)`,
      [retentionMs, limit],
    );
    return rowCount ?? 0;
  }

  private async claim(client: PoolClient, limit: number): Promise<OutboxRow[]> {
    const { rows } = await client.query<OutboxRow>(
      `SELECT o.seq, o.event_id AS "eventId", o.order_id AS "orderId",
         o.event_type AS "eventType", o.event_time AS "eventTime", o.snapshot,
         o.trace_context AS "traceContext"
       FROM order_outbox o
       WHERE o.sent_at IS NULL
         AND NOT EXISTS (SELECT FROM order_outbox e
           WHERE e.order_id = o.order_id AND e.seq < o.seq AND e.sent_at IS NULL)
       ORDER BY o.seq LIMIT $1
       FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows;
  }

  private async record(client: PoolClient, result: PublishResult): Promise<void> {
    if (result.sent.length > 0) {
      await client.query("UPDATE order_outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])", [
        result.sent,
      ]);
    }
    if (result.failed.length > 0) {
      await client.query(
        `UPDATE order_outbox o SET publish_attempts = publish_attempts + 1, last_error = f.error
         FROM unnest($1::bigint[], $2::text[]) AS f(seq, error) WHERE o.seq = f.seq`,
        [result.failed.map((f) => f.seq), result.failed.map((f) => f.error)],
      );
    }
  }
}
