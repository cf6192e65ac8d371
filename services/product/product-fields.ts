import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Money } from "../gen/shopmesh/common/v1/money_pb.js";
import type { ProductSchema } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { requireCurrency } from "../kit/money/index.js";
import type { ProductRow } from "./product-store.js";

/**
 * A price whose currency ISO 4217 knows (the platform's data; the proto's rules checked its
 * shape and that minor_units is not negative); errors name `field`'s parts.
 */
export function knownCurrencyPrice(
  price: Money,
  field = "price",
): { currencyCode: string; minorUnits: bigint } {
  return {
    currencyCode: requireCurrency(`${field}.currency_code`, price.currencyCode),
    minorUnits: price.minorUnits,
  };
}

/** A stored product as the API returns it. */
export function toProduct(row: ProductRow): MessageInitShape<typeof ProductSchema> {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    price: { currencyCode: row.priceCurrency, minorUnits: row.priceMinorUnits },
    stock: row.stock,
    createTime: timestampFromDate(row.createTime),
    updateTime: timestampFromDate(row.updateTime),
    etag: row.etag,
  };
}
