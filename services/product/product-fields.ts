import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Money } from "../gen/shopmesh/common/v1/money_pb.js";
import type { ProductSchema } from "../gen/shopmesh/product/v1/product_service_pb.js";
import { checkFields, invalidArgument } from "../kit/index.js";
import { requireCurrency } from "../kit/money/index.js";
import type { ProductRow } from "./product-store.js";

/** Longest product name, in characters. */
export const maxNameLength = 200;

/** A price: required, a known currency, never negative; errors name `field`'s parts. */
export function requirePrice(
  price: Money | undefined,
  field = "price",
): { currencyCode: string; minorUnits: bigint } {
  if (!price) throw invalidArgument(field, "is required");
  return checkFields({
    currencyCode: () => requireCurrency(`${field}.currency_code`, price.currencyCode),
    minorUnits: () => {
      if (price.minorUnits < 0n)
        throw invalidArgument(`${field}.minor_units`, "must not be negative");
      return price.minorUnits;
    },
  });
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
