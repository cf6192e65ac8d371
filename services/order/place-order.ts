import { randomUUID } from "node:crypto";
import type { ReservationService } from "../gen/shopmesh/inventory/v1/reservation_service_pb.js";
import type { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import type { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import {
  type CallContext,
  type Logger,
  outlivingCaller,
  RpcError,
  type ServiceClient,
  Status,
} from "../kit/index.js";
import { requestFingerprint, requestIdReused } from "../kit/writes/index.js";
import type { NewOrder, OrderRow, OrderStore } from "./order-store.js";
import { type PricedOrder, priceOrder } from "./pricing.js";

/** The calls order placement makes to other services. */
export interface OrderDependencies {
  readonly users: Pick<ServiceClient<typeof UserService>, "getUser">;
  readonly products: Pick<ServiceClient<typeof ProductService>, "batchGetProducts">;
  /** The product process's internal ReservationService. */
  readonly reservations: Pick<
    ServiceClient<typeof ReservationService>,
    "reserveStock" | "releaseStock"
  >;
}

/** A CreateOrder request that passed validation. */
export interface OrderRequest {
  readonly requestId: string;
  readonly userId: string;
  readonly items: readonly { productId: string; quantity: number }[];
}

// A request_id that keeps meeting concurrent attempts is retried this often before ABORTED.
const maxAttempts = 3;

/**
 * Places orders as a small saga: record the order as pending, reserve its stock in the product
 * service, confirm it. Any failure after the record abandons the order and gives the stock back
 * (compensation); what cannot be given back now, the reconciler gives back later. The request_id
 * makes the whole sequence idempotent: a replay finds, resumes or restarts the first attempt.
 */
export class OrderPlacement {
  constructor(
    private readonly store: OrderStore,
    private readonly dependencies: OrderDependencies,
    private readonly logger: Logger,
  ) {}

  /** Places the order, or returns the one already placed with this request_id. */
  async place(request: OrderRequest, context: CallContext): Promise<OrderRow> {
    const fingerprint = fingerprintOf(request);
    // The user and product lookups start at once: a first attempt (nearly every call) needs
    // them before it can record the order. A replay ignores them, and so must ignore their
    // failure (see record).
    const lookups = this.lookUp(request, context);
    lookups.catch(() => {});
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const recorded = await this.record(request, fingerprint, lookups);
      if (recorded.inserted) {
        const placed = await this.reserveAndConfirm(recorded.order, context);
        if (placed) return placed;
        continue;
      }
      const { existing } = recorded;
      // Undefined: a concurrent attempt recorded it while we inserted, or abandoned it since.
      if (!existing) continue;
      if (existing.requestFingerprint !== fingerprint) {
        throw requestIdReused(request.requestId, "order");
      }
      if (existing.status === "confirmed" || existing.status === "cancelled") return existing;
      if (existing.status === "pending") {
        // An attempt that is still running or was interrupted: join it.
        const joined = await this.reserveAndConfirm(existing, context);
        if (joined) return joined;
      } else {
        await this.settle(existing.id); // a failed attempt: finish it, then start afresh
      }
    }
    throw new RpcError(
      Status.ABORTED,
      `order ${request.requestId} met concurrent attempts; retry with the same request_id`,
      { details: { reason: "ORDER_CONFLICT", metadata: { requestId: request.requestId } } },
    );
  }

  /**
   * Records the order as pending, or finds the attempt that holds its request_id: the insert
   * itself looks (one statement for both), so a first attempt makes no separate lookup. A
   * replay whose user or product lookups failed still finds its order: only when none holds
   * the request_id is the lookups' failure the answer.
   */
  private async record(
    request: OrderRequest,
    requestFingerprint: string,
    lookups: Promise<PricedOrder>,
  ): Promise<{ inserted: true; order: NewOrder } | { inserted: false; existing?: OrderRow }> {
    let priced: PricedOrder;
    try {
      priced = await lookups;
    } catch (error) {
      const existing = await this.store.findByRequestId(request.userId, request.requestId);
      if (!existing) throw error;
      return { inserted: false, existing };
    }
    // A fresh id per attempt: an abandoned attempt's id stays released in the product service.
    const order: NewOrder = {
      id: randomUUID(),
      requestId: request.requestId,
      requestFingerprint,
      userId: request.userId,
      ...priced,
    };
    const stored = await this.store.insertPending(order);
    if (stored.inserted) return { inserted: true, order };
    return stored.existing ? { inserted: false, existing: stored.existing } : { inserted: false };
  }

  /**
   * Finishes an order whose placement stalled or failed (used by the reconciler): abandons it if
   * still pending, gives its stock back and deletes it.
   */
  async recover(id: string): Promise<void> {
    await this.store.transition(id, "pending", "abandoned");
    if ((await this.store.get(id))?.status === "abandoned") await this.settle(id);
  }

  /** Checks that the user exists and prices the items at the products' current prices. */
  private async lookUp(request: OrderRequest, context: CallContext): Promise<PricedOrder> {
    const { users, products } = this.dependencies;
    // Independent lookups, so in parallel: the order waits for the slower one, not the sum.
    const [, found] = await Promise.all([
      users.getUser({ id: request.userId }, { parent: context }),
      products.batchGetProducts(
        { ids: request.items.map((item) => item.productId) },
        { parent: context },
      ),
    ]);
    return priceOrder(request.items, found.products);
  }

  /**
   * Reserves the order's stock and confirms it. Undefined when a concurrent attempt abandoned the
   * order meanwhile (the reconciler, say): its stock went back and the caller starts afresh.
   */
  private async reserveAndConfirm(
    order: Pick<OrderRow, "id" | "items">,
    context: CallContext,
  ): Promise<OrderRow | undefined> {
    let confirmed: OrderRow | undefined;
    try {
      const items = order.items.map(({ productId, quantity }) => ({ productId, quantity }));
      await this.dependencies.reservations.reserveStock(
        { orderId: order.id, items },
        { parent: context },
      );
      confirmed = await this.store.transition(order.id, "pending", "confirmed");
    } catch (error) {
      // Our failure stands unless another attempt had already settled the order.
      if (await this.abandon(order.id)) throw error;
    }
    if (confirmed) return confirmed;
    // Another attempt settled the order first: it was either placed (or since cancelled) or not.
    const settled = await this.store.get(order.id);
    return settled?.status === "confirmed" || settled?.status === "cancelled" ? settled : undefined;
  }

  /**
   * Claims a pending order as abandoned and gives its stock back (the reconciler retries what
   * fails). False when it was no longer pending: another attempt confirmed or abandoned it.
   */
  private abandon(id: string): Promise<boolean> {
    // Often the caller's deadline is why we abandon: finish regardless of the caller.
    return outlivingCaller(async () => {
      try {
        if (!(await this.store.transition(id, "pending", "abandoned"))) return false;
        await this.settle(id);
      } catch (error) {
        this.logger.warn({ err: error, order_id: id }, "stock release deferred to the reconciler");
      }
      return true;
    });
  }

  /** Gives an abandoned order's stock back and deletes it, freeing its request_id. */
  private async settle(id: string): Promise<void> {
    // No parent deadline: the caller may have gone, but the stock must still come back.
    await this.dependencies.reservations.releaseStock({ orderId: id });
    await this.store.deleteAbandoned(id);
  }
}

/** Identifies a request's content: same user and same lines, in any order. */
function fingerprintOf(request: OrderRequest): string {
  const lines = request.items
    .map((item) => [item.productId, item.quantity] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return requestFingerprint([request.userId, lines]);
}
