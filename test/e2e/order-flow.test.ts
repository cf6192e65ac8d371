import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

// The whole mesh as separate processes over real sockets, driven like any gRPC client would.
let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("flow");
});
afterAll(() => shop.close());

async function customer(): Promise<string> {
  const email = `${randomUUID()}@example.com`;
  return (await shop.clients.users.createUser({ email, displayName: "Customer" })).id;
}

async function product(stock: number, minorUnits = 1_250n): Promise<string> {
  const price = { currencyCode: "EUR", minorUnits };
  return (
    await shop.clients.products.createProduct({ sku: randomUUID(), name: "Mug", price, stock })
  ).id;
}

const stockOf = async (id: string) => (await shop.clients.products.getProduct({ id })).stock;

async function outcome(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("placing an order", () => {
  it("checks user and products, takes stock and records the priced order", async () => {
    const userId = await customer();
    const mug = await product(10, 1_250n);
    const plate = await product(3, 800n);
    const order = await shop.clients.orders.createOrder({
      requestId: randomUUID(),
      userId,
      items: [
        { productId: mug, quantity: 2 },
        { productId: plate, quantity: 3 },
      ],
    });
    expect(order.status).toBe(OrderStatus.CONFIRMED);
    expect(order.total).toMatchObject({ currencyCode: "EUR", minorUnits: 4_900n });
    expect(order.items.map((item) => item.unitPrice?.minorUnits)).toEqual([1_250n, 800n]);
    expect([await stockOf(mug), await stockOf(plate)]).toEqual([8, 0]);

    expect(await shop.clients.orders.getOrder({ id: order.id })).toEqual(order);
    const listed = await shop.clients.orders.listOrders({ userId });
    expect(listed.orders.map((o) => o.id)).toEqual([order.id]);
  });

  it("is idempotent by request_id: a replay returns the same order and reserves nothing twice", async () => {
    const userId = await customer();
    const mug = await product(10);
    const request = { requestId: randomUUID(), userId, items: [{ productId: mug, quantity: 4 }] };
    const first = await shop.clients.orders.createOrder(request);
    const replay = await shop.clients.orders.createOrder(request);
    expect(replay).toEqual(first);
    expect(await stockOf(mug)).toBe(6);

    const changed = shop.clients.orders.createOrder({
      ...request,
      items: [{ productId: mug, quantity: 5 }],
    });
    expect(await outcome(changed)).toBe(Code.AlreadyExists);
    expect(await stockOf(mug)).toBe(6);
  });

  it("sells the last 5 items to exactly 5 of 20 concurrent orders", async () => {
    const userId = await customer();
    const mug = await product(5);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        outcome(
          shop.clients.orders.createOrder({
            requestId: randomUUID(),
            userId,
            items: [{ productId: mug, quantity: 1 }],
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(5);
    expect(outcomes.filter((o) => o === Code.FailedPrecondition)).toHaveLength(15);
    expect(await stockOf(mug)).toBe(0);
    const { orders } = await shop.clients.orders.listOrders({ userId });
    expect(orders.filter((o) => o.status === OrderStatus.CONFIRMED)).toHaveLength(5);
  });

  it("cancelling gives the stock back once, however often it is asked", async () => {
    const userId = await customer();
    const mug = await product(10);
    const order = await shop.clients.orders.createOrder({
      requestId: randomUUID(),
      userId,
      items: [{ productId: mug, quantity: 7 }],
    });
    expect(await stockOf(mug)).toBe(3);
    const cancels = await Promise.all(
      [1, 2, 3].map(() => shop.clients.orders.cancelOrder({ id: order.id })),
    );
    for (const cancelled of cancels) expect(cancelled.status).toBe(OrderStatus.CANCELLED);
    expect((await shop.clients.orders.cancelOrder({ id: order.id })).status).toBe(
      OrderStatus.CANCELLED,
    );
    expect(await stockOf(mug)).toBe(10);
  });

  it("keeps every order and stock level across a restart of all services", async () => {
    const userId = await customer();
    const mug = await product(10);
    const order = await shop.clients.orders.createOrder({
      requestId: randomUUID(),
      userId,
      items: [{ productId: mug, quantity: 1 }],
    });
    await shop.mesh.stopAll();
    for (const service of ["user", "product", "order"] as const) await shop.mesh.start(service);
    expect((await shop.clients.orders.getOrder({ id: order.id })).status).toBe(
      OrderStatus.CONFIRMED,
    );
    expect(await stockOf(mug)).toBe(9);
    expect((await shop.clients.users.getUser({ id: userId })).id).toBe(userId);
  });
});

describe("listing orders", () => {
  it("serves the largest possible page: 1000 orders of 100 items each, in pages under the limit", async () => {
    const userId = await customer();
    // Written straight into the orders database: placing 100,000 lines one order at a time
    // would take minutes. Every field at its largest: 128-character request ids, 100 items.
    const db = new pg.Client({ connectionString: shop.databases.order.url });
    await db.connect();
    try {
      await db.query(
        `WITH o AS (
           INSERT INTO orders (id, request_id, request_fingerprint, user_id, status, currency,
             total_minor_units)
           SELECT gen_random_uuid(), lpad(n::text, 128, 'r'), 'f', $1, 'confirmed', 'EUR',
             9223372036854775807
           FROM generate_series(1, 1000) AS n
           RETURNING id)
         INSERT INTO order_items (order_id, position, product_id, quantity, unit_price_minor_units)
         SELECT o.id, i, gen_random_uuid(), 1000000, 9223372036854775807
         FROM o, generate_series(1, 100) AS i`,
        [userId],
      );
    } finally {
      await db.end();
    }
    const seen = new Set<string>();
    const pageSizes: number[] = [];
    let pageToken = "";
    do {
      const response = await shop.clients.orders.listOrders({ userId, pageSize: 1000, pageToken });
      pageSizes.push(response.orders.length);
      for (const order of response.orders) {
        expect(order.items).toHaveLength(100);
        seen.add(order.id);
      }
      pageToken = response.nextPageToken;
    } while (pageToken !== "");
    expect(seen.size).toBe(1000);
    // About 6 MB in all: more than one 4 MiB message can hold, so more than one page.
    expect(pageSizes.length).toBeGreaterThan(1);
  });
});
