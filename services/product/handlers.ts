import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Money } from "../gen/shopmesh/common/v1/money_pb.js";
import type {
  ProductSchema,
  ProductService,
} from "../gen/shopmesh/product/v1/product_service_pb.js";
import { requireAdminEndUser } from "../kit/end-user/index.js";
import {
  alreadyExists,
  canonicalId,
  distinctItems,
  page,
  pageRequest,
  type ServiceHandlers,
} from "../kit/index.js";
import { requireCurrency } from "../kit/money/index.js";
import { productNotFound } from "./product-errors.js";
import type { ProductRow, ProductStore } from "./product-store.js";
import type { StockStore } from "./stock-store.js";

/**
 * The ProductService rules over its stores. The field rules (lengths, UUIDs, quantities) are the
 * proto's, checked before these run; here are the ones that need the stores or platform data.
 */
export function productHandlers(
  products: ProductStore,
  stock: StockStore,
): ServiceHandlers<typeof ProductService> {
  return {
    async createProduct(request, context) {
      requireAdminEndUser(context, "CreateProduct");
      const sku = request.sku.trim();
      // Required by the rules: the kit refused a request without it.
      const price = request.price as Money;
      const product = await products.insert({
        sku,
        name: request.name.trim(),
        priceCurrency: requireCurrency("price.currency_code", price.currencyCode),
        priceMinorUnits: price.minorUnits,
        stock: request.stock,
      });
      if (!product) {
        throw alreadyExists(`a product with sku ${sku} already exists`, {
          reason: "SKU_TAKEN",
          metadata: { sku },
        });
      }
      return toProduct(product);
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

    async reserveStock(request) {
      const orderId = canonicalId(request.orderId);
      const items = distinctItems("items", request.items);
      const reserved = await stock.reserve(orderId, items);
      return { orderId, items: reserved };
    },

    async releaseStock(request) {
      const orderId = canonicalId(request.orderId);
      return { orderId, returnedItems: await stock.release(orderId) };
    },
  };
}

function toProduct(row: ProductRow): MessageInitShape<typeof ProductSchema> {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    price: { currencyCode: row.priceCurrency, minorUnits: row.priceMinorUnits },
    stock: row.stock,
    createTime: timestampFromDate(row.createTime),
  };
}
