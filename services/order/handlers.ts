import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type TimestampSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  OrderSchema,
  type OrderService,
  OrderStatus,
} from "../gen/shopmesh/order/v1/order_service_pb.js";
import type { EndUser } from "../kit/end-user/index.js";
import {
  checkFields,
  failedPrecondition,
  notFound,
  RpcError,
  requireItems,
  requireUuid,
  type ServiceHandlers,
  Status,
} from "../kit/index.js";
import type { PageTokens } from "../kit/listing/index.js";
import { requireRequestId } from "../kit/writes/index.js";
import type { OrderCancellation } from "./cancel-order.js";
import { listOrders } from "./list-orders.js";
import type { OrderRow, OrderState, OrderStore } from "./order-store.js";
import type { OrderPlacement } from "./place-order.js";

/** The OrderService rules over its store, placement saga and dependencies. */
export function orderHandlers(
  store: OrderStore,
  placement: OrderPlacement,
  cancellation: OrderCancellation,
  pageTokens: PageTokens,
): ServiceHandlers<typeof OrderService> {
  const list = listOrders(
    store,
    pageTokens,
    (endUser, requested) => ownerOf(endUser, requested, "list your own orders"),
    encodedSize,
  );
  // Another user's order is NOT_FOUND to an end user, so its existence is not revealed.
  const visibleOrder = async (id: string, endUser: EndUser | undefined): Promise<OrderRow> => {
    const order = await store.get(id);
    if (!order || order.status === "abandoned" || !mayAccess(endUser, order.userId)) {
      throw notFound(`order ${id}`, "ORDER_NOT_FOUND", {
        resourceType: "shopmesh.order.v1.Order",
        resourceName: id,
      });
    }
    return order;
  };

  return {
    async createOrder(request, context) {
      const { requestId, userId, items } = checkFields({
        requestId: () => requireRequestId(request.requestId),
        userId: () => ownerOf(context.endUser, request.userId, "order for yourself"),
        items: () => requireItems("items", request.items),
      });
      return toOrder(await placement.place({ requestId, userId, items }, context));
    },

    async getOrder(request, context) {
      return toOrder(await visibleOrder(requireUuid("id", request.id), context.endUser));
    },

    async listOrders(request, context) {
      const { rows, nextPageToken } = await list(request, context.endUser);
      return { orders: rows.map(toOrder), nextPageToken };
    },

    async cancelOrder(request, context) {
      const id = requireUuid("id", request.id);
      const order = await visibleOrder(id, context.endUser);
      if (order.status === "cancelled") return toOrder(order);
      if (order.status === "pending") {
        throw failedPrecondition(`order ${id} is still being placed; retry shortly`, {
          reason: "ORDER_PENDING",
          metadata: { order: id },
        });
      }
      return toOrder(await cancellation.cancel(order, context));
    },
  };
}

function mayAccess(endUser: EndUser | undefined, ownerId: string): boolean {
  return !endUser || endUser.admin || endUser.userId === ownerId;
}

/**
 * Whose orders a call is about. For an end user: themselves (the request's user_id may be empty
 * or their own); admins may name anyone. Without an end user: the request's user_id.
 */
function ownerOf(endUser: EndUser | undefined, requested: string, action: string): string {
  if (!endUser) return requireUuid("user_id", requested);
  if (endUser.admin && requested !== "") return requireUuid("user_id", requested);
  if (!endUser.userId) {
    throw failedPrecondition("no profile for this sign-in yet: sign up (CreateUser) first", {
      reason: "NO_PROFILE",
    });
  }
  if (requested !== "" && requested !== endUser.userId) {
    throw new RpcError(Status.PERMISSION_DENIED, `user_id: you may only ${action}`, {
      details: { reason: "NOT_OWNER" },
    });
  }
  return endUser.userId;
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
    createTime: timestampFromMicros(row.createMicros),
    updateTime: timestampFromDate(row.updateTime),
  };
}

/** A Timestamp to the microsecond, as stored (a Date would drop the last three digits). */
function timestampFromMicros(micros: bigint): MessageInitShape<typeof TimestampSchema> {
  const seconds = micros / 1_000_000n;
  return { seconds, nanos: Number(micros - seconds * 1_000_000n) * 1_000 };
}
