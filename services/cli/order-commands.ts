import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import {
  ListOrdersResponseSchema,
  OrderSchema,
  OrderService,
} from "../gen/shopmesh/order/v1/order_service_pb.js";
import { int32Max } from "./command-line.js";
import { type MeshCommand, printable as out } from "./printable.js";

/**
 * `order create|get|list|cancel`: one call to the order service each. Through the edge an
 * order's user is the signed-in one, so `order create` needs no --user.
 */
export const runOrderCommand: MeshCommand = async (transports, line, { viaEdge }) => {
  const orders = createClient(OrderService, transports.order);
  switch (line.word(1)) {
    case "create": {
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
    case "get":
      return out(OrderSchema, await orders.getOrder({ id: line.argument(2, "ID") }));
    case "list":
      return out(
        ListOrdersResponseSchema,
        await orders.listOrders({
          userId: line.options.user ?? "",
          filter: line.options.filter,
          orderBy: line.options["order-by"],
          ...line.page(),
        }),
      );
    case "cancel":
      return out(OrderSchema, await orders.cancelOrder({ id: line.argument(2, "ID") }));
    default:
      throw line.unknownCommand();
  }
};
