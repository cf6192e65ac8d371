import { OrderService } from "../gen/shopmesh/order/v1/order_service_pb.js";
import { grpcTarget, implement, integer, runService, spiffeIdSetting } from "../kit/index.js";
import { pageTokenSettings, pageTokensFor } from "../kit/listing/index.js";
import { OrderCancellation } from "./cancel-order.js";
import { connectDependencies } from "./dependencies.js";
import { orderHandlers } from "./handlers.js";
import { migrations } from "./migrations.js";
import { OrderStore } from "./order-store.js";
import { outboxSettings, startOutbox } from "./outbox/index.js";
import { OrderPlacement } from "./place-order.js";
import { orderRepair, startReconciler } from "./reconciler.js";

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
    reconcileLeaseMs: { env: "RECONCILE_LEASE_MS", parse: integer(1_000), default: 60_000 },
    ...outboxSettings,
    ...pageTokenSettings,
  },
  start: ({ config, pool, logger, downstream, reportComponent }) => {
    const dependencies = connectDependencies(downstream, config);
    const store = new OrderStore(pool);
    const placement = new OrderPlacement(store, dependencies, logger);
    const cancellation = new OrderCancellation(store, dependencies.reservations);
    const reconciler = startReconciler(store, orderRepair(placement, cancellation), logger, {
      intervalMs: config.reconcileIntervalMs,
      stalledMs: config.pendingOrderTimeoutMs,
      leaseMs: config.reconcileLeaseMs,
    });
    const stopOutbox = startOutbox(config, pool, logger, reportComponent);
    const pageTokens = pageTokensFor(config.pageTokenKey, "shopmesh.order.v1.ListOrders", logger);
    return {
      implementations: [
        implement(OrderService, orderHandlers(store, placement, cancellation, pageTokens)),
      ],
      stop: async () => {
        await reconciler.stop();
        await stopOutbox();
      },
    };
  },
});
