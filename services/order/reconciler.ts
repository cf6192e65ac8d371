import type { Logger } from "../kit/index.js";
import type { OrderStore } from "./order-store.js";
import type { OrderPlacement } from "./place-order.js";

/** Options of {@link startReconciler}. */
export interface ReconcilerOptions {
  readonly intervalMs: number;
  /** A pending order older than this is taken as interrupted (longer than any call deadline). */
  readonly pendingTimeoutMs: number;
}

/**
 * Periodically finishes orders whose placement failed or was interrupted (process killed, product
 * service down during compensation), so no reservation leaks for longer than one interval.
 */
export function startReconciler(
  store: OrderStore,
  placement: OrderPlacement,
  logger: Logger,
  options: ReconcilerOptions,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const sweep = async () => {
    for (const id of await store.unsettled(options.pendingTimeoutMs, 100)) {
      await placement.recover(id);
      logger.info({ order_id: id }, "reconciled unsettled order: stock released");
    }
  };
  const timer = setInterval(() => {
    running = sweep().catch((error: unknown) => {
      logger.warn({ err: error }, "reconciliation failed; retrying next interval");
    });
  }, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
