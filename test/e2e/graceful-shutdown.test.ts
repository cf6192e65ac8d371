import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../services/gen/grpc/health/v1/health_pb.js";
import {
  OrderService,
  OrderStatus,
} from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { createServiceClient, Status } from "../../services/kit/index.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

let shop: TestMesh;
beforeAll(async () => {
  shop = await startTestMesh("shutdown", {
    serviceEnv: { order: { RECONCILE_INTERVAL_MS: "500", PENDING_ORDER_TIMEOUT_MS: "1000" } },
  });
});
afterAll(() => shop.close());

describe("graceful shutdown on SIGTERM", () => {
  it("turns health NOT_SERVING for watchers, then exits 0", async () => {
    const health = createClient(
      Health,
      createGrpcTransport({ baseUrl: `http://${shop.mesh.addresses.user}` }),
    );
    const seen: ServingStatus[] = [];
    let stopped: Promise<number | null> = Promise.resolve(null);
    const watching = (async () => {
      for await (const update of health.watch({ service: "shopmesh.user.v1.UserService" })) {
        seen.push(update.status);
        if (update.status === ServingStatus.SERVING) stopped = shop.mesh.stop("user");
      }
    })();
    await watching;
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    expect(await stopped).toBe(0);
    await shop.mesh.start("user");
  });

  it("finishes or cleanly refuses calls in flight, losing no order and no stock", async () => {
    const { users, products, orders } = shop.clients;
    const userId = (await users.createUser({ email: "s@example.com", displayName: "S" })).id;
    const initialStock = 1_000;
    const price = { currencyCode: "EUR", minorUnits: 100n };
    const productId = (
      await products.createProduct({ sku: "S-1", name: "S", price, stock: initialStock })
    ).id;

    // grpc-js, like the services' own clients: it reports a refused stream as UNAVAILABLE.
    const orderClient = createServiceClient(OrderService, {
      dependency: "order service",
      target: shop.mesh.addresses.order,
      timeoutMs: 10_000,
    });
    const settled = Promise.allSettled(
      Array.from({ length: 40 }, (_, index) =>
        new Promise((resolve) => setTimeout(resolve, index * 5)).then(() =>
          orderClient.createOrder({
            requestId: randomUUID(),
            userId,
            items: [{ productId, quantity: 1 }],
          }),
        ),
      ),
    );
    const exitCode = await new Promise((resolve) => setTimeout(resolve, 60)).then(() =>
      shop.mesh.stop("order"),
    );
    const outcomes = await settled;
    orderClient.close();
    expect(exitCode).toBe(0);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        // Refused at the door, never half-done: the caller may simply retry.
        expect(outcome.reason).toMatchObject({ code: Status.UNAVAILABLE });
      }
    }
    const accepted = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    expect(accepted).toBeGreaterThan(0);

    await shop.mesh.start("order");
    const { orders: placed } = await orders.listOrders({ userId, pageSize: 1000 });
    const confirmed = placed.filter((order) => order.status === OrderStatus.CONFIRMED);
    expect(confirmed.length).toBeGreaterThanOrEqual(accepted);
    // Every unit that left stock belongs to a confirmed order, once any interrupted placement
    // has been reconciled.
    for (let attempt = 0; attempt < 50; attempt++) {
      const { stock } = await products.getProduct({ id: productId });
      const { orders: now } = await orders.listOrders({ userId, pageSize: 1000 });
      const sold = now.filter((order) => order.status === OrderStatus.CONFIRMED).length;
      if (stock + sold === initialStock && now.every((o) => o.status !== OrderStatus.PENDING))
        return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error("stock and confirmed orders never matched");
  });
});
