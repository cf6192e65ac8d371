import type { CallContext } from "../kit/index.js";
import type { OrderRow, OrderStore } from "./order-store.js";
import type { OrderDependencies } from "./place-order.js";

/**
 * Cancels confirmed orders so that a crash or failure at any step loses no stock: the intent is
 * recorded first ('cancelling'), then the stock is released (once per order id, however often
 * asked), then the order is recorded 'cancelled'. Whatever a call leaves in 'cancelling', a
 * repeated CancelOrder or the reconciler finishes.
 */
export class OrderCancellation {
  constructor(
    private readonly store: OrderStore,
    private readonly reservations: Pick<OrderDependencies["reservations"], "releaseStock">,
  ) {}

  /** Cancels a confirmed or cancelling order; returns it as it then is. */
  async cancel(order: OrderRow, context: CallContext): Promise<OrderRow> {
    if (order.status === "confirmed") {
      const marked = await this.store.transition(order.id, "confirmed", "cancelling");
      if (!marked) {
        // A concurrent cancel moved it first: finish its work, or show what it finished.
        const now = await this.store.get(order.id);
        if (now?.status !== "cancelling") return now ?? order;
      }
    }
    await this.reservations.releaseStock({ orderId: order.id }, { parent: context });
    const cancelled = await this.store.transition(order.id, "cancelling", "cancelled");
    // Undefined when a concurrent cancel recorded it first: show the order as that left it.
    return cancelled ?? (await this.store.get(order.id)) ?? order;
  }

  /** Finishes a cancellation a call left in 'cancelling' (used by the reconciler). */
  async finish(id: string): Promise<void> {
    // No parent deadline: the caller has gone, but the stock must still come back.
    await this.reservations.releaseStock({ orderId: id });
    await this.store.transition(id, "cancelling", "cancelled");
  }
}
