import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AdminService,
  CircuitBreakerState,
} from "../../services/gen/shopmesh/admin/v1/admin_service_pb.js";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { wireDetails } from "../support/error-details.js";
import { meshLogsWritten } from "../support/logs.js";
import { startTestMesh, type TestMesh } from "../support/test-mesh.js";

// Failures rehearsed with real processes: a killed, a slow, a flaky and an overloaded product
// service. Breakers and timeouts are shortened so that each scenario takes seconds.
const downstreamTimeoutMs = 1_000;
const callerDeadlineMs = 5_000;
// Scenarios that restart services: far more than vitest's default on a busy machine.
const restartingTestTimeoutMs = 120_000;
// Long enough that only the kill, never a deadline, ends a held call.
const heldCallMs = 60_000;
let shop: TestMesh;
let userId: string;
const initialStock = new Map<string, number>();

beforeAll(async () => {
  shop = await startTestMesh("resilience", {
    serviceEnv: {
      order: {
        DOWNSTREAM_TIMEOUT_MS: String(downstreamTimeoutMs),
        BREAKER_VOLUME_THRESHOLD: "3",
        BREAKER_RESET_TIMEOUT_MS: "1000",
        RECONCILE_INTERVAL_MS: "300",
        // The scenarios run back to back: a budget of 10 tokens, spent by the outage scenario,
        // would keep retries off for the next ones until ~50 successes refilled it.
        RETRY_BUDGET_TOKENS: "100",
        PENDING_ORDER_TIMEOUT_MS: "2000",
      },
    },
  });
  userId = (await shop.clients.users.createUser({ email: "r@example.com", displayName: "R" })).id;
});
afterAll(() => shop.close());

// After every scenario: every unit that left stock belongs to a confirmed order, and nothing is
// left pending (the reconciler finishes interrupted placements).
afterEach(async () => {
  await expect.poll(stockLedgerBalances, { timeout: 15_000, interval: 250 }).toBe(true);
});

async function stockLedgerBalances(): Promise<boolean> {
  const { orders } = await shop.clients.orders.listOrders({ pageSize: 1000 });
  if (orders.some((order) => order.status === OrderStatus.PENDING)) return false;
  for (const [productId, initial] of initialStock) {
    const { stock } = await shop.clients.products.getProduct({ id: productId });
    const sold = orders
      .filter((order) => order.status === OrderStatus.CONFIRMED)
      .flatMap((order) => order.items)
      .filter((item) => item.productId === productId)
      .reduce((sum, item) => sum + item.quantity, 0);
    if (stock + sold !== initial) return false;
  }
  return true;
}

async function product(stock = 100): Promise<string> {
  const price = { currencyCode: "EUR", minorUnits: 500n };
  const { id } = await shop.clients.products.createProduct({
    sku: randomUUID(),
    name: "P",
    price,
    stock,
  });
  initialStock.set(id, stock);
  return id;
}

function order(productId: string, requestId: string = randomUUID(), timeoutMs = callerDeadlineMs) {
  return shop.clients.orders.createOrder(
    { requestId, userId, items: [{ productId, quantity: 1 }] },
    { timeoutMs },
  );
}

async function timed<T>(call: Promise<T>) {
  const started = performance.now();
  try {
    return { value: await call, ms: performance.now() - started };
  } catch (error) {
    return { error: ConnectError.from(error), ms: performance.now() - started };
  }
}

const admin = () => createClient(AdminService, shop.transport("order"));

async function breakerState(method: string) {
  const { circuitBreakers } = await admin().listCircuitBreakers({});
  return circuitBreakers.find((b) => b.dependency === "product service" && b.method === method)
    ?.state;
}

/** Restarts the product service with extra settings (none: back to normal). */
async function restartProduct(env: Record<string, string> = {}) {
  await shop.mesh.stop("product");
  await shop.mesh.start("product", env);
}

/**
 * Waits until the order service reaches the product service again (its channel reconnects with a
 * short backoff) by replaying one warm-up order, safely, under the same request_id.
 */
async function waitUntilOrdersFlow() {
  warmUpProduct ??= await product(1_000);
  const warmUp = warmUpProduct;
  await expect
    .poll(async () => (await timed(order(warmUp, "warm-up"))).value?.status, { timeout: 15_000 })
    .toBe(OrderStatus.CONFIRMED);
}
let warmUpProduct: string | undefined;

/**
 * Waits until the order service reaches the product service again, without reserving anything:
 * an order of an unknown product is answered NOT_FOUND only by a product service that answered.
 */
async function waitUntilProductsReachable() {
  await expect
    .poll(async () => (await timed(order(randomUUID()))).error?.code, { timeout: 15_000 })
    .toBe(Code.NotFound);
}

describe("when the product service dies and comes back", () => {
  it("fails orders fast once the breaker opens, writes nothing, and recovers by itself", async () => {
    const id = await product();
    await shop.mesh.stop("product", "SIGKILL");
    let message = "";
    for (let attempt = 0; attempt < 20 && !message.includes("circuit breaker"); attempt++) {
      const { error } = await timed(order(id));
      expect(error?.code).toBe(Code.Unavailable);
      message = error?.rawMessage ?? "";
    }
    expect(message).toBe(
      "product service unavailable: circuit breaker for BatchGetProducts is open, failing fast",
    );
    const { error, ms } = await timed(order(id));
    expect(error?.code).toBe(Code.Unavailable);
    expect(ms).toBeLessThan(callerDeadlineMs / 5);
    // A client in any language backs off until the probe (the reset timeout is 1 s here).
    const details = wireDetails(error as ConnectError);
    expect(details).toMatchObject({
      reason: "BREAKER_OPEN",
      metadata: { dependency: "product service", method: "BatchGetProducts" },
    });
    expect(details.retryDelayMs).toBeGreaterThan(0);
    expect(details.retryDelayMs).toBeLessThanOrEqual(1000);
    expect(await breakerState("BatchGetProducts")).toBe(CircuitBreakerState.OPEN);
    const { orders } = await shop.clients.orders.listOrders({ userId });
    expect(orders).toEqual([]);

    // Back: the breaker half-opens, probes and closes by itself; no restart of the order service.
    await shop.mesh.start("product");
    const requestId = randomUUID(); // the same request each time: retrying it is safe
    await expect
      .poll(async () => (await timed(order(id, requestId))).value?.status, { timeout: 15_000 })
      .toBe(OrderStatus.CONFIRMED);
    expect(await breakerState("BatchGetProducts")).toBe(CircuitBreakerState.CLOSED);
    expect((await shop.clients.products.getProduct({ id })).stock).toBe(99);
  });
});

describe("when the product service is slow", () => {
  it("answers within the caller's deadline and gives back any reservation", async () => {
    await restartProduct({
      FAULT_INJECTION: JSON.stringify([
        { method: "ReserveStock", delayMs: 3 * downstreamTimeoutMs },
      ]),
    });
    const id = await product(10);
    await waitUntilProductsReachable();
    const { error, ms } = await timed(order(id));
    // The README's table: a dependency that did not answer within the deadline.
    expect(error?.code).toBe(Code.DeadlineExceeded);
    expect(ms).toBeLessThan(callerDeadlineMs);
    await restartProduct();
  });
});

describe("when the product service fails now and then", () => {
  it("retries the reads, and every order goes through", async () => {
    await restartProduct({
      FAULT_INJECTION: JSON.stringify([
        { method: "BatchGetProducts", abortPercent: 50, abortCode: "UNAVAILABLE" },
      ]),
    });
    const id = await product(10);
    await waitUntilOrdersFlow();
    const injected = () => shop.output.filter((line) => line.includes('"msg":"fault injected"'));
    const retries = () => shop.output.filter((line) => line.includes('"msg":"retrying"'));
    // Count from and to points where both processes have written all they logged (the warm-up's
    // faults and retries included), not after a guessed wait.
    await meshLogsWritten(shop, ["product", "order"]);
    const [faultsBefore, retriesBefore] = [injected().length, retries().length];
    for (let n = 0; n < 4; n++) expect((await order(id)).status).toBe(OrderStatus.CONFIRMED);
    await meshLogsWritten(shop, ["product", "order"]);
    // Every other attempt failed (3 or 4 of them, depending on where the count stood), and each
    // failure was retried.
    const failed = injected().length - faultsBefore;
    expect([3, 4]).toContain(failed);
    expect(retries().length - retriesBefore).toBe(failed);
    expect((await shop.clients.products.getProduct({ id })).stock).toBe(6);
    await restartProduct();
  });

  it(
    "never resends CreateOrder by itself; replaying its request_id is safe",
    async () => {
      const { id, requestId } = await killOrderServiceHolding(
        "ReserveStock",
        async () => {
          const id = await product(10);
          const requestId = randomUUID();
          return { id, requestId, call: order(id, requestId, heldCallMs) };
        },
        // Killed after the pending order was recorded, before its reservation was answered.
        async ({ requestId }) => expect(await ordersOf(requestId)).toEqual(["pending"]),
      );
      const createOrdersBefore = createOrderCalls();
      const replayed = await order(id, requestId);
      const again = await order(id, requestId);
      expect(again.id).toBe(replayed.id);
      expect(replayed.status).toBe(OrderStatus.CONFIRMED);
      expect((await shop.clients.products.getProduct({ id })).stock).toBe(9);
      // The restarted order service served exactly the two calls this test sent: nothing in the
      // mesh resent the interrupted CreateOrder.
      await meshLogsWritten(shop, ["order"]);
      expect(createOrderCalls() - createOrdersBefore).toBe(2);
    },
    restartingTestTimeoutMs,
  );

  it(
    "finishes a cancellation whose order service died mid-way",
    async () => {
      const id = await product(10);
      const placed = await order(id);
      const { orderId } = await killOrderServiceHolding(
        "ReleaseStock",
        async () => ({
          orderId: placed.id,
          call: shop.clients.orders.cancelOrder({ id: placed.id }, { timeoutMs: heldCallMs }),
        }),
        // Killed after the intent was recorded, before the stock release was answered.
        async ({ orderId }) => expect(await statusInDatabase(orderId)).toBe("cancelling"),
      );
      await expect
        .poll(async () => (await shop.clients.orders.getOrder({ id: orderId })).status, {
          timeout: 15_000,
        })
        .toBe(OrderStatus.CANCELLED);
      expect((await shop.clients.products.getProduct({ id })).stock).toBe(10);
    },
    restartingTestTimeoutMs,
  );
});

/**
 * Makes the product service hold every call of `method`, starts the order service with
 * deadlines longer than the hold, runs `begin` (whose call reaches `method`), waits until the
 * product service holds that call (a known step, not a guess), checks `atKill` there, then
 * SIGKILLs the order service. Afterwards both run normally again. Returns what `begin` returned.
 */
async function killOrderServiceHolding<T extends { call: Promise<unknown> }>(
  method: string,
  begin: () => Promise<T>,
  atKill: (started: T) => Promise<void>,
): Promise<T> {
  await restartProduct({ FAULT_INJECTION: JSON.stringify([{ method, delayMs: heldCallMs }]) });
  await shop.mesh.stop("order");
  await shop.mesh.start("order", { DOWNSTREAM_TIMEOUT_MS: String(heldCallMs) });
  const held = () =>
    shop.output.filter(
      (line) =>
        line.startsWith("product: ") &&
        line.includes('"msg":"fault injected"') &&
        line.includes(`"method":"${method}"`),
    ).length;
  const heldBefore = held();
  const started = await begin();
  const outcome = timed(started.call);
  await expect.poll(held, { timeout: 15_000, interval: 50 }).toBe(heldBefore + 1);
  try {
    await atKill(started);
  } finally {
    await shop.mesh.stop("order", "SIGKILL");
  }
  try {
    // The stream dies with the process: the client's runtime reports that as CANCELLED (the
    // stream was reset) or UNAVAILABLE (the connection was), never as an answer.
    expect([Code.Canceled, Code.Unavailable]).toContain((await outcome).error?.code);
  } finally {
    await restartProduct();
    await shop.mesh.start("order");
  }
  return started;
}

/** CreateOrder calls the order service has logged as served. */
function createOrderCalls(): number {
  return shop.output.filter(
    (line) =>
      line.startsWith("order: ") && line.includes('"msg":"rpc') && line.includes("/CreateOrder"),
  ).length;
}

async function inOrdersDatabase<T>(sql: string, params: unknown[]): Promise<T[]> {
  const db = new pg.Client({ connectionString: shop.databases.order.url });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

/** Statuses of this test user's orders with this request_id, as stored. */
async function ordersOf(requestId: string): Promise<string[]> {
  const rows = await inOrdersDatabase<{ status: string }>(
    "SELECT status FROM orders WHERE user_id = $1 AND request_id = $2",
    [userId, requestId],
  );
  return rows.map((row) => row.status);
}

async function statusInDatabase(orderId: string): Promise<string | undefined> {
  const rows = await inOrdersDatabase<{ status: string }>(
    "SELECT status FROM orders WHERE id = $1",
    [orderId],
  );
  return rows[0]?.status;
}

describe("when a server is overloaded", () => {
  it(
    "sheds calls beyond its in-flight cap with RESOURCE_EXHAUSTED and loses none it accepted",
    async () => {
      await restartProduct({
        FAULT_INJECTION: JSON.stringify([{ method: "ReserveStock", delayMs: 300 }]),
      });
      await shop.mesh.stop("order");
      await shop.mesh.start("order", { MAX_IN_FLIGHT: "3" });
      const id = await product(50);
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => timed(order(id))));
      const accepted = outcomes.filter((outcome) => outcome.value).length;
      const shed = outcomes.filter((outcome) => outcome.error?.code === Code.ResourceExhausted);
      expect(accepted + shed.length).toBe(12);
      expect(accepted).toBeGreaterThanOrEqual(3);
      expect(shed.length).toBeGreaterThan(0);
      expect(shed[0]?.error?.rawMessage).toMatch(/^server busy: 3 calls in flight \(limit 3\)/);
      expect(wireDetails(shed[0]?.error as ConnectError)).toMatchObject({
        reason: "OVERLOADED",
        metadata: { limit: "3" },
        retryDelayMs: 100,
      });
      expect((await shop.clients.products.getProduct({ id })).stock).toBe(50 - accepted);
      await shop.mesh.stop("order");
      await shop.mesh.start("order");
      await restartProduct();
    },
    restartingTestTimeoutMs,
  );
});
