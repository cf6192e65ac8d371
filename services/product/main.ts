import { ReservationService } from "../gen/shopmesh/inventory/v1/reservation_service_pb.js";
import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { readCacheSettings, startReadCache } from "../kit/cache/index.js";
import { implement, integer, runService } from "../kit/index.js";
import { productHandlers } from "./handlers.js";
import { migrations } from "./migrations.js";
import { ProductStore } from "./product-store.js";
import { reservationHandlers } from "./reservation-handlers.js";
import { startReservationRetention } from "./reservation-retention.js";
import { StockAdjustments } from "./stock-adjustments.js";
import { StockStore } from "./stock-store.js";

const hour = 3_600_000;

await runService({
  name: "product",
  defaultPort: 50052,
  migrations,
  settings: {
    ...readCacheSettings,
    // At least an hour: a tombstone must outlive every retry of the reservation it refuses.
    reservationRetentionMs: {
      env: "RESERVATION_RETENTION_MS",
      parse: integer(hour),
      default: 7 * 24 * hour,
    },
    reservationCleanupIntervalMs: {
      env: "RESERVATION_CLEANUP_INTERVAL_MS",
      parse: integer(1_000),
      default: hour,
    },
  },
  start: ({ config, pool, logger }) => {
    const stock = new StockStore(pool);
    const reads = startReadCache("product", config, logger);
    const retention = startReservationRetention(stock, logger, {
      retentionMs: config.reservationRetentionMs,
      intervalMs: config.reservationCleanupIntervalMs,
    });
    return {
      implementations: [
        implement(
          ProductService,
          productHandlers(new ProductStore(pool, reads.cache), stock, new StockAdjustments(pool)),
        ),
        // Internal: only the order service's identity may call it (authorization policy).
        implement(ReservationService, reservationHandlers(stock)),
      ],
      stop: async () => {
        await retention.stop();
        await reads.close();
      },
    };
  },
});
