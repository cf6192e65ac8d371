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
import { requireCurrency } from "../kit/money/index.js";
import { productNotFound } from "./product-errors.js";
import type { ProductRow, ProductStore } from "./product-store.js";
import { reservationRules } from "./reservation-handlers.js";
import type { StockStore } from "./stock-store.js";

const maxSkuLength = 64;
const maxNameLength = 200;

/** The ProductService rules over its stores. */
export function productHandlers(
  products: ProductStore,
  stock: StockStore,
): ServiceHandlers<typeof ProductService> {
  const reservations = reservationRules(stock);
  return {
    async createProduct(request, context) {
      requireAdminEndUser(context, "CreateProduct");
      const { sku, name, price, initialStock } = checkFields({
        sku: () => requireText("sku", request.sku, maxSkuLength),
        name: () => requireText("name", request.name, maxNameLength),
        price: () => requirePrice(request.price),
        initialStock: () => requireRange("stock", request.stock, 0, 2 ** 31 - 1),
      });
      const product = await products.insert({
        sku,
        name,
        priceCurrency: price.currencyCode,
        priceMinorUnits: price.minorUnits,
        stock: initialStock,
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

function requirePrice(price: Money | undefined): { currencyCode: string; minorUnits: bigint } {
  if (!price) throw invalidArgument("price", "is required");
  return checkFields({
    currencyCode: () => requireCurrency("price.currency_code", price.currencyCode),
    minorUnits: () => {
      if (price.minorUnits < 0n) throw invalidArgument("price.minor_units", "must not be negative");
      return price.minorUnits;
    },
  });
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
