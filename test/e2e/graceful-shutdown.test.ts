import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
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
import { meshLogsWritten } from "../support/logs.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

let shop: TestMesh;
/** How long ReserveStock holds each placement in the in-flight test. */
const reserveDelayMs = 3_000;
const inFlightCalls = 8;
const faultLine = '"msg":"fault injected"';
beforeAll(async () => {
  shop = await startTestMesh("shutdown", {
    serviceEnv: {
      order: {
        // Longer than ReserveStock's injected delay below, shorter than the drain grace (5 s);
        // the reconciler must not take the held placements for abandoned ones either.
        DOWNSTREAM_TIMEOUT_MS: "4500",
        PENDING_ORDER_TIMEOUT_MS: "10000",
      },
    },
  });
});
afterAll(() => shop.close());

describe("graceful shutdown on SIGTERM", () => {
  it("turns health NOT_SERVING for watchers, then exits 0", async () => {
    const health = createClient(Health, shop.transport("user"));
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

  it("finishes the calls in flight and refuses new ones, losing no order and no stock", async () => {
    const { users, products, orders } = shop.clients;
    const userId = (await users.createUser({ email: "s@example.com", displayName: "S" })).id;
    const initialStock = 1_000;
    const price = { currencyCode: "EUR", minorUnits: 100n };
    const productId = (
      await products.createProduct({ sku: "S-1", name: "S", price, stock: initialStock })
    ).id;
    // Every placement stops in ReserveStock for a while: a known step at which calls are in
    // flight in the order service (the delay is shorter than its drain grace).
    await shop.mesh.stop("product");
    await shop.mesh.start("product", {
      FAULT_INJECTION: JSON.stringify([{ method: "ReserveStock", delayMs: reserveDelayMs }]),
    });

    // grpc-js, like the services' own clients: it reports a refused stream as UNAVAILABLE.
    const orderClient = createServiceClient(OrderService, {
      dependency: "order service",
      ...shop.dial("order"),
      timeoutMs: 15_000,
    });
    const place = () =>
      orderClient.createOrder({
        requestId: randomUUID(),
        userId,
        items: [{ productId, quantity: 1 }],
      });
    // One order first: the order service has reconnected to the restarted product service.
    expect((await place()).status).toBe(OrderStatus.CONFIRMED);
    await meshLogsWritten(shop, ["product"]);
    const held = () =>
      shop.output.filter((line) => line.startsWith("product: ") && line.includes(faultLine)).length;
    const heldBefore = held();

    let ended = 0;
    const inFlight = Array.from({ length: inFlightCalls }, () =>
      place().finally(() => {
        ended += 1;
      }),
    );
    const finishing = Promise.allSettled(inFlight);
    // Observed, not timed: every call has reached ReserveStock, so all are in flight.
    await expect.poll(() => held() - heldBefore, { timeout: 10_000 }).toBe(inFlightCalls);
    expect(ended).toBe(0);

    const health = createClient(Health, shop.transport("order"));
    const statuses = health.watch({ service: "" })[Symbol.asyncIterator]();
    expect((await statuses.next()).value?.status).toBe(ServingStatus.SERVING);
    const exited = shop.mesh.stop("order");
    // The drain has begun once the watch reports NOT_SERVING: new calls are refused from then on.
    expect((await statuses.next()).value?.status).toBe(ServingStatus.NOT_SERVING);
    const refused = await Promise.allSettled(Array.from({ length: 4 }, place));
    expect(ended).toBe(0); // the refusals did not wait for the calls in flight
    const finished = await finishing;
    orderClient.close();
    expect(await exited).toBe(0);

    expect(finished.map((outcome) => outcome.status)).toEqual(
      Array(inFlightCalls).fill("fulfilled"),
    );
    for (const outcome of finished) {
      if (outcome.status === "fulfilled") expect(outcome.value.status).toBe(OrderStatus.CONFIRMED);
    }
    // Refused at the door, never half-done: the caller may simply retry.
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ status: "rejected", reason: { code: Status.UNAVAILABLE } });
    }

    await shop.mesh.start("order");
    // Exactly the calls in flight were placed, and nothing else moved stock.
    const { orders: placed } = await orders.listOrders({ userId, pageSize: 1000 });
    expect(placed.map((order) => order.status)).toEqual(
      Array(1 + inFlightCalls).fill(OrderStatus.CONFIRMED),
    );
    expect((await products.getProduct({ id: productId })).stock).toBe(
      initialStock - 1 - inFlightCalls,
    );
  }, 60_000); // two service restarts, seconds each on a busy machine
});
