import { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { implement, runService } from "../kit/index.js";
import { productHandlers } from "./handlers.js";
import { migrations } from "./migrations.js";
import { ProductStore } from "./product-store.js";
import { StockStore } from "./stock-store.js";

await runService({
  name: "product",
  defaultPort: 50052,
  migrations,
  settings: {},
  start: ({ pool }) => ({
    implementations: [
      implement(ProductService, productHandlers(new ProductStore(pool), new StockStore(pool))),
    ],
  }),
});
