import type { ListOrdersRequest } from "../gen/shopmesh/order/v1/order_service_pb.js";
import type { EndUser } from "../kit/end-user/index.js";
import { invalidArgument, pageOf, pageSizeOf, RpcError, Status } from "../kit/index.js";
import type { PageTokens } from "../kit/listing/index.js";
import {
  canonicalQuery,
  type OrderListQuery,
  orderListQuery,
  scopedTo,
  userIdsOf,
} from "./order-list-query.js";
import type { OrderCursor } from "./order-list-sql.js";
import type { OrderRow, OrderStore } from "./order-store.js";

/** Whose orders a list may show: an end user's own, or for anyone else what they ask. */
export type ListScope = (
  endUser: EndUser | undefined,
  requestedUserId: string,
) => string | undefined;

/**
 * ListOrders: the request's filter and order_by, narrowed to the orders the caller may see, one
 * page after the position its sealed page token holds. `ownUserId` decides whose orders an end
 * user may list (the same rule as CreateOrder's user_id).
 */
export function listOrders(
  store: OrderStore,
  tokens: PageTokens,
  ownUserId: (endUser: EndUser, requested: string) => string,
  sizeOf: (row: OrderRow) => number,
) {
  return async (request: ListOrdersRequest, endUser: EndUser | undefined) => {
    // user_id's and page_size's rules are the proto's, checked before this runs; the filter's
    // and order_by's grammar is the server's.
    const size = pageSizeOf(request.pageSize);
    const query = orderListQuery(request.filter, request.orderBy);
    const scoped = visibleTo(query, endUser, request.userId, ownUserId);
    // Bound to the query as narrowed, so a token never opens for another user's list either.
    const bound = canonicalQuery(scoped);
    const after = request.pageToken === "" ? undefined : cursorIn(tokens, request.pageToken, bound);
    const rows = await store.list(scoped, after, size + 1);
    // An order holds up to 100 items: 1000 of them would exceed the message limit.
    const { rows: page, lastBeforeMore: last } = pageOf(rows, size, sizeOf);
    const nextPageToken = last
      ? tokens.seal({ t: last.createMicros.toString(), s: last.seq.toString() }, bound)
      : "";
    return { rows: page, nextPageToken };
  };
}

/**
 * The query an end user may run: their own orders only (a filter naming another user is
 * PERMISSION_DENIED, as a user_id naming one is). Others (the operator, an admin) get what they
 * asked, the user_id field joined to the filter.
 */
function visibleTo(
  query: OrderListQuery,
  endUser: EndUser | undefined,
  requestedUserId: string,
  ownUserId: (endUser: EndUser, requested: string) => string,
): OrderListQuery {
  const requested = requestedUserId.toLowerCase();
  if (!endUser || endUser.admin) return scopedTo(query, requested === "" ? undefined : requested);
  const own = ownUserId(endUser, requested);
  if (userIdsOf(query).some((id) => id !== own)) {
    throw new RpcError(Status.PERMISSION_DENIED, "filter: you may only list your own orders", {
      details: { reason: "NOT_OWNER" },
    });
  }
  return scopedTo(query, own);
}

function cursorIn(tokens: PageTokens, token: string, bound: string): OrderCursor {
  const cursor = tokens.open(token, bound) as { t?: unknown; s?: unknown } | null;
  // Sealed by us, so well-formed unless this code changed its shape since.
  if (typeof cursor?.t !== "string" || typeof cursor.s !== "string") {
    throw invalidArgument("page_token", "must be a next_page_token returned by this method");
  }
  return { createMicros: BigInt(cursor.t), seq: BigInt(cursor.s) };
}
