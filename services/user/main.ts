import { UserService } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { readCacheSettings, startReadCache } from "../kit/cache/index.js";
import { implement, runService } from "../kit/index.js";
import { PurchaseStore, purchaseConsumerSettings, startPurchaseConsumer } from "./events/index.js";
import { userHandlers } from "./handlers.js";
import { migrations } from "./migrations.js";
import { UserStore } from "./store.js";

await runService({
  name: "user",
  defaultPort: 50051,
  migrations,
  settings: { ...readCacheSettings, ...purchaseConsumerSettings },
  start: ({ config, pool, logger, reportComponent }) => {
    const reads = startReadCache("user", config, logger);
    const purchases = new PurchaseStore(pool);
    const stopConsumer = startPurchaseConsumer(config, purchases, logger, reportComponent);
    return {
      implementations: [
        implement(UserService, userHandlers(new UserStore(pool, reads.cache), purchases)),
      ],
      stop: async () => {
        await stopConsumer();
        await reads.close();
      },
    };
  },
});
