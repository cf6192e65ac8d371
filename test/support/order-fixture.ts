import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { ReservationService } from "../../services/gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { ProductService } from "../../services/gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../../services/gen/shopmesh/user/v1/user_service_pb.js";
import {
  type CallContext,
  createLogger,
  createPool,
  createServiceClient,
  Downstream,
  implement,
  migrate,
  type Pool,
  readConfig,
  type ServiceClient,
} from "../../services/kit/index.js";
import { commonSettings } from "../../services/kit/service-config.js";
import { connectDependencies } from "../../services/order/dependencies.js";
import { migrations } from "../../services/order/migrations.js";
import { OrderStore } from "../../services/order/order-store.js";
import type { OrderDependencies } from "../../services/order/place-order.js";
import { productHandlers } from "../../services/product/handlers.js";
import { migrations as productMigrations } from "../../services/product/migrations.js";
import { ProductStore } from "../../services/product/product-store.js";
import { reservationHandlers } from "../../services/product/reservation-handlers.js";
import { StockAdjustments } from "../../services/product/stock-adjustments.js";
import { StockStore } from "../../services/product/stock-store.js";
import { userHandlers } from "../../services/user/handlers.js";
import { migrations as userMigrations } from "../../services/user/migrations.js";
import { UserStore } from "../../services/user/store.js";
import { createTestDatabase, migratedPool } from "./database.js";
import { serveInProcess } from "./in-process-server.js";

/** A call context with no deadline, as a handler gets it from a patient caller. */
export const testContext: CallContext = {
  method: "/test",
  metadata: undefined as never,
  deadline: Number.POSITIVE_INFINITY,
  signal: new AbortController().signal,
};

/** A logger that writes nothing. */
export const quietLogger = createLogger("test", "silent");

/**
 * What the order service's tests run against: real user and product services (in this process,
 * over loopback gRPC) and real databases, called through the production client layer (the kit's
 * Downstream: deadlines, retries within a budget, breakers) as the service's main wires it.
 */
export interface OrderFixture {
  readonly orderPool: Pool;
  readonly store: OrderStore;
  /** The order service's own clients, exactly as in production. */
  readonly dependencies: OrderDependencies;
  /** Plain clients for setting up and inspecting (CreateProduct, GetProduct, …). */
  readonly users: ServiceClient<typeof UserService>;
  readonly products: ServiceClient<typeof ProductService>;
  /**
   * Makes the product service answer its next `count` calls of `method` (as in the proto:
   * "BatchGetProducts") with `error` instead of handling them.
   */
  failNext(method: string, error: Error, count?: number): void;
  /** A second pool on the orders database, as another replica would have. */
  openOrderPool(): Pool;
  /** A new product with this stock. */
  product(stock: number, currencyCode?: string, minorUnits?: bigint): Promise<string>;
  stockOf(productId: string): Promise<number>;
  /** A new user's id. */
  user(): Promise<string>;
  close(): Promise<void>;
}

/** Starts the fixture; `env` overrides the common settings the Downstream reads. */
export async function orderFixture(
  label: string,
  env: Record<string, string> = {},
): Promise<OrderFixture> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const userDb = await migratedPool(`${label}_users`, userMigrations);
  const productDb = await migratedPool(`${label}_products`, productMigrations);
  const orderDb = await createTestDatabase(`${label}_orders`);
  const pools: Pool[] = [];
  const openOrderPool = () => {
    const pool = createPool({ url: orderDb.url, max: 10, applicationName: `test-${label}` });
    pools.push(pool);
    return pool;
  };
  const orderPool = openOrderPool();
  await migrate(orderPool, migrations, createLogger("test", "silent"));
  const failures = new Map<string, { error: Error; left: number }>();
  const stock = new StockStore(productDb.pool);
  // Each handler first checks whether the test asked it to fail.
  const faulty = <H extends object>(handlers: H): H =>
    Object.fromEntries(
      Object.entries(handlers).map(([name, handler]) => [
        name,
        (...args: unknown[]) => {
          const failure = failures.get(name.charAt(0).toUpperCase() + name.slice(1));
          if (failure && failure.left-- > 0) throw failure.error;
          return (handler as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as H;
  const server = await serveInProcess([
    implement(UserService, userHandlers(new UserStore(userDb.pool))),
    implement(
      ProductService,
      faulty(
        productHandlers(
          new ProductStore(productDb.pool),
          stock,
          new StockAdjustments(productDb.pool),
        ),
      ),
    ),
    implement(ReservationService, faulty(reservationHandlers(stock))),
  ]);
  const config = readConfig(commonSettings(0), {
    DATABASE_URL: orderDb.url,
    RETRY_INITIAL_BACKOFF_MS: "5",
    RETRY_MAX_BACKOFF_MS: "20",
    ...env,
  });
  // The in-process servers are plaintext: the order service's clients here are too.
  const downstream = new Downstream(config, createLogger("test", "silent"), {
    channelCredentials: () => grpc.credentials.createInsecure(),
    clientTls: () => undefined,
  });
  const dependencies = connectDependencies(downstream, {
    userServiceTarget: server.address,
    productServiceTarget: server.address,
    userServiceIdentity: undefined,
    productServiceIdentity: undefined,
  });
  const plain = { target: server.address, timeoutMs: 5_000 };
  const users = createServiceClient(UserService, { ...plain, dependency: "user service" });
  const products = createServiceClient(ProductService, { ...plain, dependency: "product service" });
  cleanups.push(
    () => downstream.close(),
    () => users.close(),
    () => products.close(),
    server.stop,
    async () => {
      for (const pool of pools) await pool.end();
    },
    orderDb.drop,
    userDb.close,
    productDb.close,
  );
  return {
    orderPool,
    store: new OrderStore(orderPool),
    dependencies,
    users,
    products,
    openOrderPool,
    failNext: (method, error, count = 1) => failures.set(method, { error, left: count }),
    product: async (stock, currencyCode = "EUR", minorUnits = 250n) => {
      const price = { currencyCode, minorUnits };
      return (await products.createProduct({ sku: randomUUID(), name: "Widget", price, stock })).id;
    },
    stockOf: async (id) => (await products.getProduct({ id })).stock,
    user: async () =>
      (await users.createUser({ email: `${randomUUID()}@example.com`, displayName: "Buyer" })).id,
    close: async () => {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}
