import { randomUUID } from "node:crypto";
import { OrderStatus } from "../../gen/shopmesh/order/v1/order_service_pb.js";
import type { MeshClients } from "../mesh-clients.js";

/** The shopper journeys the load generator mixes. */
export const journeyKinds = ["browse", "order", "my-orders", "cancel"] as const;
/** One kind of journey. */
export type JourneyKind = (typeof journeyKinds)[number];

/** A shopper of this run, and its confirmed orders that may still be cancelled. */
interface Shopper {
  readonly id: string;
  readonly orders: string[];
}

/** What the run's journeys use: its own shoppers, and its own products to order. */
export interface LoadShop {
  readonly shoppers: readonly Shopper[];
  readonly productIds: readonly string[];
}

// A caller that waits for ever is no shopper; the mesh's own deadlines are shorter.
const call = { timeoutMs: 5_000 };
const productsPerRun = 5;

/**
 * Creates `shoppers` users and a few products with ample stock for this run (`runId` makes their
 * emails and SKUs unique), so that its orders neither fail on nor sell out anyone else's stock.
 */
export async function prepareShop(
  clients: MeshClients,
  runId: string,
  shoppers: number,
): Promise<LoadShop> {
  const users = await Promise.all(
    Array.from({ length: shoppers }, (_, n) =>
      clients.users.createUser(
        { email: `shopper-${n + 1}-${runId}@load.example`, displayName: `Load shopper ${n + 1}` },
        call,
      ),
    ),
  );
  const products = await Promise.all(
    Array.from({ length: productsPerRun }, (_, n) =>
      clients.products.createProduct(
        {
          sku: `LOAD-${runId}-${n + 1}`,
          name: `Load test item ${n + 1}`,
          price: { currencyCode: "EUR", minorUnits: BigInt(199 + 250 * n) },
          stock: 1_000_000,
        },
        call,
      ),
    ),
  );
  return {
    shoppers: users.map((user) => ({ id: user.id, orders: [] })),
    productIds: products.map((product) => product.id),
  };
}

/** Runs one journey of `kind` for a random shopper; rejects with the first failed call. */
export async function runJourney(
  kind: JourneyKind,
  clients: MeshClients,
  shop: LoadShop,
): Promise<void> {
  const shopper = pick(shop.shoppers);
  switch (kind) {
    case "browse": {
      const { products } = await clients.products.listProducts({ pageSize: 20 }, call);
      const id = products.length > 0 ? pick(products).id : pick(shop.productIds);
      await clients.products.getProduct({ id }, call);
      return;
    }
    case "order":
      await placeOrder(clients, shop, shopper);
      return;
    case "my-orders": {
      const { orders } = await clients.orders.listOrders(
        // Newest first, as a shop's order history shows them: orders[0] is the latest.
        { userId: shopper.id, pageSize: 20, orderBy: "create_time desc" },
        call,
      );
      const latest = orders[0];
      if (latest) await clients.orders.getOrder({ id: latest.id }, call);
      return;
    }
    case "cancel": {
      const id = shopper.orders.shift() ?? (await placeOrder(clients, shop, shopper, false));
      await clients.orders.cancelOrder({ id }, call);
      return;
    }
  }
}

/** Places an order of 1 to 3 of the run's products with a fresh request_id; returns its id. */
async function placeOrder(
  clients: MeshClients,
  shop: LoadShop,
  shopper: Shopper,
  remember = true,
): Promise<string> {
  const count = 1 + Math.floor(Math.random() * 3);
  const productIds = [...shop.productIds].sort(() => Math.random() - 0.5).slice(0, count);
  const order = await clients.orders.createOrder(
    {
      requestId: randomUUID(),
      userId: shopper.id,
      items: productIds.map((productId) => ({
        productId,
        quantity: 1 + Math.floor(Math.random() * 2),
      })),
    },
    call,
  );
  // Kept for a later cancel journey; a run of hours keeps at most the last hundred per shopper.
  if (remember && order.status === OrderStatus.CONFIRMED) {
    shopper.orders.push(order.id);
    if (shopper.orders.length > 100) shopper.orders.shift();
  }
  return order.id;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}
