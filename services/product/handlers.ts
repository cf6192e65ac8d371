import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Money } from "../gen/shopmesh/common/v1/money_pb.js";
import type { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { requireAdminEndUser } from "../kit/end-user/index.js";
import {
  alreadyExists,
  canonicalId,
  page,
  pageRequest,
  type ServiceHandlers,
} from "../kit/index.js";
import { createKey, earlierCreate } from "../kit/writes/index.js";
import { productNotFound } from "./product-errors.js";
import { knownCurrencyPrice, toProduct } from "./product-fields.js";
import type { ProductStore } from "./product-store.js";
import { reservationRules } from "./reservation-handlers.js";
import type { StockAdjustments } from "./stock-adjustments.js";
import type { StockStore } from "./stock-store.js";
import { updateProduct } from "./update-product.js";

/**
 * The ProductService rules over its stores. The field rules (lengths, UUIDs, quantities) are the
 * proto's, checked before these run; here are the ones that need the stores or platform data.
 */
export function productHandlers(
  products: ProductStore,
  stock: StockStore,
  adjustments: StockAdjustments,
): ServiceHandlers<typeof ProductService> {
  const reservations = reservationRules(stock);
  return {
    // A request_id makes it idempotent: a retry returns the product the first call created.
    async createProduct(request, context) {
      requireAdminEndUser(context, "CreateProduct");
      const sku = request.sku.trim();
      const name = request.name.trim();
      // Required by the rules: the kit refused a request without it.
      const price = knownCurrencyPrice(request.price as Money);
      const key = createKey(context.endUser?.subject ?? "", request.requestId, [
        sku,
        name,
        price,
        request.stock,
      ]);
      const product = await products.insert({
        sku,
        name,
        priceCurrency: price.currencyCode,
        priceMinorUnits: price.minorUnits,
        stock: request.stock,
        key,
      });
      if (product) return toProduct(product);
      // Not inserted: a retry finds its first result; another request's key is refused.
      const first = await earlierCreate(key, "product", (k) => products.getByRequest(k));
      if (first) return toProduct(first);
      throw alreadyExists(`a product with sku ${sku} already exists`, {
        reason: "SKU_TAKEN",
        metadata: { sku },
      });
    },

    async updateProduct(request, context) {
      requireAdminEndUser(context, "UpdateProduct");
      return toProduct(await updateProduct(products, request));
    },

    async adjustStock(request, context) {
      requireAdminEndUser(context, "AdjustStock");
      // The rules checked the fields; the reason is kept as its words, without the padding.
      const done = await adjustments.adjust({
        productId: canonicalId(request.productId),
        delta: request.delta,
        reason: request.reason.trim(),
        requestId: request.requestId,
      });
      return {
        productId: done.productId,
        delta: done.delta,
        reason: done.reason,
        requestId: done.requestId,
        stock: done.stock,
        createTime: timestampFromDate(done.createTime),
      };
    },

    async getProduct(request) {
      const id = canonicalId(request.id);
      const [product] = await products.getMany([id]);
      if (!product) throw productNotFound(id);
      return toProduct(product);
    },

    async listProducts(request) {
      const pageReq = pageRequest(request.pageSize, request.pageToken);
      const { rows, nextPageToken } = page(await products.list(pageReq), pageReq);
      return { products: rows.map(toProduct), nextPageToken };
    },

    async batchGetProducts(request) {
      const ids = request.ids.map(canonicalId);
      const found = new Map((await products.getMany(ids)).map((row) => [row.id, row]));
      return {
        products: ids.map((id) => {
          const product = found.get(id);
          if (!product) throw productNotFound(id);
          return toProduct(product);
        }),
      };
    },

    // Deprecated in the proto: the ReservationService's rules answer, until a v2 drops these.
    reserveStock: (request) => reservations.reserveStock(request),
    releaseStock: (request) => reservations.releaseStock(request),
  };
}
