import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { HealthListResponseSchema } from "../gen/grpc/health/v1/health_pb.js";
import {
  ListOrdersResponseSchema,
  OrderSchema,
} from "../gen/shopmesh/order/v1/order_service_pb.js";
import {
  ListProductsResponseSchema,
  ProductSchema,
  StockAdjustmentSchema,
  type UpdateProductRequestSchema,
} from "../gen/shopmesh/product/v1/product_service_pb.js";
import { ListUsersResponseSchema, UserSchema } from "../gen/shopmesh/user/v1/user_service_pb.js";
import { type CommandLine, UsageError } from "./command-line.js";
import { checkHealth } from "./health-check.js";
import type { MeshClients } from "./mesh-clients.js";
import { parseMinorUnits } from "./money.js";
import { printable as out, type Printable } from "./printable.js";

const int32Max = 2_147_483_647;

/**
 * The user, product, order and health commands: one call each, the response to print. Through
 * the edge (`viaEdge`) an order's user is the signed-in one, so `order create` needs no --user.
 */
export async function runShopCommand(
  clients: MeshClients,
  line: CommandLine,
  { viaEdge }: { viaEdge: boolean },
): Promise<Printable> {
  const { users, products, orders } = clients;
  const page = () => ({
    pageSize: line.wholeNumber("page-size", 0, int32Max),
    pageToken: line.options["page-token"],
  });
  switch (`${line.word(0)} ${line.word(1)}`) {
    case "user create":
      return out(
        UserSchema,
        await users.createUser({
          email: line.required("email"),
          displayName: line.required("name"),
          requestId: line.options["request-id"] ?? "",
        }),
      );
    case "user update": {
      const user = { id: line.argument(2, "ID"), displayName: line.required("name") };
      return out(
        UserSchema,
        await users.updateUser({
          user: { ...user, etag: line.options.etag },
          updateMask: { paths: ["display_name"] },
        }),
      );
    }
    case "user get":
      return out(UserSchema, await users.getUser({ id: line.argument(2, "ID") }));
    case "user list":
      return out(ListUsersResponseSchema, await users.listUsers(page()));
    case "product create": {
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
    case "product update":
      return out(ProductSchema, await products.updateProduct(productUpdate(line)));
    case "product adjust-stock":
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
    case "product get":
      return out(ProductSchema, await products.getProduct({ id: line.argument(2, "ID") }));
    case "product list":
      return out(ListProductsResponseSchema, await products.listProducts(page()));
    case "order create": {
      const items = (line.options.item ?? []).map((item) => {
        const [productId = "", quantity = "1"] = item.split(":");
        return { productId, quantity: line.wholeNumber("item", 0, int32Max, quantity) };
      });
      const requestId = line.options["request-id"] ?? randomUUID();
      return out(
        OrderSchema,
        await orders.createOrder({
          requestId,
          userId: viaEdge ? (line.options.user ?? "") : line.required("user"),
          items,
        }),
      );
    }
    case "order get":
      return out(OrderSchema, await orders.getOrder({ id: line.argument(2, "ID") }));
    case "order list":
      return out(
        ListOrdersResponseSchema,
        await orders.listOrders({
          userId: line.options.user ?? "",
          filter: line.options.filter,
          orderBy: line.options["order-by"],
          ...page(),
        }),
      );
    case "order cancel":
      return out(OrderSchema, await orders.cancelOrder({ id: line.argument(2, "ID") }));
    case "health ":
      return out(HealthListResponseSchema, await checkHealth(clients));
    default:
      throw new UsageError(`unknown command: ${line.positionals.join(" ") || "(none)"}`);
  }
}

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
