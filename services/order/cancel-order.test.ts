import { randomBytes, randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OrderFixture,
  orderFixture,
  quietLogger,
  testContext,
} from "../../test/support/order-fixture.js";
import {
  CancelOrderRequestSchema,
  OrderStatus,
} from "../gen/shopmesh/order/v1/order_service_pb.js";
import { unavailable } from "../kit/index.js";
import { PageTokens } from "../kit/listing/index.js";
import { OrderCancellation } from "./cancel-order.js";
import { orderHandlers } from "./handlers.js";
import { type OrderState, OrderStore } from "./order-store.js";
import { type OrderDependencies, OrderPlacement } from "./place-order.js";
import { orderRepair, sweep } from "./reconciler.js";

// CancelOrder failing at each of its steps, then the reconciler: the order must end cancelled
// and every unit of stock must be on the shelf or in a non-cancelled order.
let shop: OrderFixture;
let userId: string;
const context = testContext;
const logger = quietLogger;

beforeAll(async () => {
  shop = await orderFixture("cancel");
  userId = await shop.user();
});
afterAll(() => shop.close());

/** A store whose move into `failing` fails, as a crash or a lost connection at that step would. */
class FailingStore extends OrderStore {
  constructor(private readonly failing: OrderState | undefined) {
    super(shop.orderPool);
  }
  override transition(id: string, from: OrderState, to: OrderState) {
    if (to === this.failing) return Promise.reject(new Error(`database gone before '${to}'`));
    return super.transition(id, from, to);
  }
}

const pageTokens = new PageTokens(randomBytes(32), "test");

/** The CancelOrder handler over `store` and `reservations`, as main.ts wires it. */
function cancelOrder(store: OrderStore, reservations: OrderDependencies["reservations"]) {
  const placement = new OrderPlacement(store, { ...shop.dependencies, reservations }, logger);
  const cancellation = new OrderCancellation(store, reservations);
  const handlers = orderHandlers(store, placement, cancellation, pageTokens);
  return (id: string) => handlers.cancelOrder(create(CancelOrderRequestSchema, { id }), context);
}

/** Reconciles everything unfinished with the real store and clients. */
async function reconcile(): Promise<void> {
  const { store, dependencies } = shop;
  const placement = new OrderPlacement(store, dependencies, logger);
  const cancellation = new OrderCancellation(store, dependencies.reservations);
  await sweep(store, orderRepair(placement, cancellation), logger, {
    intervalMs: 0,
    stalledMs: 0,
    leaseMs: 60_000,
  });
}

/** Initial stock minus what non-cancelled orders hold, per product. */
async function ledgerHolds(productId: string, initial: number): Promise<boolean> {
  const { rows } = await shop.orderPool.query<{ held: string }>(
    `SELECT coalesce(sum(i.quantity), 0) AS held FROM order_items i JOIN orders o ON o.id = i.order_id
     WHERE i.product_id = $1 AND o.status NOT IN ('cancelled', 'abandoned')`,
    [productId],
  );
  return (await shop.stockOf(productId)) + Number(rows[0]?.held) === initial;
}

/** A confirmed order of `quantity` units of a new product that had 10 in stock. */
async function placedOrder(quantity: number) {
  const productId = await shop.product(10);
  const placement = new OrderPlacement(shop.store, shop.dependencies, logger);
  const items = [{ productId, quantity }];
  const order = await placement.place({ requestId: randomUUID(), userId, items }, context);
  return { productId, order, placement };
}

const real = () => shop.dependencies.reservations;
const steps: [
  string,
  () => { store: OrderStore; reservations: OrderDependencies["reservations"] },
][] = [
  [
    "before the stock is released (product service unreachable)",
    () => ({
      store: shop.store,
      reservations: {
        ...real(),
        releaseStock: () => Promise.reject(unavailable("product service unavailable")),
      },
    }),
  ],
  [
    "after the stock is released, its answer lost",
    () => ({
      store: shop.store,
      reservations: {
        ...real(),
        releaseStock: async (request, options) => {
          await real().releaseStock(request, options);
          throw unavailable("product service unavailable: connection reset");
        },
      },
    }),
  ],
  [
    "after the stock is released, before 'cancelled' is recorded",
    () => ({ store: new FailingStore("cancelled"), reservations: real() }),
  ],
];

describe("CancelOrder", () => {
  it.each(steps)(
    "interrupted %s ends cancelled, stock exact, after reconciliation",
    async (_, at) => {
      const productId = await shop.product(10);
      const placement = new OrderPlacement(shop.store, shop.dependencies, logger);
      const items = [{ productId, quantity: 3 }];
      const order = await placement.place({ requestId: randomUUID(), userId, items }, context);
      const kept = await placement.place({ requestId: randomUUID(), userId, items }, context);
      const { store, reservations } = at();
      await expect(cancelOrder(store, reservations)(order.id)).rejects.toThrow();
      // The intent is on record, so the order is neither shown as standing nor forgotten.
      expect((await shop.store.get(order.id))?.status).toBe("cancelling");

      await reconcile();
      expect((await shop.store.get(order.id))?.status).toBe("cancelled");
      expect((await shop.store.get(kept.id))?.status).toBe("confirmed");
      expect(await ledgerHolds(productId, 10)).toBe(true);
      expect(await shop.stockOf(productId)).toBe(7);
    },
  );

  it("interrupted before the intent is recorded: nothing changed, the order stands", async () => {
    const { productId, order } = await placedOrder(3);
    await expect(cancelOrder(new FailingStore("cancelling"), real())(order.id)).rejects.toThrow();
    await reconcile();
    expect((await shop.store.get(order.id))?.status).toBe("confirmed");
    expect(await ledgerHolds(productId, 10)).toBe(true);
    // A retry by the client completes it, once.
    const cancelled = await cancelOrder(shop.store, real())(order.id);
    expect(cancelled.status).toBe(OrderStatus.CANCELLED);
    expect(await shop.stockOf(productId)).toBe(10);
  });

  it("a repeated CancelOrder completes an interrupted cancellation and shows CANCELLING before", async () => {
    const { productId, order, placement } = await placedOrder(2);
    await expect(cancelOrder(new FailingStore("cancelled"), real())(order.id)).rejects.toThrow();
    const handlers = orderHandlers(
      shop.store,
      placement,
      new OrderCancellation(shop.store, real()),
      pageTokens,
    );
    const shown = await handlers.getOrder({ id: order.id } as never, context);
    expect(shown.status).toBe(OrderStatus.CANCELLING);
    const [first, second] = await Promise.all([
      cancelOrder(shop.store, real())(order.id),
      cancelOrder(shop.store, real())(order.id),
    ]);
    expect([first.status, second.status]).toEqual([OrderStatus.CANCELLED, OrderStatus.CANCELLED]);
    expect(await shop.stockOf(productId)).toBe(10);
  });
});
