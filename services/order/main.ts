import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { grpcTarget, implement, integer, runService, spiffeIdSetting } from "../kit/index.js";
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
    // The SPIFFE IDs the user and product servers must present (required with mTLS).
    userServiceIdentity: {
      env: "USER_SERVICE_IDENTITY",
      parse: spiffeIdSetting,
      default: undefined,
    },
    productServiceIdentity: {
      env: "PRODUCT_SERVICE_IDENTITY",
      parse: spiffeIdSetting,
      default: undefined,
    },
    reconcileIntervalMs: { env: "RECONCILE_INTERVAL_MS", parse: integer(100), default: 30_000 },
    pendingOrderTimeoutMs: {
      env: "PENDING_ORDER_TIMEOUT_MS",
      parse: integer(1_000),
      default: 60_000,
    },
  },
  start: ({ config, pool, logger, downstream }) => {
    // Reads are safe to retry; ReserveStock and ReleaseStock are keyed by order id, so a repeat
    // changes nothing. Nothing else the order service calls may be sent twice.
    const users = downstream.connect(UserService, {
      dependency: "user service",
      target: config.userServiceTarget,
      identity: config.userServiceIdentity,
      methods: { getUser: { idempotent: true } },
    });
    const products = downstream.connect(ProductService, {
      dependency: "product service",
      target: config.productServiceTarget,
      identity: config.productServiceIdentity,
      methods: {
        batchGetProducts: { idempotent: true },
        reserveStock: { idempotent: true },
        releaseStock: { idempotent: true },
      },
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
      stop: () => reconciler.stop(),
    };
  },
});
