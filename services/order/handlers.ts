import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  OrderSchema,
  type OrderService,
  OrderStatus,
} from "../gen/shopmesh/order/v1/order_service_pb.js";
import {
  failedPrecondition,
  invalidArgument,
  notFound,
  page,
  pageRequest,
  requireItems,
  requireUuid,
  type ServiceHandlers,
} from "../kit/index.js";
import type { OrderCancellation } from "./cancel-order.js";
import type { OrderRow, OrderState, OrderStore } from "./order-store.js";
import type { OrderPlacement } from "./place-order.js";

const maxRequestIdLength = 128;

/** The OrderService rules over its store, placement saga and dependencies. */
export function orderHandlers(
  store: OrderStore,
  placement: OrderPlacement,
  cancellation: OrderCancellation,
): ServiceHandlers<typeof OrderService> {
  const visibleOrder = async (id: string): Promise<OrderRow> => {
    const order = await store.get(id);
    if (!order || order.status === "abandoned") throw notFound(`order ${id}`);
    return order;
  };

  return {
    async createOrder(request, context) {
      const order = await placement.place(
        {
          requestId: requireRequestId(request.requestId),
          userId: requireUuid("user_id", request.userId),
          items: requireItems("items", request.items),
        },
        context,
      );
      return toOrder(order);
    },

    async getOrder(request) {
      return toOrder(await visibleOrder(requireUuid("id", request.id)));
    },

    async listOrders(request) {
      const userId = request.userId === "" ? undefined : requireUuid("user_id", request.userId);
      const pageReq = pageRequest(request.pageSize, request.pageToken);
      // An order holds up to 100 items: 1000 of them would exceed the message limit.
      const { rows, nextPageToken } = page(await store.list(pageReq, userId), pageReq, encodedSize);
      return { orders: rows.map(toOrder), nextPageToken };
    },

    async cancelOrder(request, context) {
      const id = requireUuid("id", request.id);
      const order = await visibleOrder(id);
      if (order.status === "cancelled") return toOrder(order);
      if (order.status === "pending") {
        throw failedPrecondition(`order ${id} is still being placed; retry shortly`);
      }
      return toOrder(await cancellation.cancel(order, context));
    },
  };
}

function requireRequestId(value: string): string {
  if (value === "") throw invalidArgument("request_id", "is required");
  if (value.length > maxRequestIdLength) {
    throw invalidArgument("request_id", `must be at most ${maxRequestIdLength} characters`);
  }
  return value;
}

const statuses: Record<OrderState, OrderStatus> = {
  pending: OrderStatus.PENDING,
  confirmed: OrderStatus.CONFIRMED,
  cancelling: OrderStatus.CANCELLING,
  cancelled: OrderStatus.CANCELLED,
  abandoned: OrderStatus.UNSPECIFIED,
};

/** An order's bytes in a ListOrders response (its length prefix and tag included). */
function encodedSize(row: OrderRow): number {
  return toBinary(OrderSchema, create(OrderSchema, toOrder(row))).length + 6;
}

function toOrder(row: OrderRow): MessageInitShape<typeof OrderSchema> {
  return {
    id: row.id,
    requestId: row.requestId,
    userId: row.userId,
    items: row.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      unitPrice: { currencyCode: row.currency, minorUnits: item.unitPriceMinorUnits },
    })),
    total: { currencyCode: row.currency, minorUnits: row.totalMinorUnits },
    status: statuses[row.status],
    createTime: timestampFromDate(row.createTime),
  };
}
