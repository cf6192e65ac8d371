import { type Logger, type PeriodicTask, startPeriodicTask } from "../kit/index.js";
import type { StockStore } from "./stock-store.js";

/** Options of {@link startReservationRetention}. */
export interface RetentionOptions {
  /** Released reservations older than this are deleted: far longer than any retry lives. */
  readonly retentionMs: number;
  readonly intervalMs: number;
}

// Rows deleted per statement: short transactions, so releases and reservations never wait long.
const batchSize = 1_000;

/**
 * Deletes released reservations and tombstones once they are older than the retention, so the
 * idempotency records do not grow without bound. A tombstone only has to outlive the retries of
 * the reservation it refuses, which end with the order service's deadlines and reconciler.
 */
export function startReservationRetention(
  stock: StockStore,
  logger: Logger,
  options: RetentionOptions,
): PeriodicTask {
  return startPeriodicTask(
    async (stopping) => {
      let deleted = 0;
      for (;;) {
        const batch = await stock.deleteReleased(options.retentionMs, batchSize);
        deleted += batch;
        if (batch < batchSize || stopping()) break;
      }
      if (deleted > 0) logger.info({ deleted }, "deleted released reservations past retention");
    },
    options.intervalMs,
    (error) => logger.warn({ err: error }, "reservation retention failed; retrying next interval"),
  );
}
