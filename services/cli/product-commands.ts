import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import {
  ListProductsResponseSchema,
  ProductSchema,
  ProductService,
  StockAdjustmentSchema,
  type UpdateProductRequestSchema,
} from "../gen/shopmesh/product/v1/product_service_pb.js";
import { type CommandLine, int32Max, UsageError } from "./command-line.js";
import { parseMinorUnits } from "./money.js";
import { type MeshCommand, printable as out } from "./printable.js";

/** `product create|update|adjust-stock|get|list`: one call to the product service each. */
export const runProductCommand: MeshCommand = async (transports, line) => {
  const products = createClient(ProductService, transports.product);
  switch (line.word(1)) {
    case "create": {
      const currencyCode = line.required("currency");
      return out(
        ProductSchema,
        await products.createProduct({
          sku: line.required("sku"),
          name: line.required("name"),
          price: { currencyCode, minorUnits: price(line.required("price"), currencyCode) },
          stock: line.wholeNumber("stock", 0, int32Max),
          requestId: line.options["request-id"] ?? "",
        }),
      );
    }
    case "update":
      return out(ProductSchema, await products.updateProduct(productUpdate(line)));
    case "adjust-stock":
      return out(
        StockAdjustmentSchema,
        await products.adjustStock({
          productId: line.argument(2, "ID"),
          delta: line.wholeNumber("delta", -int32Max, int32Max),
          reason: line.required("reason"),
          // A fresh key per invocation; pass --request-id to make a retry of it apply once.
          requestId: line.options["request-id"] ?? randomUUID(),
        }),
      );
    case "get":
      return out(ProductSchema, await products.getProduct({ id: line.argument(2, "ID") }));
    case "list":
      return out(ListProductsResponseSchema, await products.listProducts(line.page()));
    default:
      throw line.unknownCommand();
  }
};

/** An UpdateProduct of the fields given: --name, --price (with --currency). */
function productUpdate(line: CommandLine): MessageInitShape<typeof UpdateProductRequestSchema> {
  const { name, price: amount, currency = "", etag } = line.options;
  const paths = [...(name ? ["name"] : []), ...(amount ? ["price"] : [])];
  if (paths.length === 0) throw new UsageError("give --name, --price or both");
  return {
    product: {
      id: line.argument(2, "ID"),
      ...(name ? { name } : {}),
      ...(amount ? { price: { currencyCode: currency, minorUnits: price(amount, currency) } } : {}),
      etag,
    },
    updateMask: { paths },
  };
}

function price(amount: string, currencyCode: string): bigint {
  try {
    return parseMinorUnits(amount, currencyCode);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
