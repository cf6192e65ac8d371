import { type Logger, type PeriodicTask, startPeriodicTask } from "../kit/index.js";
import type { OrderCancellation } from "./cancel-order.js";
import type { ClaimedOrder, OrderStore } from "./order-store.js";
import type { OrderPlacement } from "./place-order.js";

/** Options of {@link startReconciler}. */
export interface ReconcilerOptions {
  /** Pause between the end of one sweep and the start of the next. */
  readonly intervalMs: number;
  /** A pending or cancelling order untouched for longer is taken as interrupted. */
  readonly stalledMs: number;
  /** How long a claim on an order lasts: longer than any one repair may take. */
  readonly leaseMs: number;
  /** Orders finished at most per sweep, so a large backlog does not delay stop(). */
  readonly maxPerSweep?: number;
}

/** What the reconciler does to an order it claimed; thrown errors are retried next sweep. */
export type Repair = (order: ClaimedOrder) => Promise<void>;

/** The repair of the real service: placements are compensated, cancellations completed. */
export function orderRepair(placement: OrderPlacement, cancellation: OrderCancellation): Repair {
  return (order) =>
    order.status === "cancelling" ? cancellation.finish(order.id) : placement.recover(order.id);
}

/**
 * One sweep: claims unfinished orders one by one and repairs each. Claims make replicas share a
 * backlog without ever working on the same order at once; a failing order is logged, released
 * to the back of the queue, and does not stop the others.
 */
export async function sweep(
  store: OrderStore,
  repair: Repair,
  logger: Logger,
  options: ReconcilerOptions,
  stopping: () => boolean = () => false,
): Promise<number> {
  const tried = new Set<string>();
  const limit = options.maxPerSweep ?? 100;
  let repaired = 0;
  while (!stopping() && tried.size < limit) {
    const order = await store.claimUnsettled(options.stalledMs, options.leaseMs);
    if (!order) break;
    if (tried.has(order.id)) {
      // Back to an order that failed in this sweep: everything else is done or claimed.
      await store.endClaim(order.id);
      break;
    }
    tried.add(order.id);
    try {
      await repair(order);
      repaired++;
      logger.info({ order_id: order.id, was: order.status }, "reconciled unfinished order");
    } catch (error) {
      logger.warn({ err: error, order_id: order.id }, "reconciling an order failed; retried later");
      await store.endClaim(order.id);
    }
  }
  return repaired;
}

/**
 * Finishes, every interval, orders whose placement failed or was interrupted (process killed,
 * product service down during compensation) and cancellations that did not complete, so no
 * reservation leaks and no cancellation stays half done for longer than about one interval.
 */
export function startReconciler(
  store: OrderStore,
  repair: Repair,
  logger: Logger,
  options: ReconcilerOptions,
): PeriodicTask {
  return startPeriodicTask(
    async (stopping) => {
      await sweep(store, repair, logger, options, stopping);
    },
    options.intervalMs,
    (error) => logger.warn({ err: error }, "reconciliation failed; retrying next interval"),
  );
}
