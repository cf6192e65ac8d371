import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ProductService } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { requireAdminEndUser } from "../kit/end-user/index.js";
import {
  alreadyExists,
  checkEach,
  checkFields,
  invalidArgument,
  maxItems,
  page,
  pageRequest,
  requireRange,
  requireText,
  requireUuid,
  type ServiceHandlers,
} from "../kit/index.js";
import {
  optionalRequestId,
  requestFingerprint,
  requestIdReused,
  requireRequestId,
} from "../kit/writes/index.js";
import { productNotFound } from "./product-errors.js";
import { maxNameLength, requirePrice, toProduct } from "./product-fields.js";
import type { ProductStore } from "./product-store.js";
import { reservationRules } from "./reservation-handlers.js";
import type { StockAdjustments } from "./stock-adjustments.js";
import type { StockStore } from "./stock-store.js";
import { updateProduct } from "./update-product.js";

const maxSkuLength = 64;
const maxReasonLength = 200;

/** The ProductService rules over its stores. */
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
      const { sku, name, price, initialStock, requestId } = checkFields({
        sku: () => requireText("sku", request.sku, maxSkuLength),
        name: () => requireText("name", request.name, maxNameLength),
        price: () => requirePrice(request.price),
        initialStock: () => requireRange("stock", request.stock, 0, 2 ** 31 - 1),
        requestId: () => optionalRequestId(request.requestId),
      });
      const key =
        requestId === undefined
          ? undefined
          : {
              scope: context.endUser?.subject ?? "",
              requestId,
              fingerprint: requestFingerprint([sku, name, price, initialStock]),
            };
      const product = await products.insert({
        sku,
        name,
        priceCurrency: price.currencyCode,
        priceMinorUnits: price.minorUnits,
        stock: initialStock,
        key,
      });
      if (product) return toProduct(product);
      if (key) {
        // Not inserted: a retry finds its first result; another request's key is refused.
        const first = await products.getByRequest(key);
        if (first?.requestFingerprint === key.fingerprint) return toProduct(first);
        if (first) throw requestIdReused(key.requestId, "product");
      }
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
      const checked = checkFields({
        productId: () => requireUuid("product_id", request.productId),
        delta: () => {
          if (request.delta === 0) throw invalidArgument("delta", "must not be 0");
          return request.delta;
        },
        reason: () => requireText("reason", request.reason, maxReasonLength),
        requestId: () => requireRequestId(request.requestId),
      });
      const done = await adjustments.adjust(checked);
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
      const id = requireUuid("id", request.id);
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
      if (request.ids.length === 0) throw invalidArgument("ids", "must hold at least one id");
      if (request.ids.length > maxItems) {
        throw invalidArgument("ids", `must hold at most ${maxItems} ids`);
      }
      const ids = checkEach(request.ids, (id, index) => requireUuid(`ids[${index}]`, id));
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
