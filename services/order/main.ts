import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { createServiceClient, grpcTarget, implement, integer, runService } from "../kit/index.js";
import { orderHandlers } from "./handlers.js";
import { migrations } from "./migrations.js";
import { OrderStore } from "./order-store.js";
import { OrderPlacement } from "./place-order.js";
import { startReconciler } from "./reconciler.js";

await runService({
  name: "order",
  defaultPort: 50053,
  migrations,
  settings: {
    userServiceTarget: {
      env: "USER_SERVICE_TARGET",
      parse: grpcTarget,
      default: "localhost:50051",
    },
    productServiceTarget: {
      env: "PRODUCT_SERVICE_TARGET",
      parse: grpcTarget,
      default: "localhost:50052",
    },
    downstreamTimeoutMs: { env: "DOWNSTREAM_TIMEOUT_MS", parse: integer(1), default: 3_000 },
    reconcileIntervalMs: { env: "RECONCILE_INTERVAL_MS", parse: integer(100), default: 30_000 },
    pendingOrderTimeoutMs: {
      env: "PENDING_ORDER_TIMEOUT_MS",
      parse: integer(1_000),
      default: 60_000,
    },
  },
  start: ({ config, pool, logger }) => {
    const users = createServiceClient(UserService, {
      dependency: "user service",
      target: config.userServiceTarget,
      timeoutMs: config.downstreamTimeoutMs,
    });
    const products = createServiceClient(ProductService, {
      dependency: "product service",
      target: config.productServiceTarget,
      timeoutMs: config.downstreamTimeoutMs,
    });
    const store = new OrderStore(pool);
    const placement = new OrderPlacement(store, { users, products }, logger);
    const reconciler = startReconciler(store, placement, logger, {
      intervalMs: config.reconcileIntervalMs,
      pendingTimeoutMs: config.pendingOrderTimeoutMs,
    });
    return {
      implementations: [
        implement(OrderService, orderHandlers(store, placement, { users, products })),
      ],
      stop: async () => {
        await reconciler.stop();
        users.close();
        products.close();
      },
    };
  },
});
