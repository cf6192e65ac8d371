import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { AdminService } from "../../services/gen/shopmesh/admin/v1/admin_service_pb.js";
import { OrderStatus } from "../../services/gen/shopmesh/order/v1/order_service_pb.js";
import { startTestMesh, type TestMesh } from "./test-mesh.js";

// The resilience scenarios' shared mesh: breakers and timeouts shortened so that each scenario
// takes seconds, and after every scenario the stock ledger checked.

/** The order service's deadline for each call to a dependency. */
export const downstreamTimeoutMs = 1_000;
/** The test's own deadline for an order. */
export const callerDeadlineMs = 5_000;
/** Scenarios that restart services: far more than vitest's default on a busy machine. */
export const restartingTestTimeoutMs = 120_000;
/** Long enough that only the kill, never a deadline, ends a held call. */
export const heldCallMs = 60_000;

/** The outcome of a call, and how long it took; never throws. */
export async function timed<T>(call: Promise<T>) {
  const started = performance.now();
  try {
    return { value: await call, ms: performance.now() - started };
  } catch (error) {
    return { error: ConnectError.from(error), ms: performance.now() - started };
  }
}

/** A mesh for failure scenarios, and what they do to it. */
export interface ResilienceShop {
  readonly testMesh: TestMesh;
  /** The test user every order is placed for. */
  readonly userId: string;
  /** A new product with `stock`, watched by the ledger check. */
  product(stock?: number): Promise<string>;
  /** CreateOrder of one unit of `productId`. */
  order(
    productId: string,
    requestId?: string,
    timeoutMs?: number,
  ): ReturnType<TestMesh["clients"]["orders"]["createOrder"]>;
  /** The state of the order service's breaker for the product service's `method`. */
  breakerState(method: string): Promise<number | undefined>;
  /** Restarts the product service with extra settings (none: back to normal). */
  restartProduct(env?: Record<string, string>): Promise<void>;
  /** Waits until a warm-up order (replayed safely under one request_id) is confirmed. */
  waitUntilOrdersFlow(): Promise<void>;
  /** Waits until an order of an unknown product is answered NOT_FOUND (nothing reserved). */
  waitUntilProductsReachable(): Promise<void>;
}

/**
 * Starts the mesh before the file's tests and stops it after; after every scenario, every unit
 * that left stock belongs to a confirmed order and nothing is left pending (the reconciler
 * finishes interrupted placements).
 */
export function useResilienceMesh(name: string): ResilienceShop {
  let mesh: TestMesh | undefined;
  let userId = "";
  let warmUpProduct: string | undefined;
  const initialStock = new Map<string, number>();
  const started = () => {
    if (!mesh) throw new Error("the resilience mesh is not started yet");
    return mesh;
  };

  beforeAll(async () => {
    mesh = await startTestMesh(name, {
      serviceEnv: {
        order: {
          DOWNSTREAM_TIMEOUT_MS: String(downstreamTimeoutMs),
          BREAKER_VOLUME_THRESHOLD: "3",
          BREAKER_RESET_TIMEOUT_MS: "1000",
          RECONCILE_INTERVAL_MS: "300",
          // The scenarios run back to back: a budget of 10 tokens, spent by an outage scenario,
          // would keep retries off for the next ones until ~50 successes refilled it.
          RETRY_BUDGET_TOKENS: "100",
          PENDING_ORDER_TIMEOUT_MS: "2000",
        },
      },
    });
    const user = { email: "r@example.com", displayName: "R" };
    userId = (await mesh.clients.users.createUser(user)).id;
  });
  afterAll(() => mesh?.close());

  const stockLedgerBalances = async (): Promise<boolean> => {
    const { clients } = started();
    const { orders } = await clients.orders.listOrders({ pageSize: 1000 });
    if (orders.some((order) => order.status === OrderStatus.PENDING)) return false;
    for (const [productId, initial] of initialStock) {
      const { stock } = await clients.products.getProduct({ id: productId });
      const sold = orders
        .filter((order) => order.status === OrderStatus.CONFIRMED)
        .flatMap((order) => order.items)
        .filter((item) => item.productId === productId)
        .reduce((sum, item) => sum + item.quantity, 0);
      if (stock + sold !== initial) return false;
    }
    return true;
  };
  afterEach(async () => {
    await expect.poll(stockLedgerBalances, { timeout: 15_000, interval: 250 }).toBe(true);
  });

  const shop: ResilienceShop = {
    get testMesh() {
      return started();
    },
    get userId() {
      return userId;
    },
    async product(stock = 100) {
      const price = { currencyCode: "EUR", minorUnits: 500n };
      const { id } = await started().clients.products.createProduct({
        sku: randomUUID(),
        name: "P",
        price,
        stock,
      });
      initialStock.set(id, stock);
      return id;
    },
    order(productId, requestId = randomUUID(), timeoutMs = callerDeadlineMs) {
      return started().clients.orders.createOrder(
        { requestId, userId, items: [{ productId, quantity: 1 }] },
        { timeoutMs },
      );
    },
    async breakerState(method) {
      const admin = createClient(AdminService, started().transport("order"));
      const { circuitBreakers } = await admin.listCircuitBreakers({});
      return circuitBreakers.find((b) => b.dependency === "product service" && b.method === method)
        ?.state;
    },
    async restartProduct(env = {}) {
      await started().mesh.stop("product");
      await started().mesh.start("product", env);
    },
    async waitUntilOrdersFlow() {
      warmUpProduct ??= await shop.product(1_000);
      const warmUp = warmUpProduct;
      await expect
        .poll(async () => (await timed(shop.order(warmUp, "warm-up"))).value?.status, {
          timeout: 15_000,
        })
        .toBe(OrderStatus.CONFIRMED);
    },
    async waitUntilProductsReachable() {
      await expect
        .poll(async () => (await timed(shop.order(randomUUID()))).error?.code, {
          timeout: 15_000,
        })
        .toBe(Code.NotFound);
    },
  };
  return shop;
}
